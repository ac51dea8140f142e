/*
 * The key blob: SSH wire format (RFC 4251 section 5), read with a (p, rem)
 * cursor.  Every string's length is checked against the bytes left before
 * it is used; the blob must end exactly after the last field.
 *
 *   ssh-ed25519          string type, string pk[32]              (RFC 8709)
 *   ecdsa-sha2-*         string type, string curve, string Q     (RFC 5656)
 *   ssh-rsa              string type, mpint e, mpint n           (RFC 4253)
 *   sk-ssh-ed25519@...   as ssh-ed25519, then string application (PROTOCOL.u2f)
 *   sk-ecdsa-sha2-...    as ecdsa-sha2-nistp256, then string application
 */
#include <string.h>

#include <bearssl.h>

#include "common/util.h"
#include "keyinject/keys_internal.h"

struct wire {
	const unsigned char *p;
	size_t rem;
};

/* A string field: 4-byte big-endian length, then the bytes. */
static int
wire_string(struct keys_key *k, struct wire *w, const char *what,
    const unsigned char **s, size_t *len)
{
	uint32_t n;

	if (w->rem < 4)
		return keys_fail(k, "key data ends before the %s", what);
	n = load_be32(w->p);
	if (n > w->rem - 4)
		return keys_fail(k, "key data: the %s claims %lu bytes, only %zu are left",
		    what, (unsigned long)n, w->rem - 4);
	*s = w->p + 4;
	*len = n;
	w->p += 4 + (size_t)n;
	w->rem -= 4 + (size_t)n;
	return 0;
}

static int
same(const unsigned char *s, size_t len, const char *name)
{
	return strlen(name) == len && memcmp(s, name, len) == 0;
}

static int
check_type(struct keys_key *k, struct wire *w, const struct keys_type_info *t)
{
	const unsigned char *s;
	char q[KEYS_QUOTE_SIZE];
	size_t n;

	if (wire_string(k, w, "key type", &s, &n) != 0)
		return -1;
	if (!same(s, n, t->name))
		return keys_fail(k, "key data is of type '%s', but the line says '%s'",
		    keys_quote(q, s, n), t->name);
	return 0;
}

static int
check_ed25519(struct keys_key *k, struct wire *w)
{
	const unsigned char *s;
	size_t n;

	if (wire_string(k, w, "ed25519 public key", &s, &n) != 0)
		return -1;
	if (n != 32)
		return keys_fail(k, "ed25519 public key is %zu bytes, not 32", n);
	return 0;
}

/* sshbuf_get_ec(): an uncompressed point that is on the curve (BearSSL's
 * mul() decodes and validates it; multiplying by 1 leaves it as it is). */
static int
check_ecdsa(struct keys_key *k, struct wire *w, const struct keys_type_info *t)
{
	static const unsigned char one[1] = { 1 };
	unsigned char point[133];
	const unsigned char *s;
	char q[KEYS_QUOTE_SIZE];
	size_t n;

	if (wire_string(k, w, "curve name", &s, &n) != 0)
		return -1;
	if (!same(s, n, t->curve))
		return keys_fail(k, "ECDSA curve '%s' does not match the type %s",
		    keys_quote(q, s, n), t->name);
	if (wire_string(k, w, "ECDSA public point", &s, &n) != 0)
		return -1;
	if (n != t->point_len || s[0] != 0x04)
		return keys_fail(k, "ECDSA public point is not an uncompressed %s "
		    "point (%zu bytes, want %zu starting with 0x04)", t->curve, n,
		    t->point_len);
	memcpy(point, s, n);
	if (br_ec_prime_i31.mul(point, n, one, sizeof(one), t->br_curve) != 1)
		return keys_fail(k, "ECDSA public point is not on the curve %s", t->curve);
	return 0;
}

/* An mpint (RFC 4251 section 5): two's complement, big-endian.  Like
 * sshbuf_get_bignum2(), refuse negatives and skip leading zero bytes. */
static int
wire_mpint(struct keys_key *k, struct wire *w, const char *what,
    const unsigned char **s, size_t *len)
{
	if (wire_string(k, w, what, s, len) != 0)
		return -1;
	if (*len > 0 && ((*s)[0] & 0x80))
		return keys_fail(k, "%s is negative", what);
	while (*len > 0 && (*s)[0] == 0) {
		(*s)++;
		(*len)--;
	}
	if (*len == 0)
		return keys_fail(k, "%s is zero", what);
	return 0;
}

/* BN_num_bits(): bits up to the highest set bit.  s[0] != 0. */
static unsigned long
mpint_bits(const unsigned char *s, size_t len)
{
	unsigned long bits = (unsigned long)(len - 1) * 8;

	for (unsigned c = s[0]; c != 0; c >>= 1)
		bits++;
	return bits;
}

static int
check_rsa(struct keys_key *k, struct wire *w)
{
	const unsigned char *e, *n;
	size_t elen, nlen;
	unsigned long bits;

	if (wire_mpint(k, w, "RSA exponent", &e, &elen) != 0 ||
	    wire_mpint(k, w, "RSA modulus", &n, &nlen) != 0)
		return -1;
	/* Length first: the bit count of a huge modulus must not overflow. */
	if (nlen > KEYS_RSA_MAX_BITS / 8)
		return keys_fail(k, "RSA key is longer than %d bits", KEYS_RSA_MAX_BITS);
	bits = mpint_bits(n, nlen);
	if (bits < KEYS_RSA_MIN_BITS)
		return keys_fail(k, "RSA key has %lu bits, at least %d are needed",
		    bits, KEYS_RSA_MIN_BITS);
	if ((n[nlen - 1] & 1) == 0)
		return keys_fail(k, "RSA modulus is even");
	if ((e[elen - 1] & 1) == 0 || (elen == 1 && e[0] == 1))
		return keys_fail(k, "RSA exponent is even or 1");
	k->bits = (unsigned)bits;
	return 0;
}

/* A security key's application ("ssh:" for ssh-keygen -t ed25519-sk):
 * sshd reads it as a C string, so no NUL inside. */
static int
check_application(struct keys_key *k, struct wire *w)
{
	const unsigned char *s;
	size_t n;

	if (wire_string(k, w, "security key application", &s, &n) != 0)
		return -1;
	if (n == 0)
		return keys_fail(k, "security key application is empty");
	if (memchr(s, '\0', n) != NULL)
		return keys_fail(k, "security key application holds a NUL byte");
	return 0;
}

int
keys_blob_check(struct keys_key *k, const struct keys_type_info *t)
{
	struct wire w = { k->blob, k->blob_len };
	int rc;

	k->bits = t->bits;
	if (check_type(k, &w, t) != 0)
		return -1;
	switch (t->kind) {
	case KEYS_KIND_ED25519: rc = check_ed25519(k, &w); break;
	case KEYS_KIND_ECDSA: rc = check_ecdsa(k, &w, t); break;
	case KEYS_KIND_RSA: rc = check_rsa(k, &w); break;
	default: rc = keys_fail(k, "key type not handled"); break;
	}
	if (rc == 0 && t->sk)
		rc = check_application(k, &w);
	if (rc == 0 && w.rem != 0)
		rc = keys_fail(k, "trailing garbage after the key data (%zu bytes)",
		    w.rem);
	if (rc != 0)
		k->bits = 0;
	return rc;
}
