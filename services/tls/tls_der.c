/*
 * DER writer.  Invariant: w->len <= w->cap, and nothing is written at or
 * past buf + cap; every writer tests the room left before it stores.
 */
#include <string.h>

#include "common/civil.h"
#include "tls/tls_der.h"

void
tls_der_init(struct tls_der *w, unsigned char *buf, size_t cap)
{
	w->buf = buf;
	w->cap = buf != NULL ? cap : 0;
	w->len = 0;
	w->failed = 0;
}

static int
room(struct tls_der *w, size_t n)
{
	if (w->failed)
		return 0;
	if (n > w->cap - w->len) {
		w->failed = 1;
		return 0;
	}
	return 1;
}

/* Bytes needed by the long form of a length (not counting 0x8n). */
static size_t
len_bytes(size_t len)
{
	size_t n = 0;

	do {
		n++;
		len >>= 8;
	} while (len != 0);
	return n;
}

/* Tag and length (X.690 8.1.3: short form below 128, else long form). */
static int
put_header(struct tls_der *w, unsigned tag, size_t len)
{
	size_t n, i;

	if (tag > 0xff || (tag & 0x1f) == 0x1f) {
		w->failed = 1;
		return 0;
	}
	n = len < 0x80 ? 0 : len_bytes(len);
	if (!room(w, 2 + n))
		return 0;
	w->buf[w->len++] = (unsigned char)tag;
	if (n == 0) {
		w->buf[w->len++] = (unsigned char)len;
		return 1;
	}
	w->buf[w->len++] = (unsigned char)(0x80 | n);
	for (i = n; i-- > 0;)
		w->buf[w->len++] = (unsigned char)(len >> (8 * i));
	return 1;
}

size_t
tls_der_begin(struct tls_der *w, unsigned tag)
{
	if (!put_header(w, tag, 0))
		return 0;
	return w->len;
}

void
tls_der_end(struct tls_der *w, size_t mark)
{
	size_t clen, n, i;

	if (w->failed)
		return;
	/* mark is just past the one-byte length tls_der_begin() reserved. */
	if (mark < 2 || mark > w->len || w->buf[mark - 1] != 0) {
		w->failed = 1;
		return;
	}
	clen = w->len - mark;
	if (clen < 0x80) {
		w->buf[mark - 1] = (unsigned char)clen;
		return;
	}
	n = len_bytes(clen);
	if (!room(w, n))
		return;
	memmove(w->buf + mark + n, w->buf + mark, clen);
	w->buf[mark - 1] = (unsigned char)(0x80 | n);
	for (i = 0; i < n; i++)
		w->buf[mark + i] = (unsigned char)(clen >> (8 * (n - 1 - i)));
	w->len += n;
}

void
tls_der_raw(struct tls_der *w, const void *data, size_t len)
{
	if (len == 0 || !room(w, len))
		return;
	memcpy(w->buf + w->len, data, len);
	w->len += len;
}

void
tls_der_tlv(struct tls_der *w, unsigned tag, const void *data, size_t len)
{
	if (!put_header(w, tag, len))
		return;
	tls_der_raw(w, data, len);
}

void
tls_der_int(struct tls_der *w, int64_t v)
{
	unsigned char b[8];
	size_t i, start;
	uint64_t u = (uint64_t)v;

	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)(u >> (56 - 8 * i));
	/* X.690 8.3.2: drop a leading byte while the first nine bits are
	 * all zeros or all ones. */
	for (start = 0; start < 7; start++) {
		if (b[start] == 0x00 && (b[start + 1] & 0x80) == 0)
			continue;
		if (b[start] == 0xff && (b[start + 1] & 0x80) != 0)
			continue;
		break;
	}
	tls_der_tlv(w, DER_INTEGER, b + start, 8 - start);
}

void
tls_der_uint(struct tls_der *w, const unsigned char *mag, size_t len)
{
	static const unsigned char zero = 0;
	size_t pad;

	while (len > 0 && mag[0] == 0) {
		mag++;
		len--;
	}
	if (len == 0) {
		tls_der_tlv(w, DER_INTEGER, &zero, 1);
		return;
	}
	pad = (mag[0] & 0x80) != 0;
	if (len > SIZE_MAX - pad) {
		w->failed = 1;
		return;
	}
	if (!put_header(w, DER_INTEGER, len + pad))
		return;
	if (pad)
		tls_der_raw(w, &zero, 1);
	tls_der_raw(w, mag, len);
}

/* One OID subidentifier in base 128, high bit set on all but the last. */
static size_t
put_base128(unsigned char *out, uint64_t v)
{
	unsigned char tmp[10];
	size_t n = 0, i;

	do {
		tmp[n++] = (unsigned char)(v & 0x7f);
		v >>= 7;
	} while (v != 0);
	for (i = 0; i < n; i++)
		out[i] = (unsigned char)(tmp[n - 1 - i] | (i + 1 < n ? 0x80 : 0));
	return n;
}

void
tls_der_oid(struct tls_der *w, const uint32_t *arcs, size_t n)
{
	unsigned char enc[DER_MAX_OID_ARCS * 5];
	size_t len = 0, i;

	if (w->failed)
		return;
	if (n < 2 || n > DER_MAX_OID_ARCS || arcs[0] > 2 ||
	    (arcs[0] < 2 && arcs[1] >= 40)) {
		w->failed = 1;
		return;
	}
	/* X.690 8.19.4: the first two arcs share one subidentifier. */
	len += put_base128(enc, (uint64_t)arcs[0] * 40 + arcs[1]);
	for (i = 2; i < n; i++)
		len += put_base128(enc + len, arcs[i]);
	tls_der_tlv(w, DER_OID, enc, len);
}

void
tls_der_bool(struct tls_der *w, int v)
{
	unsigned char b = v ? 0xff : 0x00;

	tls_der_tlv(w, DER_BOOLEAN, &b, 1);
}

void
tls_der_bits(struct tls_der *w, const void *data, size_t len)
{
	static const unsigned char unused = 0;

	if (len > SIZE_MAX - 1) {
		w->failed = 1;
		return;
	}
	if (!put_header(w, DER_BIT_STRING, len + 1))
		return;
	tls_der_raw(w, &unused, 1);
	tls_der_raw(w, data, len);
}

/* Howard Hinnant's days_from_civil / civil_from_days (public domain). */
static void
put_digits(char *p, unsigned v, size_t n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

void
tls_der_time(struct tls_der *w, int64_t t)
{
	char s[16];
	int64_t days, secs, y;
	unsigned m, d;
	size_t n = 0;

	if (w->failed)
		return;
	/* Years 0..9999 only: the range that four digits can write. */
	if (t < -62167219200 || t > 253402300799) {
		w->failed = 1;
		return;
	}
	days = t / 86400;
	secs = t % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	if (y >= 1950 && y <= 2049) {
		put_digits(s, (unsigned)(y % 100), 2);
		n = 2;
	} else {
		put_digits(s, (unsigned)y, 4);
		n = 4;
	}
	put_digits(s + n, m, 2);
	put_digits(s + n + 2, d, 2);
	put_digits(s + n + 4, (unsigned)(secs / 3600), 2);
	put_digits(s + n + 6, (unsigned)(secs / 60 % 60), 2);
	put_digits(s + n + 8, (unsigned)(secs % 60), 2);
	s[n + 10] = 'Z';
	tls_der_tlv(w, n == 2 ? DER_UTC_TIME : DER_GENERALIZED_TIME, s, n + 11);
}
