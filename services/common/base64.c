#include "common/base64.h"

static const char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Value of one character, or -1.  No table: branches keep it obvious. */
static int
base64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

enum base64_status
base64_decode(void *dst, size_t dstsize, const char *src, size_t len, size_t *outlen)
{
	const unsigned char *s = (const unsigned char *)src;
	unsigned char *d = dst;
	size_t npad = 0, o = 0, i;

	*outlen = 0;
	if (len % 4 != 0)
		return BASE64_ELENGTH;
	if (len > 0 && s[len - 1] == '=')
		npad = (len > 1 && s[len - 2] == '=') ? 2 : 1;
	if (len / 4 * 3 - npad > dstsize)
		return BASE64_ESPACE;
	for (i = 0; i < len; i += 4) {
		int v[4];
		size_t k, nchar = (i + 4 == len) ? 4 - npad : 4;
		unsigned long acc = 0;

		for (k = 0; k < 4; k++) {
			v[k] = k < nchar ? base64_value(s[i + k]) : 0;
			if (v[k] < 0) {
				*outlen = i + k;
				return BASE64_ECHAR;
			}
			acc = acc << 6 | (unsigned long)v[k];
		}
		/* The characters past the data must be zero bits (canonical). */
		if ((npad == 1 && i + 4 == len && (acc & 0xff) != 0) ||
		    (npad == 2 && i + 4 == len && (acc & 0xffff) != 0))
			return BASE64_EPAD;
		d[o++] = (unsigned char)(acc >> 16);
		if (nchar > 2)
			d[o++] = (unsigned char)(acc >> 8);
		if (nchar > 3)
			d[o++] = (unsigned char)acc;
	}
	*outlen = o;
	return BASE64_OK;
}

const char *
base64_strerror(enum base64_status st)
{
	switch (st) {
	case BASE64_OK: return "ok";
	case BASE64_ELENGTH: return "length is not a multiple of 4";
	case BASE64_ECHAR: return "bad character";
	case BASE64_EPAD: return "bad padding";
	case BASE64_ESPACE: return "too long";
	}
	return "unknown error";
}

size_t
base64_encode(char *dst, const void *src, size_t len, int pad)
{
	const unsigned char *s = src;
	size_t o = 0, i;

	for (i = 0; i + 2 < len; i += 3) {
		unsigned long acc = (unsigned long)s[i] << 16 | (unsigned long)s[i + 1] << 8 | s[i + 2];

		dst[o++] = base64_alphabet[acc >> 18 & 63];
		dst[o++] = base64_alphabet[acc >> 12 & 63];
		dst[o++] = base64_alphabet[acc >> 6 & 63];
		dst[o++] = base64_alphabet[acc & 63];
	}
	if (i < len) {
		unsigned long acc = (unsigned long)s[i] << 16;

		if (i + 1 < len)
			acc |= (unsigned long)s[i + 1] << 8;
		dst[o++] = base64_alphabet[acc >> 18 & 63];
		dst[o++] = base64_alphabet[acc >> 12 & 63];
		if (i + 1 < len)
			dst[o++] = base64_alphabet[acc >> 6 & 63];
		else if (pad)
			dst[o++] = '=';
		if (pad)
			dst[o++] = '=';
	}
	dst[o] = '\0';
	return o;
}
