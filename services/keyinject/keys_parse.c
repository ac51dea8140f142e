/*
 * One authorized_keys line: [OPTIONS] TYPE BASE64 [COMMENT].
 *
 * sshd (auth2-pubkeyfile.c) first tries to read a key at the start of the
 * line and, failing that, takes the first word as options.  We do the same
 * with a known type name as the test, then check what sshd checks later
 * (the options, the blob) and what it does not (RSA size, ECDSA curve).
 */
#include <stdio.h>
#include <string.h>

#include <bearssl.h>

#include "common/base64.h"
#include "keyinject/keys_internal.h"

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static void
skip_blanks(const char **p, size_t *rem)
{
	while (*rem > 0 && is_blank(**p)) {
		(*p)++;
		(*rem)--;
	}
}

/* The word at *p (up to a blank or the end); advances past it. */
static size_t
take_word(const char **p, size_t *rem, const char **word)
{
	size_t n = 0;

	while (n < *rem && !is_blank((*p)[n]))
		n++;
	*word = *p;
	*p += n;
	*rem -= n;
	return n;
}

static int
starts_with(const char *p, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && memcmp(p, prefix, n) == 0;
}

/* A line may hold tabs, but no other control byte: they have no business
 * in a key, and in a comment they could drive the terminal that shows it. */
static int
check_bytes(struct keys_key *k, const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return keys_fail(k, "control character 0x%02x at column %zu",
			    c, i + 1);
	}
	return 0;
}

/* Formats people paste by mistake get a message that says what to do. */
static int
check_not_other_format(struct keys_key *k, const char *p, size_t len)
{
	if (starts_with(p, len, "---- BEGIN SSH2 PUBLIC KEY"))
		return keys_fail(k, "an RFC 4716 public key: convert it with "
		    "'ssh-keygen -i -f FILE'");
	if (starts_with(p, len, "-----BEGIN"))
		return keys_fail(k, "a PEM block (a private key?): use the .pub "
		    "file instead");
	return 0;
}

/*
 * A word that is not a supported type but looks like one (an sshd-style
 * name, or key data right after it) gets "unsupported key type" rather
 * than a confusing complaint about options.
 */
static int
looks_like_type(const char *w, size_t n, const char *next, size_t next_len)
{
	if (memchr(w, '=', n) != NULL || memchr(w, ',', n) != NULL)
		return 0;
	return starts_with(w, n, "ssh-") || starts_with(w, n, "ecdsa-") ||
	    starts_with(w, n, "sk-") || starts_with(w, n, "rsa-") ||
	    starts_with(w, n, "AAAA") || starts_with(next, next_len, "AAAA");
}

static int
fail_type(struct keys_key *k, const char *w, size_t n)
{
	char q[KEYS_QUOTE_SIZE];

	if (n == 7 && memcmp(w, "ssh-dss", 7) == 0)
		return keys_fail(k, "DSA keys (ssh-dss) are not supported; "
		    "make one with 'ssh-keygen -t ed25519'");
	if (n > 21 && memcmp(w + n - 21, "-cert-v01@openssh.com", 21) == 0)
		return keys_fail(k, "certificates (%s) are not supported",
		    keys_quote(q, w, n));
	if (starts_with(w, n, "AAAA"))
		return keys_fail(k, "no key type before the key data");
	return keys_fail(k, "unsupported key type '%s'", keys_quote(q, w, n));
}

/* The key type word at *p: sets *t or fails. */
static int
parse_type(struct keys_key *k, const char **p, size_t *rem,
    const struct keys_type_info **t)
{
	const char *w;
	size_t n = take_word(p, rem, &w);

	if (n == 0)
		return keys_fail(k, "options but no key type after them");
	if ((*t = keys_type_lookup(w, n)) == NULL)
		return fail_type(k, w, n);
	return 0;
}

/* [OPTIONS] TYPE: sets k->options and *t. */
static int
parse_prefix(struct keys_key *k, const char **p, size_t *rem,
    const struct keys_type_info **t)
{
	const char *w, *rest, *next;
	size_t n, rest_len;
	char err[KEYS_MAX_ERROR];
	long span;

	rest = *p;
	rest_len = *rem;
	n = take_word(&rest, &rest_len, &w);
	if ((*t = keys_type_lookup(w, n)) != NULL) {
		*p = rest;
		*rem = rest_len;
		return 0;
	}

	/* Not a type: options (which may hold quoted blanks), or a mistake. */
	span = keys_options_span(*p, *rem);
	if (span < 0)
		snprintf(err, sizeof(err), "options: missing end quote");
	else
		keys_options_check(*p, (size_t)span, err, sizeof(err));
	if (err[0] != '\0') {
		skip_blanks(&rest, &rest_len);
		take_word(&rest, &rest_len, &next);
		if (looks_like_type(w, n, next, (size_t)(rest - next)))
			return fail_type(k, w, n);
		return keys_fail(k, "%s", err);
	}
	k->options = *p;
	k->options_len = (size_t)span;
	*p += span;
	*rem -= (size_t)span;
	skip_blanks(p, rem);
	return parse_type(k, p, rem, t);
}

static int
decode_base64(struct keys_key *k, const char *b64, size_t len)
{
	enum base64_status st;
	size_t off;

	st = base64_decode(k->blob, sizeof(k->blob), b64, len, &off);
	switch (st) {
	case BASE64_OK:
		k->blob_len = off;
		return 0;
	case BASE64_ECHAR:
		return keys_fail(k, "key data is not base64: bad character 0x%02x at "
		    "offset %zu", (unsigned char)b64[off], off);
	case BASE64_ELENGTH:
		return keys_fail(k, "key data is not base64: %zu characters, not a "
		    "multiple of 4 (cut short?)", len);
	case BASE64_EPAD:
		return keys_fail(k, "key data is not base64: bad padding at the end");
	case BASE64_ESPACE:
		break;
	}
	return keys_fail(k, "key data is too long");
}

static void
keys_reset(struct keys_key *k)
{
	k->type = KEYS_TYPE_NONE;
	k->bits = 0;
	k->options = k->base64 = k->comment = NULL;
	k->options_len = k->base64_len = k->comment_len = 0;
	k->blob_len = 0;
	k->error[0] = '\0';
}

static int
parse_fields(struct keys_key *k, const char *p, size_t rem)
{
	const struct keys_type_info *t;
	const char *w;
	size_t n;

	if (check_bytes(k, p, rem) != 0 || check_not_other_format(k, p, rem) != 0)
		return -1;
	if (parse_prefix(k, &p, &rem, &t) != 0)
		return -1;
	skip_blanks(&p, &rem);
	n = take_word(&p, &rem, &w);
	if (n == 0)
		return keys_fail(k, "no key data after '%s'", t->name);
	k->base64 = w;
	k->base64_len = n;
	if (decode_base64(k, w, n) != 0 || keys_blob_check(k, t) != 0)
		return -1;
	skip_blanks(&p, &rem);
	if (rem > 0) {
		/* Everything after the key is the comment, whatever it holds. */
		k->comment = p;
		k->comment_len = rem;
	}
	k->type = t->type;
	return 0;
}

int
keys_parse_line(struct keys_key *k, const char *line, size_t len)
{
	const char *p = line;
	size_t rem = len;

	keys_reset(k);
	if (rem > 0 && p[rem - 1] == '\r')
		rem--;
	if (rem > KEYS_MAX_LINE) {
		keys_fail(k, "line is %zu bytes long, more than the %d allowed",
		    rem, KEYS_MAX_LINE);
		return KEYS_BAD;
	}
	skip_blanks(&p, &rem);
	if (rem == 0 || p[0] == '#')
		return KEYS_SKIP;
	while (rem > 0 && is_blank(p[rem - 1]))
		rem--;
	if (parse_fields(k, p, rem) != 0) {
		k->type = KEYS_TYPE_NONE;
		return KEYS_BAD;
	}
	return KEYS_KEY;
}

void
keys_blob_hash(const struct keys_key *k, unsigned char out[32])
{
	br_sha256_context sha;

	br_sha256_init(&sha);
	br_sha256_update(&sha, k->blob, k->blob_len);
	br_sha256_out(&sha, out);
}

void
keys_fingerprint(const struct keys_key *k, char out[KEYS_FINGERPRINT_SIZE])
{
	unsigned char hash[32];

	keys_blob_hash(k, hash);
	memcpy(out, "SHA256:", 7);
	base64_encode(out + 7, hash, sizeof(hash), 0);
}

/* Append n bytes at *o if they fit below size - 1; count them anyway. */
static void
append(char *out, size_t size, size_t *o, const char *p, size_t n)
{
	if (*o < size && size - *o > n)
		memcpy(out + *o, p, n);
	else if (*o < size)
		memcpy(out + *o, p, size - *o - 1);
	*o += n;
}

size_t
keys_format_line(const struct keys_key *k, char *out, size_t size)
{
	const char *name = keys_type_name(k->type);
	size_t o = 0;

	if (k->options != NULL) {
		append(out, size, &o, k->options, k->options_len);
		append(out, size, &o, " ", 1);
	}
	append(out, size, &o, name, strlen(name));
	append(out, size, &o, " ", 1);
	append(out, size, &o, k->base64, k->base64_len);
	if (k->comment != NULL) {
		append(out, size, &o, " ", 1);
		append(out, size, &o, k->comment, k->comment_len);
	}
	if (size > 0)
		out[o < size ? o : size - 1] = '\0';
	return o;
}
