/*
 * Base64 (RFC 4648, section 4: the standard alphabet), strict.
 *
 * The decoder accepts only canonical input: a length that is a multiple of
 * 4, '=' padding only at the very end (at most two), no whitespace, and
 * zero bits where the last character overhangs the last byte -- the same
 * input OpenSSH's b64_pton() accepts, so a key we accept, sshd reads.
 */
#ifndef PXESTICK_COMMON_BASE64_H
#define PXESTICK_COMMON_BASE64_H

#include <stddef.h>

/* Decoded size of len base64 characters, an upper bound (padding ignored). */
#define BASE64_DECODED_MAX(len) ((len) / 4 * 3)
/* Encoded size of len bytes with padding, NUL excluded. */
#define BASE64_ENCODED_LEN(len) (((len) + 2) / 3 * 4)

enum base64_status {
	BASE64_OK = 0,
	BASE64_ELENGTH,         /* length not a multiple of 4 */
	BASE64_ECHAR,           /* a byte outside the alphabet (or '=' inside) */
	BASE64_EPAD,            /* bad padding or non-zero overhanging bits */
	BASE64_ESPACE           /* dst too small */
};

/*
 * Decode len characters of src into dst (dstsize bytes; at most
 * BASE64_DECODED_MAX(len) are written).  On BASE64_OK, *outlen is the
 * decoded length; on BASE64_ECHAR, *outlen is the offset of the bad byte.
 * dst contents are unspecified on error.
 */
enum base64_status base64_decode(void *dst, size_t dstsize, const char *src,
    size_t len, size_t *outlen);

/* Human-readable text of a status ("bad character", ...). */
const char *base64_strerror(enum base64_status st);

/*
 * Encode len bytes of src into dst, NUL-terminated, with '=' padding when
 * pad is non-zero (OpenSSH prints SHA256 fingerprints without).  dst MUST
 * hold BASE64_ENCODED_LEN(len) + 1 bytes.  Returns the length written.
 */
size_t base64_encode(char *dst, const void *src, size_t len, int pad);

#endif
