/*
 * Reading the image's fields: bounded reads at an offset, both-endian
 * numbers that must agree, record and volume dates, UCS-2 names -- and
 * the one way to fail with a message naming the sector.  Used by every
 * other part of the reader.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/civil.h"
#include "common/limits.h"
#include "common/util.h"
#include "iso/iso_format.h"
#include "iso/iso_internal.h"

int
iso_fail(struct iso_image *img, int64_t sector, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (img->failed || img->err == NULL || img->errlen == 0) {
		img->failed = 1;
		return -1;
	}
	img->failed = 1;
	if (sector >= 0)
		n = snprintf(img->err, img->errlen, "%s: sector %lld: ", img->name,
		    (long long)sector);
	else
		n = snprintf(img->err, img->errlen, "%s: ", img->name);
	if (n < 0 || (size_t)n >= img->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(img->err + n, img->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

int
iso_read_at(struct iso_image *img, void *buf, size_t len, uint64_t off)
{
	if (off > img->src.size || len > img->src.size - off)
		return iso_fail(img, (int64_t)(off / ISO_SECTOR),
		    "read of %zu bytes at offset %llu is past the end of the image "
		    "(%llu bytes): truncated image?", len, (unsigned long long)off,
		    (unsigned long long)img->src.size);
	if (img->src.read(img->src.ctx, buf, len, off) != 0)
		return iso_fail(img, (int64_t)(off / ISO_SECTOR), "read failed: %s",
		    strerror(errno));
	return 0;
}

int
iso_both32(struct iso_image *img, int64_t sector, const unsigned char *p,
    uint32_t *out, const char *what)
{
	uint32_t le = load_le32(p), be = load_be32(p + 4);

	if (le != be)
		return iso_fail(img, sector, "%s: little-endian %u and big-endian %u "
		    "copies disagree", what, le, be);
	*out = le;
	return 0;
}

int
iso_both16(struct iso_image *img, int64_t sector, const unsigned char *p,
    uint16_t *out, const char *what)
{
	uint16_t le = load_le16(p), be = load_be16(p + 2);

	if (le != be)
		return iso_fail(img, sector, "%s: little-endian %u and big-endian %u "
		    "copies disagree", what, le, be);
	*out = le;
	return 0;
}

int64_t
iso_make_time(int year, int mon, int day, int hour, int min, int sec)
{
	return civil_to_days(year, (unsigned)mon, (unsigned)day) * CIVIL_SECS_PER_DAY +
	    hour * 3600 + min * 60 + sec;
}

int64_t
iso_record_time(const unsigned char *p)
{
	int tz = (signed char)p[6];

	/* Out-of-range fields come from broken writers: clamp, don't fail. */
	int mon = p[1] >= 1 && p[1] <= 12 ? p[1] : 1;
	int day = p[2] >= 1 && p[2] <= 31 ? p[2] : 1;

	if (p[0] == 0 && p[1] == 0 && p[2] == 0)
		return 0;
	if (tz < -48 || tz > 52)
		tz = 0;
	return iso_make_time(1900 + p[0], mon, day, p[3] % 24, p[4] % 60, p[5] % 61) -
	    (int64_t)tz * 15 * 60;
}

void
iso_vd_date(const unsigned char *p, struct iso_date *d)
{
	int year = parse_digits(p, 4), mon = parse_digits(p + 4, 2);
	int day = parse_digits(p + 6, 2), hour = parse_digits(p + 8, 2);
	int min = parse_digits(p + 10, 2), sec = parse_digits(p + 12, 2);
	int tz = (signed char)p[16];

	memset(d, 0, sizeof(*d));
	for (int i = 0; i < 16; i++)
		d->raw[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
	d->raw[16] = '\0';
	if (year <= 0 || mon < 1 || mon > 12 || day < 1 || day > 31 || hour < 0 ||
	    hour > 23 || min < 0 || min > 59 || sec < 0 || sec > 60)
		return;
	if (tz < -48 || tz > 52)
		tz = 0;
	d->valid = 1;
	d->tz_minutes = tz * 15;
	d->utc = iso_make_time(year, mon, day, hour, min, sec) - (int64_t)tz * 15 * 60;
}

size_t
iso_utf16be_to_utf8(const unsigned char *in, size_t inlen, char *out, size_t outsize)
{
	size_t o = 0;

	if (outsize == 0)
		return 0;
	for (size_t i = 0; i + 1 < inlen; i += 2) {
		uint32_t c = load_be16(in + i);
		unsigned char enc[4];
		size_t n;

		if (c >= 0xd800 && c <= 0xdbff && i + 3 < inlen) {
			uint32_t lo = load_be16(in + i + 2);

			if (lo >= 0xdc00 && lo <= 0xdfff) {
				c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
				i += 2;
			} else {
				c = 0xfffd;
			}
		} else if (c >= 0xd800 && c <= 0xdfff) {
			c = 0xfffd;
		}
		if (c < 0x80) {
			enc[0] = (unsigned char)c;
			n = 1;
		} else if (c < 0x800) {
			enc[0] = (unsigned char)(0xc0 | c >> 6);
			enc[1] = (unsigned char)(0x80 | (c & 0x3f));
			n = 2;
		} else if (c < 0x10000) {
			enc[0] = (unsigned char)(0xe0 | c >> 12);
			enc[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
			enc[2] = (unsigned char)(0x80 | (c & 0x3f));
			n = 3;
		} else {
			enc[0] = (unsigned char)(0xf0 | c >> 18);
			enc[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3f));
			enc[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
			enc[3] = (unsigned char)(0x80 | (c & 0x3f));
			n = 4;
		}
		if (o + n >= outsize)
			break;
		memcpy(out + o, enc, n);
		o += n;
	}
	out[o] = '\0';
	return o;
}

/* Copy a d-character/a-character field, trimming trailing spaces. */
