/*
 * services/http: the request head, ranges, entity-tags, dates.
 *
 * Every input is parsed from an exactly-sized heap copy (no NUL after
 * it), so ASan sees a one-byte over-read.  Requests of real clients are
 * what they send (curl 7.88, wget 1.21, iPXE 1.21, aria2c 1.36,
 * Firefox 115).
 */
#include "harness.h"

#include <stdlib.h>
#include <time.h>

#include "common/util.h"
#include "http/http_parse.h"

/* ---- helpers ---- */

/* The copy of the last input; views of the last parse point into it. */
static char *held;

static const char *
hold(const char *s, size_t len)
{
	free(held);
	held = malloc(len > 0 ? len : 1);
	if (held == NULL)
		abort();
	memcpy(held, s, len);
	return held;
}

static struct http_request req;

static int
parse_n(const char *s, size_t len)
{
	return http_parse_request(hold(s, len), len, &req);
}

static int
parse(const char *s)
{
	return parse_n(s, strlen(s));
}

static size_t
head_end(const char *s, size_t from)
{
	size_t len = strlen(s);

	return http_head_end(hold(s, len), len, from);
}

/* Is the view exactly the string s? */
static int
view_is(struct http_view v, const char *s)
{
	return v.p != NULL && v.len == strlen(s) && memcmp(v.p, s, v.len) == 0;
}

/* Does the view lie inside the held input? */
static int
view_inside(struct http_view v, size_t len)
{
	return v.p == NULL || (v.p >= held && v.len <= len &&
	    (size_t)(v.p - held) <= len - v.len);
}

#define H11 " HTTP/1.1\r\nHost: pxe\r\n"

/* ---- http_head_end ---- */

TEST(http_head_end_finds_the_empty_line)
{
	CHECK_INT(head_end("GET / HTTP/1.1\r\nHost: a\r\n\r\n", 0), 27);
	CHECK_INT(head_end("GET / HTTP/1.1\nHost: a\n\n", 0), 24);
	CHECK_INT(head_end("GET / HTTP/1.1\r\nHost: a\n\r\n", 0), 26);
	CHECK_INT(head_end("GET / HTTP/1.1\r\nHost: a\r\n\n", 0), 26);
	CHECK_INT(head_end("GET / HTTP/1.0\r\n\r\n", 0), 18);
	/* Pipelined: the first head only. */
	CHECK_INT(head_end("GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\n\r\n", 0), 28);
	/* Not complete. */
	CHECK_INT(head_end("", 0), 0);
	CHECK_INT(head_end("GET / HTTP/1.1\r\nHost: a\r\n", 0), 0);
	CHECK_INT(head_end("GET / HTTP/1.1\r\nHost: a\r\n\r", 0), 0);
	CHECK_INT(head_end("GET / HTTP/1.1\r\nHost: a\r\r\n", 0), 0);
	CHECK_INT(head_end("GET / HTTP/1.1\r\nHost: a\r\n \r\n", 0), 0);
	/* A from past the end is the end. */
	CHECK_INT(head_end("GET / HTTP/1.0\r\n\r\n", 1000), 0);
}

TEST(http_head_end_skips_leading_empty_lines)
{
	CHECK_INT(head_end("\r\nGET / HTTP/1.0\r\n\r\n", 0), 20);
	CHECK_INT(head_end("\n\r\n\nGET / HTTP/1.0\n\n", 0), 20);
	/* Only empty lines so far: not a head yet. */
	CHECK_INT(head_end("\r\n", 0), 0);
	CHECK_INT(head_end("\r\n\r\n", 0), 0);
	CHECK_INT(head_end("\r\n\r\n\r\n\r\n", 0), 0);
	CHECK_INT(head_end("\n\n", 0), 0);
	/* One more than HTTP_MAX_EMPTY_LINES (4) ends the head there. */
	CHECK_INT(head_end("\r\n\r\n\r\n\r\n\r\n", 0), 10);
	CHECK_INT(head_end("\n\n\n\n\n", 0), 5);
	CHECK_INT(head_end("\n\n\n\n\r\nGET", 0), 6);
}

/* Feeding a head one byte at a time with from = the previous length finds
 * the same end as one call on the whole: every split of every terminator. */
TEST(http_head_end_resumes_at_from)
{
	static const char *const heads[] = {
		"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /next",
		"GET / HTTP/1.1\nHost: a\n\nX",
		"GET / HTTP/1.1\r\nHost: a\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\n\n",
		"\r\n\r\nGET / HTTP/1.0\r\n\r\n",
		"\r\n\r\n\r\n\r\n\r\n\r\n",
		"\n\n\n\n\n\n",
		"GET / HTTP/1.1\r\nA: \r\r\nB: \n\r\r\n\r\n",
	};

	for (size_t h = 0; h < ARRAY_LEN(heads); h++) {
		size_t len = strlen(heads[h]), whole, scanned = 0, found = 0;
		const char *buf = hold(heads[h], len);

		whole = http_head_end(buf, len, 0);
		CHECK(whole > 0);
		for (size_t k = 0; k <= len && found == 0; k++) {
			/* An exactly-sized buffer of k bytes each time. */
			char *part = malloc(k > 0 ? k : 1);

			memcpy(part, heads[h], k);
			found = http_head_end(part, k, scanned);
			CHECK_INT(found, http_head_end(part, k, 0));
			scanned = k;
			free(part);
		}
		CHECK_INT(found, whole);
		/* Resuming with a stale, smaller from is also fine. */
		CHECK_INT(http_head_end(hold(heads[h], len), len, len / 2), whole);
	}
}

/* ---- http_parse_request: status table ---- */

struct req_case {
	const char *raw;
	size_t len;             /* 0: strlen(raw) */
	int status;
};

#define RAW(s) s, sizeof(s) - 1

static const struct req_case req_cases[] = {
	/* Good requests of real clients. */
	{ "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 0, 0 },
	{ "GET /arch/boot/x86_64/vmlinuz-linux HTTP/1.1\r\nHost: 10.0.0.1\r\n"
	  "User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n", 0, 0 },
	{ "GET /boot.ipxe HTTP/1.1\r\nConnection: keep-alive\r\n"
	  "Host: 192.168.1.1\r\nUser-Agent: iPXE/1.21.1+\r\n\r\n", 0, 0 },
	{ "GET /iso/arch/arch/x86_64/airootfs.sfs HTTP/1.1\r\nHost: 10.0.0.1\r\n"
	  "Range: bytes=0-0\r\nUser-Agent: curl/8.9.1\r\nAccept: */*\r\n\r\n", 0, 0 },
	{ "GET /f HTTP/1.1\r\nUser-Agent: Wget/1.21.3\r\nAccept: */*\r\n"
	  "Accept-Encoding: identity\r\nHost: 10.0.0.1:8080\r\n"
	  "Connection: Keep-Alive\r\n\r\n", 0, 0 },
	{ "GET /f HTTP/1.1\r\nUser-Agent: aria2/1.36.0\r\nAccept: */*\r\n"
	  "Host: [fd00::1]:8080\r\nPragma: no-cache\r\nCache-Control: no-cache\r\n"
	  "Range: bytes=1048576-2097151\r\n\r\n", 0, 0 },
	{ "GET /favicon.ico HTTP/1.1\r\nHost: pxe.lan\r\nUser-Agent: Mozilla/5.0 "
	  "(X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0\r\n"
	  "Accept: image/avif,image/webp,*/*\r\nAccept-Language: en-US,en;q=0.5\r\n"
	  "Accept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\n"
	  "Referer: http://pxe.lan/\r\nIf-None-Match: \"5f3a-1a2b\"\r\n"
	  "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n", 0, 0 },
	{ "HEAD / HTTP/1.0\r\n\r\n", 0, 0 },
	{ "GET / HTTP/1.1\nHost: a\n\n", 0, 0 },                /* bare LF */
	{ "GET / HTTP/1.1\r\nHost: a\n\r\n", 0, 0 },            /* mixed */
	{ "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 0, 0 },      /* after a body */
	{ "\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 0, 0 },
	{ "\r\n\r\n\r\n\r\n\r\n", 0, 400 },                     /* one too many */
	{ "\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400 },
	{ "get / HTTP/1.1\r\nHost: a\r\n\r\n", 0, 0 },          /* OTHER: 405 */
	{ "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n", 0, 0 },
	{ "DELETE /x HTTP/1.1\r\nHost: a\r\n\r\n", 0, 0 },
	{ "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", 0, 0 },
	{ "CONNECT pxe:443 HTTP/1.1\r\nHost: pxe:443\r\n\r\n", 0, 0 },
	{ "GET http://pxe/x HTTP/1.1\r\nHost: other\r\n\r\n", 0, 0 },
	{ "GET HTTPS://pxe:8443 HTTP/1.1\r\nHost: pxe\r\n\r\n", 0, 0 },
	{ "GET /a%20b?x=%41&y HTTP/1.1\r\nHost: a\r\n\r\n", 0, 0 },
	{ "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", 0, 0 },  /* raw UTF-8 */
	{ "GET / HTTP/1.1\r\nHost:\r\n\r\n", 0, 0 },            /* empty Host */
	{ "GET / HTTP/1.1\r\nhOsT:a\r\n\r\n", 0, 0 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nX: \tv\xe9\t \r\n\r\n", 0, 0 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nX:\r\n\r\n", 0, 0 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", 0, 0 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\ncontent-length: 00\r\n\r\n", 0, 0 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nConnection: , close ,,\r\n\r\n", 0, 0 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nRange: bytes=0-0\r\nIf-Range: \"x\"\r\n"
	  "If-Match: *\r\nIf-Unmodified-Since: x\r\n\r\n", 0, 0 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: a\r\nUser-Agent: b\r\n\r\n", 0, 0 },

	/* Request line. */
	{ "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400 },
	{ "GET /  HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 0, 400 },
	{ " GET / HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400 },
	{ "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400 },
	{ "GET /\tHTTP/1.1\r\nHost: a\r\n\r\n", 0, 400 },
	{ "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400 },
	{ "GET\r\nHost: a\r\n\r\n", 0, 400 },
	{ "GET /\r\n\r\n", 0, 400 },                             /* HTTP/0.9 */
	{ "GET / \r\n\r\n", 0, 400 },
	{ "GET  HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400 },
	{ "GET / / HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400 },
	{ "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 0, 505 },
	{ "GET / HTTP/0.9\r\nHost: a\r\n\r\n", 0, 505 },
	{ "GET / HTTP/1.2\r\nHost: a\r\n\r\n", 0, 505 },
	{ "GET / HTTP/3.1\r\nHost: a\r\n\r\n", 0, 505 },
	{ "GET / HTTP/1.10\r\nHost: a\r\n\r\n", 0, 400 },
	{ "GET / HTTP/2\r\nHost: a\r\n\r\n", 0, 400 },
	{ "GET / http/1.1\r\nHost: a\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.x\r\nHost: a\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\rHost: a\r\n\r\n", 0, 400 },           /* bare CR */

	/* Target. */
	{ "GET * HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400 },
	{ "OPTIONS ** HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400 },
	{ "GET pxe:443 HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400 },
	{ "CONNECT pxe HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400 },
	{ "CONNECT pxe: HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400 },
	{ "GET x HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400 },
	{ "GET ?x HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400 },
	{ "GET /a#frag HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400 },
	{ "GET /a%zz HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400 },
	{ "GET /a%4 HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400 },
	{ "GET /a% HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400 },
	{ "GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400 },
	{ "GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400 },
	{ "GET ftp://pxe/x HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400 },
	{ "GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400 },
	{ "GET http://user@pxe/x HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400 },
	{ "GET http://pxe:80x/ HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400 },
	{ "GET http:/pxe/x HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400 },
	{ "GET http://pxe/x HTTP/1.1\r\n\r\n", 0, 400 },         /* Host MUST */

	/* Header fields. */
	{ "GET / HTTP/1.1\r\n\r\n", 0, 400 },                    /* no Host */
	{ "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.0\r\nHost: a\r\nHOST: b\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\nHost: []\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 0, 400 },        /* RFC 9112 5.1 */
	{ "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\n: a\r\nHost: a\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\nHost a\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\nX(y): a\r\nHost: a\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n", 0, 400 }, /* obs-fold */
	{ "GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n\tc\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\n Host: a\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\n\r\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nX: \x01\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nX: \x7f\r\n\r\n", 0, 400 },
	{ RAW("GET /\0 HTTP/1.1\r\nHost: a\r\n\r\n"), 400 },
	{ RAW("GET / HTTP/1.1\r\nHost: a\0\r\n\r\n"), 400 },
	{ RAW("GET / HTTP/1.1\r\nX\0: a\r\nHost: a\r\n\r\n"), 400 },
	{ RAW("\0GET / HTTP/1.1\r\nHost: a\r\n\r\n"), 400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nConnection: close x\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nRange: bytes=0-0\r\nrange: bytes=1-1\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nIf-Range: \"a\"\r\nIf-Range: \"a\"\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nIf-None-Match: \"a\"\r\nIf-None-Match: \"b\"\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nIf-Match: *\r\nIf-Match: *\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nIf-Modified-Since: x\r\nIf-Modified-Since: x\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nIf-Unmodified-Since: x\r\nIf-Unmodified-Since: x\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET", 0, 400 },      /* not one head */

	/* Bodies and framing. */
	{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\n", 0, 413 },
	{ "HEAD / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", 0, 413 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 0, 413 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 0\r\n\r\n", 0, 400 },
	{ "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n", 0, 400 },
	{ "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 0, 400 },
	{ "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", 0, 0 },
	{ "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 0, 0 },
	{ "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, CHUNKED\r\n\r\n", 0, 0 },
	{ "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n", 0, 0 },
	{ "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 0, 400 },
	{ "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
	  "Transfer-Encoding: gzip\r\n\r\n", 0, 400 },
	{ "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 0, 400 },
	{ "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 0, 400 },
	{ "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n", 0, 400 },
	{ "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
	  "Content-Length: 5\r\n\r\n", 0, 400 },
	{ "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 0, 400 },
	{ "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: br, chunked\r\n\r\n", 0, 501 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", 0, 501 },
	{ "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;x=1\r\n\r\n", 0, 501 },
	{ "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \"chunked\"\r\n\r\n", 0, 400 },

	/* Not complete (the caller's buffer filled up). */
	{ "", 0, 431 },
	{ "GE", 0, 431 },
	{ "GET ", 0, 431 },
	{ "GET /", 0, 431 },
	{ "GET / HTTP/1.1", 0, 431 },
	{ "GET / HTTP/1.1\r", 0, 431 },
	{ "GET / HTTP/1.1\r\nHost: a\r\n", 0, 431 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nX: aaaaaaaa", 0, 431 },
	{ "\r\n", 0, 431 },
	{ "G\x01T /", 0, 400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb", 0, 400 },
	{ "GET / HTTP/2.0\r\nHost: a\r\n", 0, 505 },
};

TEST(http_parse_request_statuses)
{
	for (size_t i = 0; i < ARRAY_LEN(req_cases); i++) {
		const struct req_case *c = &req_cases[i];
		size_t len = c->len > 0 ? c->len : strlen(c->raw);
		int st = parse_n(c->raw, len);

		if (st != c->status)
			test_fail(__FILE__, __LINE__, "case %zu: status %d, want %d",
			    i, st, c->status);
		if (st == 0) {
			/* Every view lies inside the input (path may be "/"). */
			struct http_view v[] = { req.method_name, req.target,
			    req.query, req.host, req.range, req.if_range,
			    req.if_match, req.if_none_match, req.if_modified_since,
			    req.if_unmodified_since, req.user_agent };

			for (size_t k = 0; k < ARRAY_LEN(v); k++)
				CHECK(view_inside(v[k], len));
			CHECK(view_inside(req.path, len) || view_is(req.path, "/"));
		}
	}
}

/* A request is a head as http_head_end() finds it: every good case above
 * is one complete head. */
TEST(http_parse_request_heads_agree_with_head_end)
{
	for (size_t i = 0; i < ARRAY_LEN(req_cases); i++) {
		const struct req_case *c = &req_cases[i];
		size_t len = c->len > 0 ? c->len : strlen(c->raw);

		if (c->status == 0)
			CHECK_INT(http_head_end(hold(c->raw, len), len, 0), len);
	}
}

/* ---- http_parse_request: what it returns ---- */

TEST(http_parse_request_curl)
{
	CHECK_INT(parse("GET /iso/arch/arch/x86_64/airootfs.sfs?v=1 HTTP/1.1\r\n"
	    "Host: 10.0.0.1:8080\r\nRange: bytes=0-0\r\n"
	    "User-Agent: curl/8.9.1\r\nAccept: */*\r\n\r\n"), 0);
	CHECK_INT(req.method, HTTP_GET);
	CHECK(view_is(req.method_name, "GET"));
	CHECK_INT(req.form, HTTP_TARGET_ORIGIN);
	CHECK(view_is(req.target, "/iso/arch/arch/x86_64/airootfs.sfs?v=1"));
	CHECK(view_is(req.path, "/iso/arch/arch/x86_64/airootfs.sfs"));
	CHECK(view_is(req.query, "v=1"));
	CHECK(view_is(req.host, "10.0.0.1:8080"));
	CHECK(view_is(req.range, "bytes=0-0"));
	CHECK(view_is(req.user_agent, "curl/8.9.1"));
	CHECK_INT(req.version_minor, 1);
	CHECK_INT(req.keep_alive, 1);
	CHECK_INT(req.has_body, 0);
	CHECK_INT(req.content_length, 0);
	CHECK_INT(req.nheaders, 4);
	CHECK(req.if_range.p == NULL);
	CHECK(req.if_none_match.p == NULL);
	CHECK(req.if_modified_since.p == NULL);
	CHECK(req.if_match.p == NULL);
	CHECK(req.if_unmodified_since.p == NULL);
}

TEST(http_parse_request_conditionals_trimmed)
{
	CHECK_INT(parse("HEAD /x? HTTP/1.1\r\nhost:pxe\r\n"
	    "if-none-match:  W/\"a\", \"b\" \t\r\n"
	    "IF-MODIFIED-SINCE: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
	    "If-Range:\t\"a\"\r\nIf-Match: *\r\nIf-Unmodified-Since: x \r\n"
	    "Range:   \r\n\r\n"), 0);
	CHECK_INT(req.method, HTTP_HEAD);
	CHECK(view_is(req.path, "/x"));
	CHECK(view_is(req.query, ""));
	CHECK(view_is(req.host, "pxe"));
	CHECK(view_is(req.if_none_match, "W/\"a\", \"b\""));
	CHECK(view_is(req.if_modified_since, "Sun, 06 Nov 1994 08:49:37 GMT"));
	CHECK(view_is(req.if_range, "\"a\""));
	CHECK(view_is(req.if_match, "*"));
	CHECK(view_is(req.if_unmodified_since, "x"));
	CHECK(view_is(req.range, ""));          /* present and empty */
	CHECK(req.user_agent.p == NULL);
}

TEST(http_parse_request_target_forms)
{
	CHECK_INT(parse("GET http://pxe.lan:8080/a/b?c HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
	CHECK_INT(req.form, HTTP_TARGET_ABSOLUTE);
	CHECK(view_is(req.host, "pxe.lan:8080"));  /* not the Host field */
	CHECK(view_is(req.path, "/a/b"));
	CHECK(view_is(req.query, "c"));

	CHECK_INT(parse("GET http://[fd00::1] HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
	CHECK(view_is(req.host, "[fd00::1]"));
	CHECK(view_is(req.path, "/"));             /* the static "/" */
	CHECK(req.query.p == NULL);

	CHECK_INT(parse("GET http://pxe?q HTTP/1.0\r\n\r\n"), 0);
	CHECK(view_is(req.path, "/"));
	CHECK(view_is(req.query, "q"));

	CHECK_INT(parse("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
	CHECK_INT(req.method, HTTP_OTHER);
	CHECK(view_is(req.method_name, "OPTIONS"));
	CHECK_INT(req.form, HTTP_TARGET_ASTERISK);
	CHECK(req.path.p == NULL);

	CHECK_INT(parse("CONNECT pxe:443 HTTP/1.1\r\nHost: pxe:443\r\n\r\n"), 0);
	CHECK_INT(req.form, HTTP_TARGET_AUTHORITY);
	CHECK(view_is(req.target, "pxe:443"));

	CHECK_INT(parse("PROPFIND /dav HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
	CHECK_INT(req.method, HTTP_OTHER);
	CHECK(view_is(req.method_name, "PROPFIND"));

	/* HTTP/1.0 may leave Host out. */
	CHECK_INT(parse("GET /x HTTP/1.0\r\n\r\n"), 0);
	CHECK(req.host.p == NULL);
	CHECK_INT(req.version_minor, 0);
	CHECK_INT(parse("GET /x HTTP/1.1\r\nHost:\r\n\r\n"), 0);
	CHECK(view_is(req.host, ""));
}

TEST(http_parse_request_keep_alive)
{
	static const struct {
		const char *head;
		int keep_alive;
	} cases[] = {
		{ "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 1 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nConnection: CLOSE\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nConnection: TE, close\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n"
		  "Connection: close\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nConnection: closed\r\n\r\n", 1 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\n\r\n", 1 },
		{ "GET / HTTP/1.0\r\n\r\n", 0 },
		{ "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 1 },
		{ "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", 1 },
		{ "GET / HTTP/1.0\r\nconnection:x,keep-alive\r\n\r\n", 1 },
		{ "GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", 0 },
		{ "GET / HTTP/1.0\r\nKeep-Alive: 300\r\n\r\n", 0 },
		/* A body is never read: the connection cannot go on. */
		{ "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\n", 0 },
		{ "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", 1 },
		{ "PUT / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 0 },
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		CHECK_INT(parse(cases[i].head), 0);
		if (req.keep_alive != cases[i].keep_alive)
			test_fail(__FILE__, __LINE__, "case %zu: keep_alive %d",
			    i, req.keep_alive);
	}
}

TEST(http_parse_request_bodies)
{
	CHECK_INT(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0042\r\n\r\n"), 0);
	CHECK_INT(req.has_body, 1);
	CHECK_INT(req.content_length, 42);
	CHECK_INT(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: "
	    "18446744073709551615\r\n\r\n"), 0);
	CHECK(req.content_length == UINT64_MAX);
	CHECK_INT(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: "
	    "99999999999999999999999999\r\n\r\n"), 0);
	CHECK(req.content_length == UINT64_MAX);
	CHECK_INT(parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"), 0);
	CHECK_INT(req.has_body, 1);
	CHECK_INT(req.content_length, 0);
	CHECK_INT(parse("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"), 0);
	CHECK_INT(req.has_body, 0);
}

/* Build "GET /<target> HTTP/1.1" heads of exact sizes around the limits. */
static char big[2 * HTTP_MAX_HEAD_BYTES];

static size_t
build(size_t target_len, unsigned nfields, size_t pad, int complete)
{
	size_t n = 0;

	memcpy(big, "GET /", 5);
	n = 5;
	memset(big + n, 'a', target_len - 1);
	n += target_len - 1;
	n += (size_t)snprintf(big + n, sizeof(big) - n, " HTTP/1.1\r\nHost: a\r\n");
	for (unsigned i = 1; i < nfields; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "X-%u: v\r\n", i);
	if (pad > 0) {
		memcpy(big + n, "P: ", 3);
		memset(big + n + 3, 'p', pad);
		n += 3 + pad;
		memcpy(big + n, "\r\n", 2);
		n += 2;
	}
	if (complete) {
		memcpy(big + n, "\r\n", 2);
		n += 2;
	}
	return n;
}

TEST(http_parse_request_limits)
{
	size_t base, n;

	CHECK_INT(parse_n(big, build(HTTP_MAX_TARGET, 1, 0, 1)), 0);
	CHECK_INT(req.target.len, HTTP_MAX_TARGET);
	CHECK_INT(parse_n(big, build(HTTP_MAX_TARGET + 1, 1, 0, 1)), 414);
	/* A buffer that filled up inside a long target: 414 once the target
	 * is over the limit, 431 before. */
	build(HTTP_MAX_TARGET + 100, 1, 0, 1);
	CHECK_INT(parse_n(big, 4 + HTTP_MAX_TARGET + 1), 414);
	CHECK_INT(parse_n(big, 4 + HTTP_MAX_TARGET), 431);

	CHECK_INT(parse_n(big, build(1, HTTP_MAX_HEADERS, 0, 1)), 0);
	CHECK_INT(req.nheaders, HTTP_MAX_HEADERS);
	CHECK_INT(parse_n(big, build(1, HTTP_MAX_HEADERS + 1, 0, 1)), 431);

	/* Exactly HTTP_MAX_HEAD_BYTES, and one more (a pad line adds 5). */
	base = build(1, 1, 0, 1);
	n = build(1, 1, HTTP_MAX_HEAD_BYTES - base - 5, 1);
	CHECK_INT(n, HTTP_MAX_HEAD_BYTES);
	CHECK_INT(parse_n(big, n), 0);
	n = build(1, 1, HTTP_MAX_HEAD_BYTES - base - 5 + 1, 1);
	CHECK_INT(n, HTTP_MAX_HEAD_BYTES + 1);
	CHECK_INT(parse_n(big, n), 431);
	/* The buffer is full and the head is not done. */
	build(1, 1, HTTP_MAX_HEAD_BYTES, 0);
	CHECK_INT(http_head_end(hold(big, HTTP_MAX_HEAD_BYTES), HTTP_MAX_HEAD_BYTES, 0), 0);
	CHECK_INT(parse_n(big, HTTP_MAX_HEAD_BYTES), 431);
}

/* ---- ranges ---- */

struct range_case {
	const char *v;
	uint64_t size;
	int rc;
	size_t n;
	struct http_range r[3];
};

#define BIG "99999999999999999999999999999"
#define U64MAX "18446744073709551615"

static const struct range_case range_cases[] = {
	/* Arch's first-byte probe, aria2c's pieces, and the basic forms. */
	{ "bytes=0-0", 1000, HTTP_RANGE_OK, 1, { { 0, 0 } } },
	{ "bytes=1048576-2097151", 4194304, HTTP_RANGE_OK, 1, { { 1048576, 2097151 } } },
	{ "bytes=0-499", 1000, HTTP_RANGE_OK, 1, { { 0, 499 } } },
	{ "bytes=500-", 1000, HTTP_RANGE_OK, 1, { { 500, 999 } } },
	{ "bytes=999-", 1000, HTTP_RANGE_OK, 1, { { 999, 999 } } },
	{ "bytes=-500", 1000, HTTP_RANGE_OK, 1, { { 500, 999 } } },
	{ "bytes=-1", 1000, HTTP_RANGE_OK, 1, { { 999, 999 } } },
	{ "bytes=-1000", 1000, HTTP_RANGE_OK, 1, { { 0, 999 } } },
	{ "bytes=-2000", 1000, HTTP_RANGE_OK, 1, { { 0, 999 } } },
	{ "bytes=0-5000", 1000, HTTP_RANGE_OK, 1, { { 0, 999 } } },
	{ "bytes=0-", 1, HTTP_RANGE_OK, 1, { { 0, 0 } } },
	{ "Bytes=0-1", 1000, HTTP_RANGE_OK, 1, { { 0, 1 } } },
	{ "BYTES=0-1", 1000, HTTP_RANGE_OK, 1, { { 0, 1 } } },
	{ "bytes=007-010", 1000, HTTP_RANGE_OK, 1, { { 7, 10 } } },
	/* Several, in request order, unsatisfiable ones dropped. */
	{ "bytes=0-1,5-6", 1000, HTTP_RANGE_OK, 2, { { 0, 1 }, { 5, 6 } } },
	{ "bytes=500-,0-1", 1000, HTTP_RANGE_OK, 2, { { 500, 999 }, { 0, 1 } } },
	{ "bytes=0-1, 5-6", 1000, HTTP_RANGE_OK, 2, { { 0, 1 }, { 5, 6 } } },
	{ "bytes=0-1 ,\t5-6", 1000, HTTP_RANGE_OK, 2, { { 0, 1 }, { 5, 6 } } },
	{ "bytes=0-1,,5-6", 1000, HTTP_RANGE_OK, 2, { { 0, 1 }, { 5, 6 } } },
	{ "bytes=,0-1", 1000, HTTP_RANGE_OK, 1, { { 0, 1 } } },
	{ "bytes=, ,0-1,", 1000, HTTP_RANGE_OK, 1, { { 0, 1 } } },
	{ "bytes=2000-3000,0-1,-0", 1000, HTTP_RANGE_OK, 1, { { 0, 1 } } },
	{ "bytes=0-10,5-15", 1000, HTTP_RANGE_OK, 2, { { 0, 10 }, { 5, 15 } } },
	{ "bytes=0-0,0-0", 1000, HTTP_RANGE_OK, 2, { { 0, 0 }, { 0, 0 } } },
	{ "bytes=10-11,0-1,5-6", 1000, HTTP_RANGE_OK, 3, { { 10, 11 }, { 0, 1 }, { 5, 6 } } },
	/* Huge numbers. */
	{ "bytes=0-" BIG, 1000, HTTP_RANGE_OK, 1, { { 0, 999 } } },
	{ "bytes=-" BIG, 1000, HTTP_RANGE_OK, 1, { { 0, 999 } } },
	{ "bytes=-" U64MAX, 1000, HTTP_RANGE_OK, 1, { { 0, 999 } } },
	{ "bytes=00000000000000000000000000001-2", 1000, HTTP_RANGE_OK, 1, { { 1, 2 } } },
	{ "bytes=18446744073709551614-", UINT64_MAX, HTTP_RANGE_OK, 1,
	  { { UINT64_MAX - 1, UINT64_MAX - 1 } } },
	{ "bytes=0-" U64MAX, UINT64_MAX, HTTP_RANGE_OK, 1, { { 0, UINT64_MAX - 1 } } },
	{ "bytes=" BIG "-", 1000, HTTP_RANGE_UNSATISFIABLE, 0, { { 0, 0 } } },
	{ "bytes=" U64MAX "-" U64MAX, 1000, HTTP_RANGE_UNSATISFIABLE, 0, { { 0, 0 } } },
	{ "bytes=" BIG "-" BIG, UINT64_MAX, HTTP_RANGE_UNSATISFIABLE, 0, { { 0, 0 } } },
	{ "bytes=" BIG "-" "99999999999999999999999999998", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ "bytes=18446744073709551616-" U64MAX, 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	/* Unsatisfiable: 416. */
	{ "bytes=1000-", 1000, HTTP_RANGE_UNSATISFIABLE, 0, { { 0, 0 } } },
	{ "bytes=1000-2000", 1000, HTTP_RANGE_UNSATISFIABLE, 0, { { 0, 0 } } },
	{ "bytes=-0", 1000, HTTP_RANGE_UNSATISFIABLE, 0, { { 0, 0 } } },
	{ "bytes=-000", 1000, HTTP_RANGE_UNSATISFIABLE, 0, { { 0, 0 } } },
	{ "bytes=1000-,2000-3000,-0", 1000, HTTP_RANGE_UNSATISFIABLE, 0, { { 0, 0 } } },
	{ "bytes=0-0", 0, HTTP_RANGE_UNSATISFIABLE, 0, { { 0, 0 } } },
	{ "bytes=0-", 0, HTTP_RANGE_UNSATISFIABLE, 0, { { 0, 0 } } },
	{ "bytes=-0", 0, HTTP_RANGE_UNSATISFIABLE, 0, { { 0, 0 } } },
	/* A suffix of an empty representation is satisfiable but empty. */
	{ "bytes=-5", 0, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ "bytes=0-1,-5", 0, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	/* Syntax: ignored. */
	{ "", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ "bytes=", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ "bytes=,", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ "bytes", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ "bytes0-1", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ "bytes= 0-1", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ "bytes =0-1", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ " bytes=0-1", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ "bytes=0 -1", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ "bytes=0- 1", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ "bytes=- 1", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ "bytes=0-1 2-3", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ "bytes=0-1;2-3", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ "items=0-1", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ "bytesx=0-1", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ "byte=0-1", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ "bytes=5-1", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ "bytes=0-1,5-1", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ "bytes=5-1,0-1", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ "bytes=a-b", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ "bytes=-", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ "bytes=--1", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ "bytes=1--2", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ "bytes=1-2-3", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ "bytes=1", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ "bytes=+1-2", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ "bytes=0x10-20", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ "bytes=1e3-", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ "bytes=0-1=", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ "bytes=0-1,bytes=2-3", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	/* Abuse (RFC 9110 14.2). */
	{ "bytes=0-10,5-15,8-20", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ "bytes=0-,0-,0-", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ "bytes=0-,5-0,5-1,5-2", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ "bytes=-1,-2,-3", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
	{ "bytes=40-41,30-31,20-21,10-11,0-1", 1000, HTTP_RANGE_IGNORE, 0, { { 0, 0 } } },
};

static int
range(const char *v, uint64_t size, struct http_range *out, size_t max,
    size_t *n)
{
	size_t len = strlen(v);

	return http_range_parse(hold(v, len), len, size, out, max, n);
}

TEST(http_range_parse_table)
{
	for (size_t i = 0; i < ARRAY_LEN(range_cases); i++) {
		const struct range_case *c = &range_cases[i];
		struct http_range out[HTTP_MAX_RANGES];
		size_t n = 99;
		int rc = range(c->v, c->size, out, ARRAY_LEN(out), &n);

		if (rc != c->rc || n != c->n) {
			test_fail(__FILE__, __LINE__, "case %zu \"%s\": rc %d n %zu, "
			    "want %d %zu", i, c->v, rc, n, c->rc, c->n);
			continue;
		}
		for (size_t k = 0; k < n; k++) {
			if (out[k].first != c->r[k].first || out[k].last != c->r[k].last)
				test_fail(__FILE__, __LINE__, "case %zu \"%s\": range "
				    "%zu is %llu-%llu", i, c->v, k,
				    (unsigned long long)out[k].first,
				    (unsigned long long)out[k].last);
		}
	}
}

TEST(http_range_parse_limits)
{
	struct http_range out[HTTP_MAX_RANGES + 4];
	char v[512];
	size_t n, len;

	/* HTTP_MAX_RANGES ascending ranges: fine; one more: ignored. */
	len = (size_t)snprintf(v, sizeof(v), "bytes=0-0");
	for (unsigned i = 1; i < HTTP_MAX_RANGES; i++)
		len += (size_t)snprintf(v + len, sizeof(v) - len, ",%u-%u", i * 10, i * 10 + 1);
	CHECK_INT(range(v, 1000, out, ARRAY_LEN(out), &n), HTTP_RANGE_OK);
	CHECK_INT(n, HTTP_MAX_RANGES);
	CHECK_INT(out[HTTP_MAX_RANGES - 1].first, (HTTP_MAX_RANGES - 1) * 10);
	snprintf(v + len, sizeof(v) - len, ",900-901");
	CHECK_INT(range(v, 1000, out, ARRAY_LEN(out), &n), HTTP_RANGE_IGNORE);
	CHECK_INT(n, 0);
	/* The caller's max counts every range-spec, satisfiable or not. */
	CHECK_INT(range("bytes=0-1,2-3", 1000, out, 2, &n), HTTP_RANGE_OK);
	CHECK_INT(range("bytes=0-1,2-3,4-5", 1000, out, 2, &n), HTTP_RANGE_IGNORE);
	CHECK_INT(range("bytes=0-1,2000-", 1000, out, 1, &n), HTTP_RANGE_IGNORE);
	CHECK_INT(range("bytes=0-1", 1000, out, 0, &n), HTTP_RANGE_IGNORE);
	/* Four unsorted are fine, five are not; five sorted are. */
	CHECK_INT(range("bytes=30-31,20-21,10-11,0-1", 1000, out, 8, &n), HTTP_RANGE_OK);
	CHECK_INT(n, 4);
	CHECK_INT(range("bytes=0-1,10-11,20-21,30-31,40-41", 1000, out, 8, &n), HTTP_RANGE_OK);
	CHECK_INT(n, 5);
	/* NULL with length 0 is an absent field. */
	CHECK_INT(http_range_parse(NULL, 0, 1000, out, 8, &n), HTTP_RANGE_IGNORE);
	/* A long run of digits and commas stays linear and exact. */
	{
		static char huge[HTTP_MAX_HEAD_BYTES];

		memcpy(huge, "bytes=1-", 8);
		memset(huge + 8, '9', sizeof(huge) - 8);
		CHECK_INT(http_range_parse(hold(huge, sizeof(huge)), sizeof(huge),
		    1000, out, 8, &n), HTTP_RANGE_OK);
		CHECK_INT(out[0].last, 999);
		memset(huge + 6, ',', sizeof(huge) - 6);
		CHECK_INT(http_range_parse(hold(huge, sizeof(huge)), sizeof(huge),
		    1000, out, 8, &n), HTTP_RANGE_IGNORE);
	}
}

/* ---- entity-tags ---- */

static int
etag(const char *list, const char *ours, int weak)
{
	size_t len = strlen(list);

	return http_etag_match(hold(list, len), len, ours, weak);
}

TEST(http_etag_match_weak_and_strong)
{
	CHECK_INT(etag("\"abc\"", "\"abc\"", 1), 1);
	CHECK_INT(etag("\"abc\"", "\"abc\"", 0), 1);
	CHECK_INT(etag("W/\"abc\"", "\"abc\"", 1), 1);
	CHECK_INT(etag("W/\"abc\"", "\"abc\"", 0), 0);
	CHECK_INT(etag("\"abc\"", "W/\"abc\"", 1), 1);
	CHECK_INT(etag("\"abc\"", "W/\"abc\"", 0), 0);
	CHECK_INT(etag("W/\"abc\"", "W/\"abc\"", 0), 0);
	CHECK_INT(etag("\"abd\"", "\"abc\"", 1), 0);
	CHECK_INT(etag("\"ABC\"", "\"abc\"", 1), 0);
	CHECK_INT(etag("\"abc \"", "\"abc\"", 1), 0); /* SP is not etagc */
	CHECK_INT(etag("\"\"", "\"\"", 0), 1);
	CHECK_INT(etag("*", "\"abc\"", 1), 1);
	CHECK_INT(etag("*", "\"abc\"", 0), 1);
	CHECK_INT(etag("\"x\", \"abc\"", "\"abc\"", 1), 1);
	CHECK_INT(etag("\"x\",W/\"abc\" ,\t\"y\"", "\"abc\"", 1), 1);
	CHECK_INT(etag("\"x\", \"y\"", "\"abc\"", 1), 0);
	CHECK_INT(etag("\"a,b\", \"abc\"", "\"abc\"", 1), 1); /* comma inside */
	CHECK_INT(etag("\"caf\xc3\xa9\"", "\"caf\xc3\xa9\"", 0), 1);
	CHECK_INT(etag(",,\"abc\",", "\"abc\"", 1), 1);
	CHECK_INT(etag("", "\"abc\"", 1), 0);
	CHECK_INT(etag(",", "\"abc\"", 1), 0);
	/* Malformed: 0, even after a match. */
	CHECK_INT(etag("abc", "\"abc\"", 1), 0);
	CHECK_INT(etag("\"abc", "\"abc\"", 1), 0);
	CHECK_INT(etag("\"abc\", junk", "\"abc\"", 1), 0);
	CHECK_INT(etag("\"abc\" \"def\"", "\"abc\"", 1), 0);
	CHECK_INT(etag("w/\"abc\"", "\"abc\"", 1), 0);
	CHECK_INT(etag("W\"abc\"", "\"abc\"", 1), 0);
	CHECK_INT(etag("W/", "\"abc\"", 1), 0);
	CHECK_INT(etag("**", "\"abc\"", 1), 0);
	CHECK_INT(etag("*, \"abc\"", "\"abc\"", 1), 0);
	CHECK_INT(etag("\"a\x01\"", "\"abc\"", 1), 0);
	/* A broken etag of ours matches nothing. */
	CHECK_INT(etag("\"abc\"", "abc", 1), 0);
}

static int
if_range(const char *v, int64_t *t)
{
	size_t len = strlen(v);

	return http_if_range_parse(hold(v, len), len, t);
}

TEST(http_if_range_parse_kinds)
{
	int64_t t = 0;

	CHECK_INT(if_range("\"abc\"", &t), HTTP_IF_RANGE_ETAG);
	CHECK_INT(if_range("W/\"abc\"", &t), HTTP_IF_RANGE_ETAG);
	CHECK_INT(if_range("Sun, 06 Nov 1994 08:49:37 GMT", &t), HTTP_IF_RANGE_DATE);
	CHECK_INT(t, 784111777);
	/* "Wed" starts like a weak tag. */
	CHECK_INT(if_range("Wed, 21 Oct 2015 07:28:00 GMT", &t), HTTP_IF_RANGE_DATE);
	CHECK_INT(t, 1445412480);
	CHECK_INT(if_range("Sun Nov  6 08:49:37 1994", NULL), HTTP_IF_RANGE_DATE);
	CHECK_INT(if_range("*", &t), HTTP_IF_RANGE_INVALID);
	CHECK_INT(if_range("\"a\", \"b\"", &t), HTTP_IF_RANGE_INVALID);
	CHECK_INT(if_range("\"a", &t), HTTP_IF_RANGE_INVALID);
	CHECK_INT(if_range("W/", &t), HTTP_IF_RANGE_INVALID);
	CHECK_INT(if_range("", &t), HTTP_IF_RANGE_INVALID);
	CHECK_INT(if_range("yesterday", &t), HTTP_IF_RANGE_INVALID);
}

/* ---- dates ---- */

/* 2025-06-01 00:00:00 UTC: "now" for two-digit years. */
#define NOW_2025 1748736000LL

static int
date_at(const char *s, int64_t now, int64_t *t)
{
	size_t len = strlen(s);

	return http_date_parse_at(hold(s, len), len, now, t);
}

TEST(http_date_parse_three_formats)
{
	static const char *const good[] = {
		"Sun, 06 Nov 1994 08:49:37 GMT",
		"Sunday, 06-Nov-94 08:49:37 GMT",
		"Sun Nov  6 08:49:37 1994",
		"Sun Nov 06 08:49:37 1994",
	};
	int64_t t;

	for (size_t i = 0; i < ARRAY_LEN(good); i++) {
		t = 0;
		CHECK_INT(date_at(good[i], NOW_2025, &t), 0);
		CHECK_INT(t, 784111777);
	}
	/* The day name is not checked against the date. */
	CHECK_INT(date_at("Mon, 06 Nov 1994 08:49:37 GMT", NOW_2025, &t), 0);
	CHECK_INT(t, 784111777);
	CHECK_INT(date_at("Wednesday, 09-Nov-99 23:12:40 GMT", NOW_2025, &t), 0);
	CHECK_INT(t, 942189160);
	CHECK_INT(date_at("Thu, 01 Jan 1970 00:00:00 GMT", NOW_2025, &t), 0);
	CHECK_INT(t, 0);
	CHECK_INT(date_at("Wed, 31 Dec 1969 23:59:59 GMT", NOW_2025, &t), 0);
	CHECK_INT(t, -1);
	CHECK_INT(date_at("Tue, 19 Jan 2038 03:14:08 GMT", NOW_2025, &t), 0);
	CHECK_INT(t, 2147483648LL);
	CHECK_INT(date_at("Tue, 29 Feb 2000 12:00:00 GMT", NOW_2025, &t), 0);
	CHECK_INT(t, 951825600);
	CHECK_INT(date_at("Thu, 29 Feb 2024 00:00:00 GMT", NOW_2025, &t), 0);
	CHECK_INT(t, 1709164800);
	CHECK_INT(date_at("Fri, 31 Dec 9999 23:59:59 GMT", NOW_2025, &t), 0);
	CHECK_INT(t, HTTP_DATE_MAX);
	CHECK_INT(date_at("Sat, 01 Jan 0000 00:00:00 GMT", NOW_2025, &t), 0);
	CHECK_INT(t, HTTP_DATE_MIN);
	/* A leap second reads as the next minute. */
	CHECK_INT(date_at("Sat, 31 Dec 2016 23:59:60 GMT", NOW_2025, &t), 0);
	CHECK_INT(t, 1483228800);
	CHECK_INT(date_at("Fri Dec 31 23:59:59 9999", NOW_2025, &t), 0);
	CHECK_INT(t, HTTP_DATE_MAX);
}

TEST(http_date_parse_rejects)
{
	static const char *const bad[] = {
		"",
		"x",
		"Sun, 06 Nov 1994 08:49:37 GM",
		"Sun, 06 Nov 1994 08:49:37 GMTX",
		"Sun, 06 Nov 1994 08:49:37 UTC",
		"Sun, 06 Nov 1994 08:49:37 gmt",
		"sun, 06 Nov 1994 08:49:37 GMT",
		"Sun, 06 nov 1994 08:49:37 GMT",
		"Sux, 06 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nox 1994 08:49:37 GMT",
		"Sun, 6 Nov 1994 08:49:37 GMT",
		"Sun,  6 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 94 08:49:37 GMT",
		"Sun, 06-Nov-1994 08:49:37 GMT",
		"Sun, 06 Nov 1994 08:49:37 +0000",
		" Sun, 06 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 1994 08:49:37 GMT ",
		"Sun, 06 Nov 1994 08:49:37 GMT; length=34",
		"Sun, 06 Nov 1994 8:49:37 GMT",
		"Sun, 06 Nov 1994 08.49.37 GMT",
		"Sun, 00 Nov 1994 08:49:37 GMT",
		"Sun, 31 Nov 1994 08:49:37 GMT",
		"Sun, 32 Dec 1994 08:49:37 GMT",
		"Sun, 29 Feb 1900 08:49:37 GMT",
		"Sun, 29 Feb 2100 08:49:37 GMT",
		"Sun, 29 Feb 2023 08:49:37 GMT",
		"Sun, 06 Nov 1994 24:00:00 GMT",
		"Sun, 06 Nov 1994 08:60:00 GMT",
		"Sun, 06 Nov 1994 08:49:61 GMT",
		"Sun, 06 Nov 1994 08:49:-1 GMT",
		"Sun, 06 Nov 19x4 08:49:37 GMT",
		"Sun, 06 Nov -994 08:49:37 GMT",
		"Sun, +6 Nov 1994 08:49:37 GMT",
		"Sun,\t06 Nov 1994 08:49:37 GMT",
		"Sun 06 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 1994 08:49:37",
		"Sunday, 06-Nov-94 08:49:37 UTC",
		"Sunday, 06 Nov 94 08:49:37 GMT",
		"Sunday, 06-Nov-1994 08:49:37 GMT",
		"Sun, 06-Nov-94 08:49:37 GMT",
		"Sundae, 06-Nov-94 08:49:37 GMT",
		"sunday, 06-Nov-94 08:49:37 GMT",
		"Sunday,06-Nov-94 08:49:37 GMT ",
		"Sunday, 31-Apr-94 08:49:37 GMT",
		"Sunday, 06-Nov-9x 08:49:37 GMT",
		"Sun Nov  6 08:49:37 94",
		"Sun Nov 6 08:49:37 1994",
		"Sun Nov   6 08:49:37 1994",
		"Sun Nov  x 08:49:37 1994",
		"Sun Nov 6  08:49:37 1994",
		"Sun Nov  6 08:49:37 1994 ",
		"Sun Nov  6 08:49:37 GMT 1994",
		"Sun Feb 29 08:49:37 1993",
		"Sun, 06 Nov 1994 08:49:37 GMT Sun, 06 Nov 1994 08:49:37 GMT",
	};
	int64_t t;

	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		t = 12345;
		if (date_at(bad[i], NOW_2025, &t) != -1)
			test_fail(__FILE__, __LINE__, "case %zu \"%s\" parsed", i, bad[i]);
		CHECK_INT(t, 12345);
	}
	/* A NUL is just a wrong byte. */
	CHECK_INT(http_date_parse_at(hold("Sun, 06 Nov 1994 08:49:37 GM\0", 29), 29,
	    NOW_2025, &t), -1);
	CHECK_INT(http_date_parse_at(hold("Sun, 06 Nov 1994 08:49:37 GMT\0", 30), 30,
	    NOW_2025, &t), -1);
	CHECK_INT(http_date_parse_at(hold("Sun\0 06 Nov 1994 08:49:37 GMT", 29), 29,
	    NOW_2025, &t), -1);
}

TEST(http_date_parse_two_digit_years)
{
	static const struct {
		int64_t now;            /* Jan 1 of a year, 00:00:00 */
		const char *yy;
		int year;
	} cases[] = {
		{ NOW_2025, "94", 1994 },
		{ NOW_2025, "25", 2025 },
		{ NOW_2025, "00", 2000 },
		{ NOW_2025, "75", 2075 },       /* 50 years ahead: kept */
		{ NOW_2025, "76", 1976 },       /* 51 ahead: the past */
		{ NOW_2025, "99", 1999 },
		{ 4102444800LL, "00", 2100 },   /* now 2100 */
		{ 4102444800LL, "50", 2150 },
		{ 4102444800LL, "51", 2051 },
		{ 4102444800LL, "99", 2099 },
		{ 3786912000LL, "40", 2140 },   /* now 2090: 2040 is 50 back */
		{ 3786912000LL, "41", 2041 },
		{ 0, "70", 1970 },
		{ 0, "20", 2020 },
		{ 0, "21", 1921 },
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char s[40], f[HTTP_DATE_SIZE], want[8];
		int64_t t;

		snprintf(s, sizeof(s), "Friday, 01-Jan-%s 00:00:00 GMT", cases[i].yy);
		CHECK_INT(date_at(s, cases[i].now, &t), 0);
		CHECK_INT(http_date_format(t, f), HTTP_DATE_LEN);
		snprintf(want, sizeof(want), "%d", cases[i].year);
		if (memcmp(f + 12, want, 4) != 0)
			test_fail(__FILE__, __LINE__, "case %zu: %s is %s", i, s, f);
	}
	/* http_date_parse() reads the clock: 94 is 1994 until 2044. */
	{
		int64_t t;

		CHECK_INT(http_date_parse(hold("Sunday, 06-Nov-94 08:49:37 GMT", 30), 30, &t), 0);
		CHECK_INT(t, 784111777);
	}
}

TEST(http_date_format_known)
{
	static const struct {
		int64_t t;
		const char *s;
	} cases[] = {
		{ 784111777, "Sun, 06 Nov 1994 08:49:37 GMT" },
		{ 0, "Thu, 01 Jan 1970 00:00:00 GMT" },
		{ -1, "Wed, 31 Dec 1969 23:59:59 GMT" },
		{ 951782400, "Tue, 29 Feb 2000 00:00:00 GMT" },
		{ 2147483647, "Tue, 19 Jan 2038 03:14:07 GMT" },
		{ 2147483648LL, "Tue, 19 Jan 2038 03:14:08 GMT" },
		{ 4107542400LL, "Mon, 01 Mar 2100 00:00:00 GMT" },
		{ 4107456000LL, "Sun, 28 Feb 2100 00:00:00 GMT" },
		{ -2208988800LL, "Mon, 01 Jan 1900 00:00:00 GMT" },
		{ HTTP_DATE_MIN, "Sat, 01 Jan 0000 00:00:00 GMT" },
		{ HTTP_DATE_MAX, "Fri, 31 Dec 9999 23:59:59 GMT" },
	};
	char out[HTTP_DATE_SIZE];

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		CHECK_INT(http_date_format(cases[i].t, out), HTTP_DATE_LEN);
		CHECK_STR(out, cases[i].s);
	}
	memset(out, 'x', sizeof(out));
	CHECK_INT(http_date_format(HTTP_DATE_MAX + 1, out), 0);
	CHECK_STR(out, "");
	CHECK_INT(http_date_format(HTTP_DATE_MIN - 1, out), 0);
	CHECK_INT(http_date_format(INT64_MIN, out), 0);
	CHECK_INT(http_date_format(INT64_MAX, out), 0);
}

/* Format, parse back, and compare with the C library (gmtime_r, strftime
 * in the C locale) over 1900-2200 in steps that hit every day, and every
 * second of a few days around leap days and 2038. */
static void
round_trip(int64_t t, unsigned *count)
{
	char out[HTTP_DATE_SIZE], want[64], asc[32], rfc850[40];
	static const char *const days[] = { "Sunday", "Monday", "Tuesday",
	    "Wednesday", "Thursday", "Friday", "Saturday" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t tt = (time_t)t;
	struct tm tm;
	int64_t back = 0;

	if (http_date_format(t, out) != HTTP_DATE_LEN) {
		test_fail(__FILE__, __LINE__, "format %lld", (long long)t);
		return;
	}
	if (date_at(out, NOW_2025, &back) != 0 || back != t)
		test_fail(__FILE__, __LINE__, "%lld -> %s -> %lld", (long long)t,
		    out, (long long)back);
	if ((int64_t)tt == t && gmtime_r(&tt, &tm) != NULL) {
		/* glibc's %Y does not pad years before 1000: print the
		 * fields themselves. */
		snprintf(want, sizeof(want), "%.3s, %02d %.3s %04d %02d:%02d:%02d GMT",
		    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
		    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
		if (strcmp(out, want) != 0)
			test_fail(__FILE__, __LINE__, "%lld: %s, libc says %s",
			    (long long)t, out, want);
		/* The other two formats of the same instant. */
		snprintf(asc, sizeof(asc), "%.3s %.3s %2d %02d:%02d:%02d %04d",
		    days[tm.tm_wday], months[tm.tm_mon], tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
		if (date_at(asc, NOW_2025, &back) != 0 || back != t)
			test_fail(__FILE__, __LINE__, "asctime %s", asc);
		if (tm.tm_year + 1900 > 1975 && tm.tm_year + 1900 <= 2075) {
			snprintf(rfc850, sizeof(rfc850), "%s, %02d-%.3s-%02d %02d:%02d:%02d GMT",
			    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year % 100,
			    tm.tm_hour, tm.tm_min, tm.tm_sec);
			if (date_at(rfc850, NOW_2025, &back) != 0 || back != t)
				test_fail(__FILE__, __LINE__, "rfc850 %s", rfc850);
		}
	}
	(*count)++;
}

TEST(http_date_round_trip)
{
	unsigned count = 0;
	static const int64_t edges[] = {
		951782400LL,    /* 2000-02-29 */
		1709164800LL,   /* 2024-02-29 */
		2147472000LL,   /* 2038-01-19 */
		4107456000LL,   /* 2100-02-28 */
		-2203891200LL,  /* 1900-03-01 */
	};

	/* 1900-01-01 .. 2200-01-01, one day and 7 seconds at a time. */
	for (int64_t t = -2208988800LL; t < 7258118400LL; t += 86407)
		round_trip(t, &count);
	for (size_t i = 0; i < ARRAY_LEN(edges); i++) {
		for (int64_t t = edges[i] - 86400; t < edges[i] + 2 * 86400; t += 13)
			round_trip(t, &count);
	}
	/* Every year's first second and last second, 0000-9999. */
	for (int64_t y = 0; y <= 9999; y += 7) {
		char s[HTTP_DATE_SIZE];
		int64_t t, t2;

		snprintf(s, sizeof(s), "Mon, 01 Jan %04lld 00:00:00 GMT", (long long)y);
		CHECK_INT(date_at(s, NOW_2025, &t), 0);
		round_trip(t, &count);
		if (t > HTTP_DATE_MIN)
			round_trip(t - 1, &count);
		snprintf(s, sizeof(s), "Mon, 31 Dec %04lld 23:59:59 GMT", (long long)y);
		CHECK_INT(date_at(s, NOW_2025, &t2), 0);
		CHECK_INT(t2 - t, (365 + ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) * 86400 - 1);
	}
	CHECK(count > 40000);
}

/* ---- status text ---- */

TEST(http_status_text_known)
{
	static const int codes[] = { 200, 206, 304, 400, 403, 404, 405, 408,
	    412, 413, 414, 416, 431, 500, 501, 503, 505 };

	for (size_t i = 0; i < ARRAY_LEN(codes); i++)
		CHECK(strcmp(http_status_text(codes[i]), "Unknown") != 0);
	CHECK_STR(http_status_text(404), "Not Found");
	CHECK_STR(http_status_text(416), "Range Not Satisfiable");
	CHECK_STR(http_status_text(431), "Request Header Fields Too Large");
	CHECK_STR(http_status_text(999), "Unknown");
	CHECK_STR(http_status_text(-1), "Unknown");
}
