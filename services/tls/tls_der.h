/*
 * A DER writer (ITU-T X.690, section 10): just enough of it to write an
 * X.509 certificate, which BearSSL can read but not write.
 *
 * The writer fills a caller-owned buffer front to back.  A constructed
 * value is opened with tls_der_begin(), which writes its tag and reserves
 * one length byte, and closed with tls_der_end(), which writes the now
 * known definite length, moving the contents up when the length needs
 * more than one byte.  Every writer checks the room left first; running
 * out of room, or any invalid argument, sets a sticky error: later calls
 * do nothing, and the caller checks tls_der_failed() once at the end.
 *
 * Nothing here allocates or does I/O.  Only low-tag-number form tags
 * (numbers 0..30) are written, which is all X.509 uses.
 */
#ifndef PXESTICK_TLS_DER_H
#define PXESTICK_TLS_DER_H

#include <stddef.h>
#include <stdint.h>

/* Universal tags. */
#define DER_BOOLEAN             0x01
#define DER_INTEGER             0x02
#define DER_BIT_STRING          0x03
#define DER_OCTET_STRING        0x04
#define DER_NULL                0x05
#define DER_OID                 0x06
#define DER_UTF8_STRING         0x0c
#define DER_PRINTABLE_STRING    0x13
#define DER_IA5_STRING          0x16
#define DER_UTC_TIME            0x17
#define DER_GENERALIZED_TIME    0x18
#define DER_SEQUENCE            0x30    /* constructed */
#define DER_SET                 0x31    /* constructed */
/* Context-specific tags [n], n in 0..30: primitive (IMPLICIT on a
 * primitive type) and constructed (EXPLICIT, or IMPLICIT on a SEQUENCE). */
#define DER_CONTEXT(n)          (0x80 | (n))
#define DER_CONTEXT_CONS(n)     (0xa0 | (n))

/* Arcs in one OBJECT IDENTIFIER accepted by tls_der_oid(). */
#define DER_MAX_OID_ARCS        32

struct tls_der {
	unsigned char *buf;     /* the caller's buffer */
	size_t cap;             /* its size */
	size_t len;             /* bytes written so far */
	int failed;             /* sticky: out of room or invalid argument */
};

/* Start writing into buf (cap bytes; buf may be NULL when cap is 0). */
void tls_der_init(struct tls_der *w, unsigned char *buf, size_t cap);

/* 1 once any call failed (the output is then unusable), else 0. */
static inline int tls_der_failed(const struct tls_der *w) { return w->failed; }

/*
 * Open a constructed value with this tag (DER_SEQUENCE, DER_SET,
 * DER_CONTEXT_CONS(n), or a primitive tag whose contents are themselves
 * DER, such as the OCTET STRING around an extension's value).  Returns
 * the mark to hand to tls_der_end(); calls nest like parentheses.
 */
size_t tls_der_begin(struct tls_der *w, unsigned tag);
void tls_der_end(struct tls_der *w, size_t mark);

/* Pre-encoded bytes, copied as they are. */
void tls_der_raw(struct tls_der *w, const void *data, size_t len);

/* A primitive value: tag, length, then len bytes of contents. */
void tls_der_tlv(struct tls_der *w, unsigned tag, const void *data, size_t len);

/* An INTEGER of small value (two's complement, minimal length). */
void tls_der_int(struct tls_der *w, int64_t v);

/*
 * A non-negative INTEGER from its big-endian magnitude (len bytes, leading
 * zeros allowed): leading zeros are dropped and one 0x00 is put back when
 * the first byte left has its high bit set.  len 0 writes the value 0.
 */
void tls_der_uint(struct tls_der *w, const unsigned char *mag, size_t len);

/*
 * An OBJECT IDENTIFIER from its arcs (X.690 8.19): at least two arcs, the
 * first 0, 1 or 2, the second below 40 unless the first is 2; at most
 * DER_MAX_OID_ARCS arcs.  Anything else fails.
 */
void tls_der_oid(struct tls_der *w, const uint32_t *arcs, size_t n);

/* A BOOLEAN (0xff for true, as DER requires). */
void tls_der_bool(struct tls_der *w, int v);

/* A BIT STRING of whole bytes (no unused bits). */
void tls_der_bits(struct tls_der *w, const void *data, size_t len);

/*
 * A time (RFC 5280 4.1.2.5): UTCTime "YYMMDDHHMMSSZ" for years 1950
 * through 2049, GeneralizedTime "YYYYMMDDHHMMSSZ" otherwise.  t is
 * seconds since 1970-01-01T00:00:00Z; years 0..9999 are accepted.
 */
void tls_der_time(struct tls_der *w, int64_t t);


#endif
