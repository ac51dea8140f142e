/*
 * HTTP/1.1 message parsing for the server side (RFC 9110, RFC 9112): the
 * request head, byte ranges, entity-tags and HTTP-dates.
 *
 * Everything here is pure: no allocation, no I/O, no global state (the one
 * exception, http_date_parse(), reads the clock; see there).  Input is
 * untrusted bytes with an explicit length: it need not be NUL-terminated
 * and may hold any byte, NUL included.  Nothing reads outside [p, p + len).
 *
 * Results that point into the input are views (struct http_view): valid as
 * long as the caller's buffer is, never NUL-terminated, and still peer
 * bytes -- escape them (log_escape()) before they reach a log line.
 *
 * Using it, for one connection with a receive buffer of
 * HTTP_MAX_HEAD_BYTES:
 *
 *	scanned = 0;
 *	on every read that appends to buf (len bytes now):
 *		head = http_head_end(buf, len, scanned);
 *		if (head == 0) {
 *			if (len == HTTP_MAX_HEAD_BYTES)
 *				answer http_parse_request(buf, len, &req), close;
 *			scanned = len;
 *			wait for more;
 *		}
 *		status = http_parse_request(buf, head, &req);
 *		status != 0: answer status (http_status_text()), close
 *		else serve req; keep buf[head..len) (pipelined requests), scanned = 0
 */
#ifndef PXESTICK_HTTP_PARSE_H
#define PXESTICK_HTTP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "common/limits.h"

/* A run of bytes inside the caller's buffer.  p == NULL: absent (a header
 * that was not sent); p != NULL with len == 0: present and empty. */
struct http_view {
	const char *p;
	size_t len;
};

/* ASCII lower case of one byte; other bytes unchanged.  Never pass a plain
 * char to tolower(3): negative values are undefined behaviour. */
static inline unsigned char
http_ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* ---- The request head ---- */

/*
 * Find the end of the request head in buf[0..len): the first empty line
 * (CRLF or a bare LF, RFC 9112 2.2) that follows a non-empty line.
 * Returns the head's length, terminator included (so buf[head..len) is the
 * next request or body), or 0 when the head is not complete yet.
 *
 * Leading empty lines: up to HTTP_MAX_EMPTY_LINES empty lines before the
 * request line are skipped (RFC 9112 2.2: a server SHOULD ignore at least
 * one; clients send one after a POST body) and counted in the head;
 * http_parse_request() skips them the same way.  One more empty line ends
 * the head right there, and http_parse_request() answers it with 400.
 *
 * from: how much of buf an earlier call already scanned -- the len of the
 * last call on this buffer that returned 0, or 0 for the first call.  The
 * bytes before it MUST be unchanged since (appending is fine); a terminator
 * split across the two calls is found, since up to 2 bytes before from are
 * looked at again.  A from > len is taken as len.  After the caller moves
 * a pipelined request to the front of its buffer, from is 0 again.
 *
 * Reads only buf[0..len); the cost is O(len - from) plus a constant.  The
 * function never limits the size: a caller whose buffer is full
 * (HTTP_MAX_HEAD_BYTES) while this still returns 0 answers with
 * http_parse_request() on that buffer (431, or 414/400, never 0).
 */
size_t http_head_end(const char *buf, size_t len, size_t from);

enum http_method {
	HTTP_OTHER = 0,         /* any other valid method token: 405 + Allow */
	HTTP_GET,
	HTTP_HEAD
};

enum http_target_form {
	HTTP_TARGET_ORIGIN = 0, /* "/path?query" */
	HTTP_TARGET_ABSOLUTE,   /* "http://authority/path?query" (also https) */
	HTTP_TARGET_AUTHORITY,  /* "host:port", only with CONNECT */
	HTTP_TARGET_ASTERISK    /* "*", only with OPTIONS */
};

/*
 * One parsed request head.  Every view points into the head passed to
 * http_parse_request(), with one exception: path is the static string "/"
 * for an absolute-form target with an empty path ("http://host").
 * Header views hold the field value with surrounding whitespace removed.
 */
struct http_request {
	enum http_method method;        /* GET and HEAD only: methods are
					 * case-sensitive, "get" is OTHER */
	struct http_view method_name;   /* the method token as sent */
	enum http_target_form form;
	struct http_view target;        /* the request-target as sent */
	struct http_view path;          /* ORIGIN, ABSOLUTE: starts with '/',
					 * still percent-encoded (each '%' is
					 * followed by two hex digits) */
	struct http_view query;         /* after '?' (p NULL when no '?') */
	struct http_view host;          /* ABSOLUTE: the target's authority
					 * (RFC 9112 3.2.2: Host is then
					 * ignored); otherwise the Host field,
					 * which may be empty (RFC 9110 7.2)
					 * or absent (p NULL, HTTP/1.0 only) */
	int version_minor;              /* 0: HTTP/1.0, 1: HTTP/1.1 */
	int keep_alive;                 /* 1: the connection stays open after
					 * the response (see below) */
	int has_body;                   /* Content-Length > 0 or
					 * Transfer-Encoding (not GET/HEAD) */
	uint64_t content_length;        /* 0 when absent; UINT64_MAX when
					 * too large to represent */
	unsigned nheaders;              /* header lines in the head */
	struct http_view range;
	struct http_view if_range;
	struct http_view if_match;
	struct http_view if_none_match;
	struct http_view if_modified_since;
	struct http_view if_unmodified_since;
	struct http_view user_agent;
};

/*
 * Parse a complete request head: head[0..len) as http_head_end() delimits
 * it (leading empty lines, the request line, header lines and the empty
 * line that ends them; bytes after that empty line are an error).
 * Returns 0, with *req filled in, or the status code of the error response
 * (then *req is partly filled and MUST NOT be used; the connection is to
 * be closed after the response):
 *
 *   400  bad syntax: the method is not a token; not exactly one SP between
 *        method, target and version; a target that is not origin-form or
 *        absolute-form ("http"/"https", no userinfo, non-empty host), "*"
 *        except with OPTIONS, authority-form except with CONNECT; a '#',
 *        a control byte, a bad %XX in the target; a version that is not
 *        "HTTP/" DIGIT "." DIGIT; a field name that is not a token or has
 *        whitespace before the colon (RFC 9112 5.1); a line starting with
 *        SP/HTAB (obs-fold, or whitespace before the first field, RFC 9112
 *        2.2 and 5.2); a control byte other than HTAB in a field value;
 *        NUL anywhere; CR not followed by LF; HTTP/1.1 without Host; two
 *        Host lines; a Host value that is not uri-host [":" port];
 *        Content-Length not all digits, or lines that disagree;
 *        Transfer-Encoding with Content-Length, in HTTP/1.0, or with
 *        chunked missing or not last (RFC 9112 6.1, 6.3); a repeated
 *        Range, If-Range, If-Match, If-None-Match, If-Modified-Since or
 *        If-Unmodified-Since line (they are compared as one value);
 *        a Connection element that is not a token.
 *   413  a GET or HEAD with a body (Content-Length > 0 or Transfer-
 *        Encoding): the server never reads request bodies, so it refuses
 *        them rather than lose the framing of the next request.
 *   414  the target is longer than HTTP_MAX_TARGET.
 *   431  the head is longer than HTTP_MAX_HEAD_BYTES, has more than
 *        HTTP_MAX_HEADERS header lines, or is not complete.
 *   501  a transfer-coding other than chunked, gzip, x-gzip, deflate,
 *        compress, x-compress.
 *   505  "HTTP/x.y" other than 1.0 and 1.1.
 *
 * Errors are found in reading order, so the first problem wins (a bad
 * request line is 400 even if the head is also too large).  A head that
 * is not complete (the caller's buffer filled up first) never yields 0:
 * 414 when the unfinished request line already has a target longer than
 * HTTP_MAX_TARGET, 400 for a syntax error in what is there, else 431.
 *
 * keep_alive: HTTP/1.1 keeps the connection unless Connection lists
 * "close"; HTTP/1.0 closes it unless Connection lists "keep-alive" (and
 * not "close"); tokens compared case-insensitively.  Always 0 when
 * has_body is set: the body is never read, so the connection cannot go
 * on (such requests are other methods, which the server answers 405).
 *
 * Header names are compared case-insensitively; unknown headers are
 * counted and otherwise ignored; User-Agent keeps its first line.
 */
int http_parse_request(const char *head, size_t len, struct http_request *req);

/* The reason phrase for a status code the server sends ("Not Found"), or
 * "Unknown" for any other code.  A static string. */
const char *http_status_text(int status);

/* ---- Range (RFC 9110 14) ---- */

/* One resolved byte range: bytes first..last, both inclusive, with
 * first <= last < the representation's size. */
struct http_range {
	uint64_t first;
	uint64_t last;
};

#define HTTP_RANGE_OK            0 /* 206 with the *n ranges in out */
#define HTTP_RANGE_IGNORE        1 /* serve the whole representation, 200 */
#define HTTP_RANGE_UNSATISFIABLE 2 /* 416; Content-Range has "*" as range */

/*
 * Parse a Range field value v[0..len) (as http_request's range view:
 * surrounding whitespace removed; v may be NULL when len is 0) against a
 * representation of size bytes, into out[0..max).  Sets *n to the number
 * of ranges stored (0 unless HTTP_RANGE_OK).
 *
 * Grammar (RFC 9110 14.1.1, 5.6.1): unit "=" 1#range-spec, with the unit
 * "bytes" case-insensitive, range-spec "first-last", "first-" or
 * "-suffix", OWS only around commas, empty list elements allowed.
 *
 * HTTP_RANGE_OK: the satisfiable ranges, resolved to absolute positions,
 *   in request order (not merged; unsatisfiable ones dropped).  A last
 *   position past the end is clamped to size - 1; "-N" is the last N bytes
 *   (the whole representation if N >= size).
 * HTTP_RANGE_IGNORE: any syntax error (including first > last, and
 *   whitespace right after "="), a unit other than bytes, more than max
 *   range-specs, or an abusive set (RFC 9110 14.2): more than
 *   HTTP_MAX_OVERLAPPING_RANGES ranges that overlap another one, or more
 *   than HTTP_MAX_UNSORTED_RANGES ranges not in ascending order.  Also a
 *   suffix range of an empty representation: satisfiable (RFC 9110
 *   14.1.1) but empty, which only a 200 can express.
 * HTTP_RANGE_UNSATISFIABLE: a valid set of which no range is satisfiable:
 *   every first >= size, or suffix "-0" (any range when size is 0).
 *
 * Numbers of any length are read without overflow; values past
 * UINT64_MAX still compare exactly.
 */
int http_range_parse(const char *v, size_t len, uint64_t size,
    struct http_range *out, size_t max, size_t *n);

/*
 * Compare an entity-tag list (If-None-Match, If-Match: "*" or
 * 1#entity-tag, v[0..len)) with our entity-tag etag (a NUL-terminated
 * string such as "\"5f3a-1a2b\"" or "W/\"x\"", quotes included).
 * weak != 0: weak comparison (RFC 9110 8.8.3.2; If-None-Match): opaque
 * tags equal, W/ ignored on both sides.  weak == 0: strong comparison
 * (If-Match, If-Range): both tags strong and equal.  "*" matches anything.
 * Returns 1 on a match, else 0 -- also when the value is malformed
 * (anywhere, even after a matching tag) or etag is not an entity-tag, so
 * the result can be used as a boolean: a broken If-None-Match never
 * yields 304, a broken If-Match always yields 412.
 */
int http_etag_match(const char *v, size_t len, const char *etag, int weak);

#define HTTP_IF_RANGE_INVALID 0 /* condition false: ignore Range (200) */
#define HTTP_IF_RANGE_ETAG    1 /* one entity-tag: http_etag_match(.., 0) */
#define HTTP_IF_RANGE_DATE    2 /* an HTTP-date, stored in *date */

/*
 * What an If-Range value v[0..len) holds (RFC 9110 13.1.5): exactly one
 * entity-tag (strong or weak: a weak one never matches), or an HTTP-date
 * (then *date is set; date may be NULL).  For a date the caller honours
 * the Range only when it equals the Last-Modified time exactly and that
 * time is a strong validator (RFC 9110 8.8.2.2).
 */
int http_if_range_parse(const char *v, size_t len, int64_t *date);

/* ---- HTTP-date (RFC 9110 5.6.7) ---- */

/* Bytes of an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") and its NUL. */
#define HTTP_DATE_LEN  29
#define HTTP_DATE_SIZE 30

/* Seconds since the epoch of 0000-01-01 00:00:00 and 9999-12-31 23:59:59
 * UTC: the range http_date_format() writes. */
#define HTTP_DATE_MIN  (-62167219200LL)
#define HTTP_DATE_MAX  253402300799LL

/*
 * Parse an HTTP-date s[0..len), exactly (no surrounding whitespace, no
 * trailing parameters; names case-sensitive, GMT only), in one of:
 *   IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT"
 *   rfc850-date  "Sunday, 06-Nov-94 08:49:37 GMT"
 *   asctime-date "Sun Nov  6 08:49:37 1994"
 * Returns 0 and stores seconds since the epoch (UTC) in *t, or -1.  The
 * day must exist in its month (Feb 29 in leap years only), hour 00-23,
 * minute 00-59, second 00-60 (60, a leap second, reads as the next
 * minute); the day name must be a day name but is not checked against
 * the date.  A two-digit rfc850 year is placed in the century that makes
 * it at most 50 years ahead of now (RFC 9110 5.6.7 MUST) -- the one reason
 * this reads the clock; http_date_parse_at() takes now instead.
 */
int http_date_parse(const char *s, size_t len, int64_t *t);
int http_date_parse_at(const char *s, size_t len, int64_t now, int64_t *t);

/*
 * Write t as an IMF-fixdate and a NUL into out (HTTP_DATE_SIZE bytes).
 * Returns HTTP_DATE_LEN, or 0 (out = "") when t is outside
 * [HTTP_DATE_MIN, HTTP_DATE_MAX].  Proleptic Gregorian calendar, no leap
 * seconds, no locale, no time zone: reentrant.
 */
size_t http_date_format(int64_t t, char out[HTTP_DATE_SIZE]);

#endif
