/*
 * Fuzz target: the HTTP request head and the values the server reads out
 * of it (services/http/http_parse.h).
 *
 * The input is what a client sends.  http_head_end() must find the same
 * end however the bytes are split into reads; http_parse_request() parses
 * the head it found (or the whole input, as a full buffer, when there is
 * none) and must never accept an unfinished head; on success every view
 * lies inside the input, and the Range, If-* and date values go through
 * their parsers with a few representation sizes.  The whole input is also
 * fed to the range, entity-tag and date parsers directly, so they are
 * fuzzed without a valid request around them.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http/http_parse.h"

#define NOW 1748736000  /* 2025-06-01, for two-digit years */

static const char etag_strong[] = "\"5f3a-1a2b\"";
static const char etag_weak[] = "W/\"5f3a-1a2b\"";

static void
check(int cond)
{
	if (!cond)
		__builtin_trap();
}

static void
check_view(struct http_view v, const char *buf, size_t len)
{
	if (v.p == NULL) {
		check(v.len == 0);
		return;
	}
	check(v.p >= buf && v.len <= len && (size_t)(v.p - buf) <= len - v.len);
}

static void
check_ranges(const char *v, size_t len)
{
	static const uint64_t sizes[] = { 0, 1, 1000, (uint64_t)1 << 40, UINT64_MAX };
	struct http_range out[HTTP_MAX_RANGES];

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t n = 12345;
		int rc = http_range_parse(v, len, sizes[s], out, HTTP_MAX_RANGES, &n);

		if (rc != HTTP_RANGE_OK) {
			check(n == 0);
			check(rc == HTTP_RANGE_IGNORE || rc == HTTP_RANGE_UNSATISFIABLE);
			continue;
		}
		check(n >= 1 && n <= HTTP_MAX_RANGES);
		for (size_t i = 0; i < n; i++)
			check(out[i].first <= out[i].last && out[i].last < sizes[s]);
	}
}

static void
check_date(const char *v, size_t len)
{
	int64_t t, back;
	char out[HTTP_DATE_SIZE];

	if (http_date_parse_at(v, len, NOW, &t) != 0)
		return;
	/* What parses formats back to itself (within 0000-9999, leap second
	 * 9999-12-31 23:59:60 aside). */
	if (t > HTTP_DATE_MAX)
		return;
	check(t >= HTTP_DATE_MIN);
	check(http_date_format(t, out) == HTTP_DATE_LEN);
	check(out[HTTP_DATE_LEN] == '\0' && strlen(out) == HTTP_DATE_LEN);
	check(http_date_parse_at(out, HTTP_DATE_LEN, NOW, &back) == 0 && back == t);
}

static void
check_etags(const char *v, size_t len)
{
	int64_t t;
	int a = http_etag_match(v, len, etag_strong, 1);
	int b = http_etag_match(v, len, etag_strong, 0);
	int c = http_etag_match(v, len, etag_weak, 1);
	int d = http_etag_match(v, len, etag_weak, 0);
	int k = http_if_range_parse(v, len, &t);

	check(a >= 0 && a <= 1 && b >= 0 && b <= 1);
	check(c >= 0 && c <= 1 && d >= 0 && d <= 1);
	/* A strong match is also a weak one; a weak tag of ours never
	 * matches strongly except through "*". */
	check(b != 1 || a == 1);
	check(d != 1 || (len == 1 && v[0] == '*'));
	check(k == HTTP_IF_RANGE_INVALID || k == HTTP_IF_RANGE_ETAG ||
	    k == HTTP_IF_RANGE_DATE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct http_request req;
	size_t head, len;
	int status;

	head = http_head_end(buf, size, 0);
	check(head <= size);
	/* The same end when the bytes arrive in two reads, split anywhere
	 * (a few split points, the terminator's neighbourhood included). */
	{
		size_t splits[] = { 1, 2, size / 3, size / 2, head > 0 ? head - 1 : 0,
		    head > 1 ? head - 2 : 0, head > 2 ? head - 3 : 0 };

		for (size_t i = 0; i < sizeof(splits) / sizeof(splits[0]); i++) {
			size_t k = splits[i], first;

			if (k > size)
				continue;
			first = http_head_end(buf, k, 0);
			if (first != 0)
				check(first == head);
			else
				check(http_head_end(buf, size, k) == head);
		}
	}

	len = head > 0 ? head : size;
	status = http_parse_request(buf, len, &req);
	check(status == 0 || status == 400 || status == 413 || status == 414 ||
	    status == 431 || status == 501 || status == 505);
	check(strcmp(http_status_text(status == 0 ? 200 : status), "Unknown") != 0);
	if (head == 0)
		check(status != 0);     /* never accept an unfinished head */
	if (status == 0) {
		check_view(req.method_name, buf, len);
		check_view(req.target, buf, len);
		check_view(req.query, buf, len);
		check_view(req.host, buf, len);
		check_view(req.range, buf, len);
		check_view(req.if_range, buf, len);
		check_view(req.if_match, buf, len);
		check_view(req.if_none_match, buf, len);
		check_view(req.if_modified_since, buf, len);
		check_view(req.if_unmodified_since, buf, len);
		check_view(req.user_agent, buf, len);
		if (req.path.p != NULL && !(req.path.len == 1 && req.path.p[0] == '/'))
			check_view(req.path, buf, len);
		check(req.method_name.len > 0 && req.target.len > 0 &&
		    req.target.len <= HTTP_MAX_TARGET);
		check(req.version_minor == 0 || req.version_minor == 1);
		check(req.keep_alive == 0 || req.keep_alive == 1);
		check(!req.has_body || (!req.keep_alive && req.method == HTTP_OTHER));
		check(req.nheaders <= HTTP_MAX_HEADERS && len <= HTTP_MAX_HEAD_BYTES);
		check(req.version_minor == 0 || req.host.p != NULL);
		if (req.form == HTTP_TARGET_ORIGIN || req.form == HTTP_TARGET_ABSOLUTE)
			check(req.path.p != NULL && req.path.len > 0 && req.path.p[0] == '/');
		if (req.method == HTTP_GET)
			check(req.method_name.len == 3 && memcmp(req.method_name.p, "GET", 3) == 0);
		if (req.method == HTTP_HEAD)
			check(req.method_name.len == 4 && memcmp(req.method_name.p, "HEAD", 4) == 0);

		check_ranges(req.range.p, req.range.len);
		if (req.if_modified_since.p != NULL) {
			int64_t t;

			if (http_date_parse(req.if_modified_since.p,
			    req.if_modified_since.len, &t) == 0)
				check(t >= HTTP_DATE_MIN && t <= HTTP_DATE_MAX + 1);
			check_date(req.if_modified_since.p, req.if_modified_since.len);
		}
		if (req.if_none_match.p != NULL)
			check_etags(req.if_none_match.p, req.if_none_match.len);
		if (req.if_range.p != NULL)
			check_etags(req.if_range.p, req.if_range.len);
	}

	/* The value parsers on the raw input. */
	if (size <= 1024) {
		check_ranges(buf, size);
		check_date(buf, size);
		check_etags(buf, size);
	}
	return 0;
}
