/*
 * Small helpers musl does not have (OpenBSD's strtonum and friends).
 */
#ifndef PXESTICK_COMMON_UTIL_H
#define PXESTICK_COMMON_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Parse a decimal unsigned integer that is the whole of s, in [min, max].
 * Returns 0 and stores it in *out, or -1 (empty, junk, sign, overflow or
 * out of range).
 */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/*
 * Exactly n (at most 9) decimal digits at p, as a number: a date's
 * fields, a fixed-width code.  -1 when any of them is not a digit.
 */
int parse_digits(const void *p, size_t n);

/* Big- and little-endian loads from untrusted byte buffers (no alignment). */
static inline uint16_t load_le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint16_t load_be16(const unsigned char *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t load_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint32_t load_be32(const unsigned char *p)
{
	return (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}
static inline uint64_t load_le64(const unsigned char *p)
{
	return (uint64_t)load_le32(p) | (uint64_t)load_le32(p + 4) << 32;
}
/* Little-endian stores, for on-disk formats we write (GPT, FAT). */
static inline void store_le16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}
static inline void store_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}
static inline void store_le64(unsigned char *p, uint64_t v)
{
	store_le32(p, (uint32_t)v);
	store_le32(p + 4, (uint32_t)(v >> 32));
}

/* CRC-32 (ISO 3309 / IEEE 802.3: reflected 0xEDB88320, as gzip and the
 * UEFI GPT use it) of p[0..n) continued from crc (start with 0). */
uint32_t crc32_ieee(uint32_t crc, const void *p, size_t n);

/* The value of parameter name in a URL query q[0..qlen) ("a=1&b=2"): its
 * bytes (*len of them, not decoded), or NULL. */
const char *url_query_param(const char *q, size_t qlen, const char *name, size_t *len);

/* The value of hex digit c (0-9, a-f, A-F), or -1. */
int hex_digit(char c);

/* A query value's bytes with %XX decoded into out (size bytes, NUL-
 * terminated): its length, or -1 when it does not fit or a % is not
 * followed by two hex digits.  '+' stays '+' (not a form). */
int url_unescape(const char *in, size_t len, char *out, size_t size);

/* Write all of buf to fd, retrying on EINTR and short writes. 0 or -1. */
int write_all(int fd, const void *buf, size_t len);
/* Exactly len bytes at offset off, retrying on EINTR and short transfers:
 * 0, or -1 with errno (EIO when the file ends first). */
int pread_all(int fd, void *buf, size_t len, uint64_t off);
int pwrite_all(int fd, const void *buf, size_t len, uint64_t off);
/* Read fd to its end into buf (cap bytes), retrying on EINTR and short
 * reads: 0 and the length in *len; 1 when there is more than cap bytes
 * (buf holds the first cap); -1 with errno. */
int read_all(int fd, void *buf, size_t cap, size_t *len);

#endif
