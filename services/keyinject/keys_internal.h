/*
 * Private to services/keyinject: the type table, the sticky error, and the
 * pieces keys_parse_line() is made of.
 */
#ifndef PXESTICK_KEYINJECT_KEYS_INTERNAL_H
#define PXESTICK_KEYINJECT_KEYS_INTERNAL_H

#include <stddef.h>

#include "keyinject/keys.h"

/* How a type's blob is laid out after its type string (RFC 4253 6.6,
 * RFC 5656 3.1, RFC 8709 4, OpenSSH PROTOCOL.u2f). */
enum keys_kind {
	KEYS_KIND_ED25519,      /* string pk (32 bytes) */
	KEYS_KIND_ECDSA,        /* string curve, string Q (uncompressed point) */
	KEYS_KIND_RSA           /* mpint e, mpint n */
};

struct keys_type_info {
	enum keys_type type;
	const char *name;       /* in files and in blobs */
	const char *label;      /* as ssh-keygen -l */
	enum keys_kind kind;
	int sk;                 /* FIDO key: a string application follows */
	const char *curve;      /* ECDSA: the curve's SSH name */
	int br_curve;           /* ECDSA: BearSSL's curve id */
	size_t point_len;       /* ECDSA: 1 + 2 * field bytes */
	unsigned bits;          /* 0 for RSA: counted from the modulus */
};

/* The entry for a type name of len bytes, or NULL. */
const struct keys_type_info *keys_type_lookup(const char *name, size_t len);
const struct keys_type_info *keys_type_info(enum keys_type type);

/*
 * Record the first error of a line (printf-style) and return -1.  Later
 * calls keep the first message: one line, one reason, the earliest.
 */
int keys_fail(struct keys_key *k, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A short, escaped copy of input bytes for an error message. */
#define KEYS_QUOTE_SIZE 64
const char *keys_quote(char out[KEYS_QUOTE_SIZE], const void *p, size_t len);

/*
 * Check the options token [p, p + len) as sshd does.  Returns 0 and sets
 * err to "", or -1 with the reason in err (errsize bytes, escaped).
 */
int keys_options_check(const char *p, size_t len, char *err, size_t errsize);

/* Length of the options token at [p, p + len): up to the first blank
 * outside double quotes.  -1 when a quote is left open. */
long keys_options_span(const char *p, size_t len);

/* Check k->blob against the type named on the line; sets k->bits.
 * 0 or -1 (k->error). */
int keys_blob_check(struct keys_key *k, const struct keys_type_info *t);

/* SHA-256 of k->blob. */
void keys_blob_hash(const struct keys_key *k, unsigned char out[32]);

#endif
