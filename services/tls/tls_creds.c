/*
 * Credentials: a certificate chain and its private key, from PEM text
 * (tls_creds_parse), from files (tls_creds_load), or from the state
 * directory, made there on first use (tls_creds_load_or_create).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bearssl.h>

#include "common/util.h"
#include "tls/tls_cert.h"
#include "tls/tls_internal.h"

#define STATE_CERT      "tls-cert.pem"
#define STATE_KEY       "tls-key.pem"

/* PEM objects looked at in one file (a chain plus a few others). */
#define MAX_PEM_OBJECTS (TLS_MAX_CHAIN_CERTS + 8)
/* DER bytes of a key file's objects (a 4096-bit RSA key is ~2.4 KiB). */
#define KEY_DER_MAX     (16u * 1024)

static int
is_name(const struct tls_pem_object *o, const char *name)
{
	return strcmp(o->name, name) == 0;
}

/* Strip leading zero bytes of a big-endian number. */
static const unsigned char *
strip(const unsigned char *p, size_t *len)
{
	while (*len > 0 && *p == 0) {
		p++;
		(*len)--;
	}
	return p;
}

static int
parse_chain(struct tls_creds *c, const void *pem, size_t len, const char *name,
    char *err, size_t errlen)
{
	struct tls_pem_object objs[MAX_PEM_OBJECTS];
	char e[TLS_MAX_ERROR];
	int n, i;

	n = tls_pem_decode(pem, len, c->chain_data, sizeof(c->chain_data),
	    objs, MAX_PEM_OBJECTS, e, sizeof(e));
	if (n < 0)
		return tls_fail(err, errlen, "%s: %s", name, e);
	for (i = 0; i < n; i++) {
		if (!is_name(&objs[i], "CERTIFICATE") &&
		    !is_name(&objs[i], "X509 CERTIFICATE"))
			continue;
		if (c->chain_len == TLS_MAX_CHAIN_CERTS)
			return tls_fail(err, errlen, "%s: more than %d certificates",
			    name, TLS_MAX_CHAIN_CERTS);
		c->chain[c->chain_len].data = c->chain_data + objs[i].off;
		c->chain[c->chain_len].data_len = objs[i].len;
		c->chain_len++;
	}
	if (c->chain_len == 0)
		return tls_fail(err, errlen, "%s: no CERTIFICATE in the file", name);
	return 0;
}

/* Decode every certificate; keep what the leaf says. *pk points into dc. */
static int
check_chain(struct tls_creds *c, br_x509_decoder_context *dc,
    const br_x509_pkey **pk, const char *name, char *err, size_t errlen)
{
	size_t i;

	for (i = c->chain_len; i-- > 0;) {
		br_x509_decoder_init(dc, NULL, NULL);
		br_x509_decoder_push(dc, c->chain[i].data, c->chain[i].data_len);
		*pk = br_x509_decoder_get_pkey(dc);
		if (*pk == NULL)
			return tls_fail(err, errlen, "%s: certificate %zu of %zu "
			    "does not decode (BearSSL error %d)", name, i + 1,
			    c->chain_len, br_x509_decoder_last_error(dc));
	}
	/* dc now holds the leaf (i == 0 came last). */
	c->issuer_key_type = br_x509_decoder_get_signer_key_type(dc);
	return 0;
}

static int
parse_key(struct tls_creds *c, const void *pem, size_t len, const char *name,
    char *err, size_t errlen)
{
	struct tls_pem_object objs[MAX_PEM_OBJECTS];
	unsigned char der[KEY_DER_MAX];
	br_skey_decoder_context skd;
	char e[TLS_MAX_ERROR];
	int n, i, found = -1, encrypted = 0, rc = -1, bad;

	n = tls_pem_decode(pem, len, der, sizeof(der), objs, MAX_PEM_OBJECTS,
	    e, sizeof(e));
	if (n < 0) {
		tls_fail(err, errlen, "%s: %s", name, e);
		goto done;
	}
	for (i = 0; i < n && found < 0; i++) {
		if (is_name(&objs[i], "PRIVATE KEY") ||
		    is_name(&objs[i], "EC PRIVATE KEY") ||
		    is_name(&objs[i], "RSA PRIVATE KEY"))
			found = i;
		else if (is_name(&objs[i], "ENCRYPTED PRIVATE KEY"))
			encrypted = 1;
	}
	if (found < 0) {
		tls_fail(err, errlen, encrypted ?
		    "%s: the private key is encrypted; decrypt it first "
		    "(openssl pkey -in KEY -out PLAIN)" :
		    "%s: no PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY in "
		    "the file", name);
		goto done;
	}
	br_skey_decoder_init(&skd);
	br_skey_decoder_push(&skd, der + objs[found].off, objs[found].len);
	if (br_skey_decoder_last_error(&skd) != 0 ||
	    br_skey_decoder_key_type(&skd) == 0) {
		tls_fail(err, errlen, "%s: the private key does not decode "
		    "(BearSSL error %d; PKCS#8, SEC 1 and PKCS#1 keys are "
		    "supported)", name, br_skey_decoder_last_error(&skd));
		goto wipe;
	}
	c->key_type = (unsigned)br_skey_decoder_key_type(&skd);
	if (c->key_type == BR_KEYTYPE_EC) {
		const br_ec_private_key *k = br_skey_decoder_get_ec(&skd);

		switch (k->curve) {
		case BR_EC_secp256r1: c->key_bits = 256; break;
		case BR_EC_secp384r1: c->key_bits = 384; break;
		case BR_EC_secp521r1: c->key_bits = 521; break;
		default:
			tls_fail(err, errlen, "%s: EC key on curve %d; only P-256, "
			    "P-384 and P-521 are supported", name, k->curve);
			goto wipe;
		}
		if (k->xlen > sizeof(c->key_data)) {
			tls_fail(err, errlen, "%s: EC key too large", name);
			goto wipe;
		}
		memcpy(c->key_data, k->x, k->xlen);
		c->ec.curve = k->curve;
		c->ec.x = c->key_data;
		c->ec.xlen = k->xlen;
	} else {
		const br_rsa_private_key *k = br_skey_decoder_get_rsa(&skd);
		size_t off = 0;

		c->key_bits = k->n_bitlen;
		if (k->n_bitlen < TLS_RSA_MIN_BITS || k->n_bitlen > TLS_RSA_MAX_BITS) {
			tls_fail(err, errlen, "%s: RSA key of %u bits; %d to %d "
			    "are supported", name, (unsigned)k->n_bitlen,
			    TLS_RSA_MIN_BITS, TLS_RSA_MAX_BITS);
			goto wipe;
		}
		bad = k->plen + k->qlen + k->dplen + k->dqlen + k->iqlen >
		    sizeof(c->key_data);
		if (bad) {
			tls_fail(err, errlen, "%s: RSA key too large", name);
			goto wipe;
		}
		c->rsa.n_bitlen = k->n_bitlen;
#define COPY(f) do { \
		memcpy(c->key_data + off, k->f, k->f##len); \
		c->rsa.f = c->key_data + off; \
		c->rsa.f##len = k->f##len; \
		off += k->f##len; \
	} while (0)
		COPY(p);
		COPY(q);
		COPY(dp);
		COPY(dq);
		COPY(iq);
#undef COPY
	}
	rc = 0;
wipe:
	tls_wipe(&skd, sizeof(skd));
done:
	tls_wipe(der, sizeof(der));
	return rc;
}

/* Does the private key in c belong to the leaf's public key pk? */
static int
check_match(struct tls_creds *c, const br_x509_pkey *pk, const char *cert_name,
    const char *key_name, char *err, size_t errlen)
{
	unsigned char buf[TLS_RSA_MAX_BITS / 8 + 8];
	const unsigned char *a, *b;
	size_t alen, blen;

	if (pk->key_type != c->key_type)
		return tls_fail(err, errlen, "%s holds an %s key, but the "
		    "certificate in %s is for an %s key", key_name,
		    c->key_type == BR_KEYTYPE_EC ? "EC" : "RSA", cert_name,
		    pk->key_type == BR_KEYTYPE_EC ? "EC" : "RSA");
	if (c->key_type == BR_KEYTYPE_EC) {
		br_ec_public_key pub;

		if (pk->key.ec.curve != c->ec.curve ||
		    br_ec_compute_pub(br_ec_get_default(), &pub, buf, &c->ec) == 0)
			goto mismatch;
		if (pub.qlen != pk->key.ec.qlen ||
		    memcmp(pub.q, pk->key.ec.q, pub.qlen) != 0)
			goto mismatch;
		return 0;
	}
	alen = br_rsa_compute_modulus_get_default()(NULL, &c->rsa);
	if (alen == 0 || alen > sizeof(buf))
		goto mismatch;
	br_rsa_compute_modulus_get_default()(buf, &c->rsa);
	a = strip(buf, &alen);
	blen = pk->key.rsa.nlen;
	b = strip(pk->key.rsa.n, &blen);
	/* The same modulus is the same key pair.  (The exponent cannot be
	 * checked the same way: br_rsa_compute_pubexp() needs p and q to
	 * be 3 mod 4, which OpenSSL's keys need not be.) */
	if (alen != blen || memcmp(a, b, alen) != 0)
		goto mismatch;
	return 0;
mismatch:
	return tls_fail(err, errlen, "the private key in %s does not match "
	    "the certificate in %s", key_name, cert_name);
}

int
tls_creds_parse(struct tls_creds *c, const void *cert_pem, size_t cert_len,
    const char *cert_name, const void *key_pem, size_t key_len,
    const char *key_name, char *err, size_t errlen)
{
	br_x509_decoder_context dc;
	const br_x509_pkey *pk;

	memset(c, 0, sizeof(*c));
	if (parse_chain(c, cert_pem, cert_len, cert_name, err, errlen) != 0 ||
	    check_chain(c, &dc, &pk, cert_name, err, errlen) != 0 ||
	    parse_key(c, key_pem, key_len, key_name, err, errlen) != 0 ||
	    check_match(c, pk, cert_name, key_name, err, errlen) != 0) {
		tls_creds_free(c);
		return -1;
	}
	return 0;
}

void
tls_creds_free(struct tls_creds *c)
{
	tls_wipe(c, sizeof(*c));
}

void
tls_creds_fingerprint(const struct tls_creds *c, char out[TLS_FINGERPRINT_SIZE])
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char h[32];
	br_sha256_context sha;
	size_t i;

	if (c->chain_len == 0) {
		out[0] = '\0';
		return;
	}
	br_sha256_init(&sha);
	br_sha256_update(&sha, c->chain[0].data, c->chain[0].data_len);
	br_sha256_out(&sha, h);
	for (i = 0; i < 32; i++) {
		out[3 * i] = hex[h[i] >> 4];
		out[3 * i + 1] = hex[h[i] & 15];
		out[3 * i + 2] = i < 31 ? ':' : '\0';
	}
}

const char *
tls_creds_describe(const struct tls_creds *c, char *buf, size_t len)
{
	if (c->key_type == BR_KEYTYPE_EC)
		snprintf(buf, len, "ECDSA P-%u", c->key_bits);
	else if (c->key_type == BR_KEYTYPE_RSA)
		snprintf(buf, len, "RSA %u", c->key_bits);
	else
		snprintf(buf, len, "none");
	return buf;
}

/* ---- files ---- */

/*
 * Read all of path into buf (cap bytes).  1 and *len on success, 0 when
 * the file does not exist (and missing_ok), -1 with err set otherwise.
 */
static int
read_file(const char *path, int flags, int missing_ok, unsigned char *buf,
    size_t cap, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	size_t got = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | flags);
	if (fd < 0) {
		if (errno == ENOENT && missing_ok)
			return 0;
		return tls_fail(err, errlen, "%s: %s%s", path, strerror(errno),
		    errno == ELOOP && (flags & O_NOFOLLOW) ?
		    " (a symbolic link, not followed)" : "");
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return tls_fail(err, errlen, "%s: not a regular file", path);
	}
	for (;;) {
		ssize_t n;

		if (got == cap) {
			close(fd);
			return tls_fail(err, errlen, "%s: larger than %zu bytes",
			    path, cap);
		}
		n = read(fd, buf + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			tls_fail(err, errlen, "%s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return 1;
}

int
tls_creds_load(struct tls_creds *c, const char *cert_file, const char *key_file,
    char *err, size_t errlen)
{
	unsigned char *cbuf, *kbuf;
	size_t clen = 0, klen = 0;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	cbuf = malloc(TLS_MAX_PEM_FILE);
	kbuf = malloc(TLS_MAX_PEM_FILE);
	if (cbuf == NULL || kbuf == NULL) {
		tls_fail(err, errlen, "out of memory");
		goto done;
	}
	if (read_file(cert_file, 0, 0, cbuf, TLS_MAX_PEM_FILE, &clen,
	    err, errlen) < 0 ||
	    read_file(key_file, 0, 0, kbuf, TLS_MAX_PEM_FILE, &klen,
	    err, errlen) < 0)
		goto done;
	rc = tls_creds_parse(c, cbuf, clen, cert_file, kbuf, klen, key_file,
	    err, errlen);
done:
	if (kbuf != NULL) {
		tls_wipe(kbuf, TLS_MAX_PEM_FILE);
		free(kbuf);
	}
	free(cbuf);
	return rc;
}

/*
 * Replace dir/name with data, atomically: a temporary file in the same
 * directory, created exclusively (never through a symlink), with exactly
 * this mode, synced, renamed over the old one, and the directory synced.
 */
static int
write_atomic(const char *dir, const char *name, const void *data, size_t len,
    mode_t mode, char *err, size_t errlen)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	int fd, n;

	n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path) ||
	    (n = snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name)) < 0 ||
	    (size_t)n >= sizeof(tmp))
		return tls_fail(err, errlen, "%s: path too long", dir);
	/* A leftover from an interrupted run (or anything planted there):
	 * unlink removes a symlink itself, never its target. */
	if (unlink(tmp) != 0 && errno != ENOENT)
		return tls_fail(err, errlen, "%s: %s", tmp, strerror(errno));
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return tls_fail(err, errlen, "%s: %s", tmp, strerror(errno));
	if (fchmod(fd, mode) != 0 || write_all(fd, data, len) != 0 ||
	    fsync(fd) != 0) {
		tls_fail(err, errlen, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) != 0) {
		tls_fail(err, errlen, "%s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		tls_fail(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		tls_fail(err, errlen, "%s: %s", dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Make a new pair, write it to dir, and fill c from it. */
static int
create_pair(struct tls_creds *c, const char *dir, const struct tls_san *sans,
    size_t n_sans, char *err, size_t errlen)
{
	struct tls_cert_new *nc;
	br_hmac_drbg_context rng;
	unsigned char seed[48];
	char *cpem = NULL, *kpem = NULL;
	char cpath[PATH_MAX], kpath[PATH_MAX];
	size_t clen, klen;
	int rc = -1;

	nc = malloc(sizeof(*nc));
	cpem = malloc(TLS_MAX_PEM_FILE);
	kpem = malloc(TLS_MAX_PEM_FILE);
	if (nc == NULL || cpem == NULL || kpem == NULL) {
		tls_fail(err, errlen, "out of memory");
		goto done;
	}
	if (getentropy(seed, sizeof(seed)) != 0) {
		tls_fail(err, errlen, "getentropy: %s", strerror(errno));
		goto done;
	}
	br_hmac_drbg_init(&rng, &br_sha256_vtable, seed, sizeof(seed));
	if (tls_cert_create(nc, sans, n_sans, (int64_t)time(NULL), &rng.vtable,
	    err, errlen) != 0)
		goto done;
	clen = tls_pem_encode(cpem, TLS_MAX_PEM_FILE, nc->cert, nc->cert_len,
	    "CERTIFICATE");
	klen = tls_pem_encode(kpem, TLS_MAX_PEM_FILE, nc->key, nc->key_len,
	    "PRIVATE KEY");
	if (clen == 0 || klen == 0) {
		tls_fail(err, errlen, "PEM encoding failed");
		goto done;
	}
	snprintf(cpath, sizeof(cpath), "%s/%s", dir, STATE_CERT);
	snprintf(kpath, sizeof(kpath), "%s/%s", dir, STATE_KEY);
	/* The key first: a crash in between leaves a pair that does not
	 * match, which the next start replaces. */
	if (write_atomic(dir, STATE_KEY, kpem, klen, 0600, err, errlen) != 0 ||
	    write_atomic(dir, STATE_CERT, cpem, clen, 0644, err, errlen) != 0)
		goto done;
	rc = tls_creds_parse(c, cpem, clen, cpath, kpem, klen, kpath,
	    err, errlen);
done:
	tls_wipe(seed, sizeof(seed));
	tls_wipe(&rng, sizeof(rng));
	if (nc != NULL) {
		tls_wipe(nc, sizeof(*nc));
		free(nc);
	}
	if (kpem != NULL) {
		tls_wipe(kpem, TLS_MAX_PEM_FILE);
		free(kpem);
	}
	free(cpem);
	return rc;
}

int
tls_creds_load_or_create(struct tls_creds *c, const char *state_dir,
    const char *const *sans, size_t n_sans, char *err, size_t errlen)
{
	struct tls_san sanv[TLS_MAX_SANS];
	char cpath[PATH_MAX], kpath[PATH_MAX], why[TLS_MAX_ERROR];
	unsigned char *cbuf = NULL, *kbuf = NULL;
	size_t clen = 0, klen = 0, i;
	int rc = -1, rc1, rc2, n;

	memset(c, 0, sizeof(*c));
	if (n_sans > TLS_MAX_SANS)
		return tls_fail(err, errlen, "more than %d subjectAltNames",
		    TLS_MAX_SANS);
	for (i = 0; i < n_sans; i++)
		if (tls_san_parse(&sanv[i], sans[i], err, errlen) != 0)
			return -1;
	n = snprintf(cpath, sizeof(cpath), "%s/%s", state_dir, STATE_CERT);
	if (n < 0 || (size_t)n >= sizeof(cpath))
		return tls_fail(err, errlen, "%s: path too long", state_dir);
	snprintf(kpath, sizeof(kpath), "%s/%s", state_dir, STATE_KEY);

	cbuf = malloc(TLS_MAX_PEM_FILE);
	kbuf = malloc(TLS_MAX_PEM_FILE);
	if (cbuf == NULL || kbuf == NULL) {
		tls_fail(err, errlen, "out of memory");
		goto done;
	}
	rc1 = read_file(cpath, O_NOFOLLOW, 1, cbuf, TLS_MAX_PEM_FILE, &clen,
	    err, errlen);
	if (rc1 < 0)
		goto done;
	rc2 = read_file(kpath, O_NOFOLLOW, 1, kbuf, TLS_MAX_PEM_FILE, &klen,
	    err, errlen);
	if (rc2 < 0)
		goto done;
	if (rc1 == 0 || rc2 == 0) {
		snprintf(why, sizeof(why), "no stored %s in %s",
		    rc1 == 0 ? "certificate" : "key", state_dir);
	} else if (tls_creds_parse(c, cbuf, clen, cpath, kbuf, klen, kpath,
	    why, sizeof(why)) != 0) {
		/* why says what is wrong with the stored pair. */
	} else {
		char e[TLS_MAX_ERROR];

		if (tls_cert_check(c->chain[0].data, c->chain[0].data_len,
		    sanv, n_sans, (int64_t)time(NULL), e, sizeof(e)) == 0) {
			tls_fail(err, errlen, "%s", "");
			rc = TLS_CREDS_LOADED;
			goto done;
		}
		snprintf(why, sizeof(why), "%s: %s", cpath, e);
		tls_creds_free(c);
	}
	if (create_pair(c, state_dir, sanv, n_sans, err, errlen) != 0)
		goto done;
	tls_fail(err, errlen, "%s", why);
	rc = TLS_CREDS_CREATED;
done:
	if (kbuf != NULL) {
		tls_wipe(kbuf, TLS_MAX_PEM_FILE);
		free(kbuf);
	}
	free(cbuf);
	return rc;
}
