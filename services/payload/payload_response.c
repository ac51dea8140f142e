/*
 * An HTTP/1.x response head (RFC 9112 4, 5; RFC 9110 14.4 Content-Range)
 * as a payload URL sends it: untrusted bytes from a server the site runs.
 * Only the status and the headers the check judges are kept; every
 * length is checked, nothing is read past len.
 */
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "payload/payload.h"

static int
bad(char *why, size_t whylen, const char *what)
{
	snprintf(why, whylen, "%s", what);
	return -1;
}

/* The end of the head: the index just past "\r\n\r\n" (or "\n\n"), or 0. */
static size_t
head_end(const char *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (p[i] != '\n')
			continue;
		if (p[i + 1] == '\n')
			return i + 2;
		if (p[i + 1] == '\r' && i + 2 < len && p[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* A decimal number of n bytes at p (no sign, no blanks), at most max. */
static int
number(const char *p, size_t n, uint64_t max, uint64_t *out)
{
	char digits[24];

	if (n == 0 || n >= sizeof(digits))
		return -1;
	memcpy(digits, p, n);     /* parse_u64 refuses anything but digits */
	digits[n] = '\0';
	return parse_u64(digits, 0, max, out);
}

static int
ieq(const char *p, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(p, name, n) == 0;
}

/* "HTTP/1.x SSS[ reason]" */
static int
status_line(const char *p, size_t n, struct payload_response *r)
{
	uint64_t code;

	if (n < 12 || memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1') ||
	    p[8] != ' ' || (n > 12 && p[12] != ' '))
		return -1;
	if (number(p + 9, 3, 599, &code) != 0 || code < 100)
		return -1;
	r->status = (int)code;
	return 0;
}

/* "bytes FIRST-LAST/TOTAL", "bytes FIRST-LAST/[*]" or "bytes [*]/TOTAL" (416). */
static int
content_range(const char *v, size_t n, struct payload_response *r)
{
	const char *dash, *slash, *end = v + n;

	if (n < 8 || strncasecmp(v, "bytes ", 6) != 0)
		return -1;
	v += 6;
	slash = memchr(v, '/', (size_t)(end - v));
	if (slash == NULL)
		return -1;
	if (slash + 2 == end && slash[1] == '*') {
		r->has_total = 0;
	} else {
		if (number(slash + 1, (size_t)(end - slash - 1), INT64_MAX, &r->total) != 0)
			return -1;
		r->has_total = 1;
	}
	if (slash - v == 1 && v[0] == '*')
		return r->has_total ? 0 : -1;   /* both unknown says nothing */
	dash = memchr(v, '-', (size_t)(slash - v));
	if (dash == NULL ||
	    number(v, (size_t)(dash - v), INT64_MAX, &r->first) != 0 ||
	    number(dash + 1, (size_t)(slash - dash - 1), INT64_MAX, &r->last) != 0 ||
	    r->first > r->last || (r->has_total && r->last >= r->total))
		return -1;
	r->has_range = 1;
	return 0;
}

/* One "Name: value" line (no line end). */
static int
header(const char *p, size_t n, struct payload_response *r, char *why, size_t whylen)
{
	const char *colon = memchr(p, ':', n), *v;
	size_t name_len, vn;
	uint64_t num;

	if (n > 0 && (p[0] == ' ' || p[0] == '\t'))
		return bad(why, whylen, "a folded header line (obsolete, refused)");
	if (colon == NULL || colon == p)
		return bad(why, whylen, "a header line without a name and ':'");
	name_len = (size_t)(colon - p);
	for (size_t i = 0; i < name_len; i++)
		if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] >= 0x7f)
			return bad(why, whylen, "a header name with blanks or control bytes");
	v = colon + 1;
	vn = n - name_len - 1;
	while (vn > 0 && (*v == ' ' || *v == '\t'))
		v++, vn--;
	while (vn > 0 && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
		vn--;
	if (ieq(p, name_len, "Content-Length")) {
		if (number(v, vn, INT64_MAX, &num) != 0)
			return bad(why, whylen, "a Content-Length that is not a number");
		if (r->content_length >= 0 && (uint64_t)r->content_length != num)
			return bad(why, whylen, "two different Content-Length headers");
		r->content_length = (int64_t)num;
	} else if (ieq(p, name_len, "Content-Range")) {
		if (r->has_range || r->has_total || content_range(v, vn, r) != 0)
			return bad(why, whylen, "a Content-Range that is not \"bytes F-L/SIZE\"");
	} else if (ieq(p, name_len, "Transfer-Encoding")) {
		/* Any coding but identity ends in chunked (RFC 9112 6.1). */
		if (!ieq(v, vn, "identity"))
			r->chunked = 1;
	} else if (ieq(p, name_len, "ETag")) {
		if (vn < sizeof(r->etag)) {
			memcpy(r->etag, v, vn);
			r->etag[vn] = '\0';
		}
	}
	return 0;
}

int
payload_response_parse(const char *p, size_t len, struct payload_response *r, char *why,
    size_t whylen)
{
	size_t end = head_end(p, len < PAYLOAD_HEAD_MAX ? len : PAYLOAD_HEAD_MAX), i = 0;
	int first = 1;

	memset(r, 0, sizeof(*r));
	r->content_length = -1;
	if (end == 0)
		return len >= PAYLOAD_HEAD_MAX ?
		    bad(why, whylen, "a response head over 8 KiB") : 0;
	r->head_len = end;
	while (i < end) {
		const char *nl = memchr(p + i, '\n', end - i);
		size_t n = (size_t)(nl - (p + i));   /* nl: head_end found one */

		if (n > 0 && p[i + n - 1] == '\r')
			n--;
		if (n == 0)
			break;               /* the blank line */
		for (size_t k = 0; k < n; k++)
			if (p[i + k] == '\0' || p[i + k] == '\r')
				return bad(why, whylen, "a NUL or bare CR in the head");
		if (first) {
			if (status_line(p + i, n, r) != 0)
				return bad(why, whylen, "not an HTTP/1.x status line");
			first = 0;
		} else if (header(p + i, n, r, why, whylen) != 0) {
			return -1;
		}
		i = (size_t)(nl - p) + 1;
	}
	if (first)
		return bad(why, whylen, "no status line");
	return 1;
}
