/*
 * Certificates and private keys for the HTTPS server.
 *
 * Three layers, from pure to I/O:
 *
 *   - PEM (tls_pem_*) and subjectAltNames (tls_san_*): pure functions on
 *     caller buffers.
 *   - tls_cert_create() writes a self-signed X.509 v3 certificate for a new
 *     ECDSA P-256 key, and tls_cert_check() tells whether a certificate
 *     tls_cert_create() made still suits a list of names at a given time.
 *     Pure too: the caller passes the time and a seeded PRNG.
 *   - struct tls_creds holds a certificate chain and its private key in
 *     the form the TLS engine uses.  tls_creds_parse() fills it from PEM
 *     text in memory; tls_creds_load() and tls_creds_load_or_create() read
 *     (and write) files: they are for start-up, not for the event loop.
 *
 * The generated certificate (RFC 5280):
 *   version 3, serial: 16 random bytes (positive), issuer = subject =
 *   CN=pxestick, validity: from a day before creation for
 *   TLS_CERT_VALID_YEARS years (UTCTime up to 2049, GeneralizedTime
 *   after), key: ECDSA P-256, signature: ecdsa-with-SHA256, extensions:
 *     subjectAltName       the caller's IP addresses and DNS names
 *                          (omitted when there are none)
 *     basicConstraints     critical, cA FALSE
 *     keyUsage             critical, digitalSignature
 *     extendedKeyUsage     serverAuth
 *   This is what `curl --cacert cert.pem` and `openssl verify -CAfile
 *   cert.pem cert.pem` accept: a self-signed end-entity certificate that
 *   clients pin directly.
 *
 * Errors are written to the caller's err buffer (errlen bytes, always
 * NUL-terminated when errlen > 0; err may be NULL when errlen is 0) as
 * one line without a trailing newline, naming the file or name at fault.
 */
#ifndef PXESTICK_TLS_CERT_H
#define PXESTICK_TLS_CERT_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

#include "common/limits.h"

/* ---- PEM (RFC 7468) ---- */

/* Longest object name kept, NUL included (BearSSL's own limit). */
#define TLS_PEM_MAX_NAME        128

/*
 * PEM-encode der (len bytes) between "-----BEGIN banner-----" and
 * "-----END banner-----" lines, base64 in lines of 64 characters, LF line
 * ends, into out (cap bytes).  Returns the length written (out is then
 * NUL-terminated), or 0 when it does not fit.  With out NULL and cap 0,
 * returns the length needed (without the NUL).
 */
size_t tls_pem_encode(char *out, size_t cap, const void *der, size_t len,
    const char *banner);

struct tls_pem_object {
	char name[TLS_PEM_MAX_NAME];    /* "CERTIFICATE", upper case */
	size_t off;                     /* where its bytes start in der */
	size_t len;                     /* how many */
};

/*
 * Decode every PEM object in pem (len bytes, need not be NUL-terminated).
 * The decoded bytes of the objects are stored one after the other in der
 * (cap bytes), and described in objs (max entries).  Text outside
 * objects is ignored; CRLF line ends are accepted.  Returns the number
 * of objects (0 when there is none), or -1 with err set: bad base64, an
 * object without its END line, more than max objects, or more than cap
 * bytes of output.
 */
int tls_pem_decode(const void *pem, size_t len, unsigned char *der, size_t cap,
    struct tls_pem_object *objs, size_t max, char *err, size_t errlen);

/* ---- subjectAltNames ---- */

/* GeneralName tags (RFC 5280 4.2.1.6). */
#define TLS_SAN_DNS             2       /* dNSName, an IA5String */
#define TLS_SAN_IP              7       /* iPAddress, 4 or 16 bytes */

struct tls_san {
	unsigned type;                  /* TLS_SAN_DNS or TLS_SAN_IP */
	size_t len;
	/* IP: the address in network byte order; DNS: the name in lower
	 * case, no trailing dot, not NUL-terminated. */
	unsigned char data[TLS_MAX_DNS_NAME];
};

/*
 * Parse one name: an IPv4 address ("192.0.2.1"), an IPv6 address
 * ("2001:db8::1", without brackets or zone) or a DNS name (labels of 1..63
 * letters, digits and hyphens, not starting or ending with a hyphen,
 * joined by dots; at most TLS_MAX_DNS_NAME bytes; one trailing dot is
 * dropped; stored in lower case).  0, or -1 with err set.
 */
int tls_san_parse(struct tls_san *san, const char *s, char *err, size_t errlen);

/* ---- generated certificates ---- */

/* DER bytes of a generated PKCS#8 P-256 key, with room to spare. */
#define TLS_GEN_KEY_MAX         256

struct tls_cert_new {
	unsigned char cert[TLS_MAX_GEN_CERT];   /* DER certificate */
	size_t cert_len;
	unsigned char key[TLS_GEN_KEY_MAX];     /* DER PKCS#8 private key */
	size_t key_len;
};

/*
 * Generate a P-256 key and a self-signed certificate for it, as described
 * at the top, into out.  sans (n_sans entries, at most TLS_MAX_SANS) are
 * written sorted (IP addresses first) and without duplicates, so the
 * order the caller gives does not matter.  now is the current time in
 * seconds since 1970 (UTC).  rng MUST be seeded with at least 256 bits of
 * entropy; the key and the serial number come from it, and the signature
 * is deterministic (RFC 6979), so the same seed, names and time give the
 * same bytes.  0, or -1 with err set.  The caller SHOULD wipe out->key
 * after use.
 */
int tls_cert_create(struct tls_cert_new *out, const struct tls_san *sans,
    size_t n_sans, int64_t now, const br_prng_class **rng,
    char *err, size_t errlen);

/*
 * Whether cert (DER, len bytes), made by tls_cert_create(), still suits:
 * its signature is its own, it is valid at now and still at now +
 * TLS_CERT_RENEW_DAYS, and its subjectAltNames are exactly sans (in any
 * order; duplicates ignored).  0 when it suits, 1 when it does not (err
 * says why), -1 on an invalid argument (too many names).
 */
int tls_cert_check(const unsigned char *cert, size_t len,
    const struct tls_san *sans, size_t n_sans, int64_t now,
    char *err, size_t errlen);

/* ---- credentials: a chain and its private key ---- */

/* Bytes of the private key's numbers: as many as BearSSL's key decoder
 * holds (the five CRT values of a 4096-bit RSA key take 1,280). */
#define TLS_KEY_DATA_MAX        (3 * BR_X509_BUFSIZE_SIG)

/* 32 bytes as "AB:CD:...:EF" (as `openssl x509 -noout -fingerprint
 * -sha256` prints them after "sha256 Fingerprint="), and a NUL. */
#define TLS_FINGERPRINT_SIZE    (32 * 3)

/*
 * Everything the TLS engine needs.  It holds pointers into itself: it
 * MUST NOT be copied or moved once filled, and it MUST outlive every
 * struct tls_conn set up with it.  ~34 KiB, mostly chain_data: keep one
 * per server, static or allocated once.
 */
struct tls_creds {
	unsigned key_type;              /* BR_KEYTYPE_EC or BR_KEYTYPE_RSA */
	unsigned issuer_key_type;       /* type of the key that signed the leaf */
	unsigned key_bits;              /* RSA modulus bits, or curve bits */
	br_x509_certificate chain[TLS_MAX_CHAIN_CERTS]; /* leaf first */
	size_t chain_len;
	br_ec_private_key ec;           /* when key_type is BR_KEYTYPE_EC */
	br_rsa_private_key rsa;         /* when key_type is BR_KEYTYPE_RSA */
	unsigned char key_data[TLS_KEY_DATA_MAX];
	unsigned char chain_data[TLS_MAX_CHAIN_BYTES];
};

/*
 * Fill c from PEM text: cert_pem holds the chain, leaf first (every
 * CERTIFICATE object, in order; other objects are ignored), key_pem the
 * leaf's private key (the first PRIVATE KEY, EC PRIVATE KEY or RSA
 * PRIVATE KEY object: PKCS#8, SEC 1 or PKCS#1; not encrypted).  Checked:
 * every certificate decodes, the key decodes and is EC on P-256, P-384
 * or P-521 or RSA of TLS_RSA_MIN_BITS..TLS_RSA_MAX_BITS bits, and it
 * matches the leaf's public key.  cert_name and key_name only name the
 * inputs in error messages.  0, or -1 with err set (c is then wiped).
 */
int tls_creds_parse(struct tls_creds *c, const void *cert_pem, size_t cert_len,
    const char *cert_name, const void *key_pem, size_t key_len,
    const char *key_name, char *err, size_t errlen);

/*
 * tls_creds_parse() on the contents of two files (each at most
 * TLS_MAX_PEM_FILE bytes).  0, or -1 with err naming the file.
 */
int tls_creds_load(struct tls_creds *c, const char *cert_file,
    const char *key_file, char *err, size_t errlen);

/* Results of tls_creds_load_or_create(). */
#define TLS_CREDS_LOADED        0       /* the stored pair suits */
#define TLS_CREDS_CREATED       1       /* a new pair was made: err says why */

/*
 * The self-signed pair kept in state_dir (which MUST exist) as
 * tls-cert.pem and tls-key.pem.  The stored pair is used when it parses,
 * was made for exactly these names (sans: n_sans strings for
 * tls_san_parse()) and passes tls_cert_check() now; otherwise a new pair
 * is made (tls_cert_create(), PRNG seeded from getentropy()) and written
 * atomically: each file to a temporary file created with
 * O_EXCL|O_NOFOLLOW (the key with mode 0600, the certificate 0644),
 * fsync'ed and renamed over the old one, then the directory fsync'ed.
 * Stored files are opened with O_NOFOLLOW.  Returns TLS_CREDS_LOADED
 * (err is ""), TLS_CREDS_CREATED (err holds the reason, for the log), or
 * -1 with err set: an invalid name, a file that exists but cannot be
 * read, or a failed write.
 */
int tls_creds_load_or_create(struct tls_creds *c, const char *state_dir,
    const char *const *sans, size_t n_sans, char *err, size_t errlen);

/*
 * The credentials of an HTTPS server: the chain in cert_file and the key
 * in key_file (key_file "": the key is in cert_file too) when cert_file
 * is set, else the self-signed pair in state_dir made for every address
 * of this machine and "localhost" (tls_creds_load_or_create()).  0 with
 * a line for the log in note, or -1 with err ("https: ...").
 */
int tls_creds_setup(struct tls_creds *c, const char *cert_file, const char *key_file,
    const char *state_dir, char *note, size_t notelen, char *err, size_t errlen);

/* Wipe the private key and forget the chain.  c may be filled again. */
void tls_creds_free(struct tls_creds *c);

/* The SHA-256 fingerprint of the leaf certificate, "AB:CD:...:EF". */
void tls_creds_fingerprint(const struct tls_creds *c,
    char out[TLS_FINGERPRINT_SIZE]);

/* "ECDSA P-256", "RSA 2048", ...: the key, for the log. */
const char *tls_creds_describe(const struct tls_creds *c, char *buf, size_t len);

#endif
