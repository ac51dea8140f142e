/*
 * The request head (RFC 9112 2-7, RFC 9110 5, 7.2): where it ends, and
 * what it says.  Strict where the RFCs say MUST -- the framing fields
 * (Content-Length, Transfer-Encoding, Host) decide where the next request
 * starts, and every disagreement about them between two parsers is a
 * request-smuggling bug -- and lenient only where real clients need it:
 * bare LF line ends, leading empty lines, raw non-ASCII in the target.
 */
#include <string.h>

#include "http/http_parse.h"

/* The path of an absolute-form target with an empty path (RFC 9110 4.2.1). */
static const char root_path[] = "/";

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_hex(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* tchar (RFC 9110 5.6.2). */
static int
is_tchar(unsigned char c)
{
	if (is_alpha(c) || is_digit(c))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* unreserved and sub-delims (RFC 3986 2.3, 2.2). */
static int
is_unreserved(unsigned char c)
{
	return is_alpha(c) || is_digit(c) || c == '-' || c == '.' ||
	    c == '_' || c == '~';
}

static int
is_subdelim(unsigned char c)
{
	return c != '\0' && strchr("!$&'()*+,;=", c) != NULL;
}

/* Is p[0..n) exactly the lower-case literal lit, ignoring ASCII case? */
static int
caseeq(const char *p, size_t n, const char *lit)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (lit[i] == '\0' ||
		    http_ascii_lower((unsigned char)p[i]) != (unsigned char)lit[i])
			return 0;
	}
	return lit[i] == '\0';
}

static int
eq(const char *p, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(p, lit, n) == 0;
}

/* Up to HTTP_MAX_EMPTY_LINES leading empty lines: their length in bytes. */
static size_t
skip_empty_lines(const char *buf, size_t len)
{
	size_t off = 0;

	for (unsigned i = 0; i < HTTP_MAX_EMPTY_LINES; i++) {
		if (len - off >= 1 && buf[off] == '\n')
			off += 1;
		else if (len - off >= 2 && buf[off] == '\r' && buf[off + 1] == '\n')
			off += 2;
		else
			break;
	}
	return off;
}

size_t
http_head_end(const char *buf, size_t len, size_t from)
{
	size_t skip = skip_empty_lines(buf, len);
	/* The head ends at LF [CR] LF whose first LF ends a non-empty line.
	 * That LF is at skip - 1 at the earliest: the end of the last skipped
	 * line, which matters only when one empty line too many follows. */
	size_t i = skip > 0 ? skip - 1 : 0;

	if (from > len)
		from = len;
	/* A match not seen before from started at from - 2 or later. */
	if (from > 2 && from - 2 > i)
		i = from - 2;
	while (i < len) {
		const char *lf = memchr(buf + i, '\n', len - i);

		if (lf == NULL)
			return 0;
		i = (size_t)(lf - buf);
		if (len - i >= 2 && buf[i + 1] == '\n')
			return i + 2;
		if (len - i >= 3 && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
		i++;
	}
	return 0;
}

/*
 * The line at (*p, *rem), without its CRLF or LF; advances past it.
 * Returns 1 for a line, 0 when no LF is left (*line, *n then hold the
 * unfinished rest), -1 on a NUL or a CR not followed by LF (RFC 9112 2.2).
 */
static int
take_line(const char **p, size_t *rem, const char **line, size_t *n)
{
	const char *lf = *rem > 0 ? memchr(*p, '\n', *rem) : NULL;
	size_t end = lf != NULL ? (size_t)(lf - *p) : *rem;
	size_t len = end, check = end;

	if (lf != NULL && len > 0 && (*p)[len - 1] == '\r')
		len = check = len - 1;
	else if (lf == NULL && len > 0 && (*p)[len - 1] == '\r')
		check = len - 1;        /* may be the CR of a CRLF to come */
	for (size_t i = 0; i < check; i++) {
		if ((*p)[i] == '\0' || (*p)[i] == '\r')
			return -1;
	}
	*line = *p;
	*n = len;
	if (lf == NULL) {
		if (*rem > 0)
			*p += *rem;
		*rem = 0;
		return 0;
	}
	*p += end + 1;
	*rem -= end + 1;
	return 1;
}

/*
 * uri-host [ ":" port ] (RFC 9110 7.2, 4.2.3; RFC 3986 3.2.2): an
 * IP-literal in brackets or a reg-name (possibly empty), then digits.
 * No userinfo: '@' is not allowed.
 */
static int
authority_valid(const char *p, size_t n, int need_host, int need_port)
{
	size_t i = 0;

	if (n > 0 && p[0] == '[') {
		for (i = 1; i < n && p[i] != ']'; i++) {
			unsigned char c = (unsigned char)p[i];

			if (!is_unreserved(c) && !is_subdelim(c) && c != ':')
				return 0;
		}
		if (i == n || i == 1)
			return 0;
		i++;
	} else {
		while (i < n && p[i] != ':') {
			unsigned char c = (unsigned char)p[i];

			if (c == '%') {
				if (n - i < 3 || !is_hex((unsigned char)p[i + 1]) ||
				    !is_hex((unsigned char)p[i + 2]))
					return 0;
				i += 3;
				continue;
			}
			if (!is_unreserved(c) && !is_subdelim(c))
				return 0;
			i++;
		}
		if (i == 0 && need_host)
			return 0;
	}
	if (i == n)
		return !need_port;
	if (p[i] != ':')
		return 0;
	i++;
	if (i == n && need_port)
		return 0;
	for (; i < n; i++) {
		if (!is_digit((unsigned char)p[i]))
			return 0;
	}
	return 1;
}

/* Split p[0..n), which starts with '/' or '?' or is empty, into path and
 * query; an empty path becomes "/". */
static void
split_path(struct http_request *req, const char *p, size_t n)
{
	const char *q = n > 0 ? memchr(p, '?', n) : NULL;
	size_t plen = q != NULL ? (size_t)(q - p) : n;

	if (plen == 0) {
		req->path.p = root_path;
		req->path.len = 1;
	} else {
		req->path.p = p;
		req->path.len = plen;
	}
	if (q != NULL) {
		req->query.p = q + 1;
		req->query.len = n - plen - 1;
	}
}

/* The target's form, path, query and authority (RFC 9112 3.2). */
static int
parse_target(struct http_request *req)
{
	const char *t = req->target.p;
	size_t n = req->target.len, i;

	/* Every '%' starts a pct-encoded octet (RFC 3986 2.1). */
	for (i = 0; i < n; i++) {
		if (t[i] == '%' && (n - i < 3 || !is_hex((unsigned char)t[i + 1]) ||
		    !is_hex((unsigned char)t[i + 2])))
			return 400;
	}
	if (t[0] == '/') {
		req->form = HTTP_TARGET_ORIGIN;
		split_path(req, t, n);
		return 0;
	}
	if (n == 1 && t[0] == '*') {
		if (!eq(req->method_name.p, req->method_name.len, "OPTIONS"))
			return 400;
		req->form = HTTP_TARGET_ASTERISK;
		return 0;
	}
	/* absolute-form: scheme "://" authority path-abempty [ "?" query ]. */
	for (i = 0; i < n && (is_alpha((unsigned char)t[i]) ||
	    (i > 0 && (is_digit((unsigned char)t[i]) || t[i] == '+' ||
	    t[i] == '-' || t[i] == '.'))); i++)
		;
	if (i > 0 && n - i >= 3 && memcmp(t + i, "://", 3) == 0) {
		size_t a, alen;

		if (!caseeq(t, i, "http") && !caseeq(t, i, "https"))
			return 400;
		a = i + 3;
		for (alen = 0; a + alen < n && t[a + alen] != '/' &&
		    t[a + alen] != '?'; alen++)
			;
		/* RFC 9110 4.2.1: an empty host MUST be rejected; 4.2.4:
		 * userinfo is an error (authority_valid() refuses '@'). */
		if (!authority_valid(t + a, alen, 1, 0))
			return 400;
		req->form = HTTP_TARGET_ABSOLUTE;
		req->host.p = t + a;
		req->host.len = alen;
		split_path(req, t + a + alen, n - a - alen);
		return 0;
	}
	if (eq(req->method_name.p, req->method_name.len, "CONNECT") &&
	    authority_valid(t, n, 1, 1)) {
		req->form = HTTP_TARGET_AUTHORITY;
		return 0;
	}
	return 400;
}

/*
 * method SP request-target SP HTTP-version (RFC 9112 3), exactly one SP
 * each.  complete: the line ended with LF; if not, reaching its end is
 * 431 (or 414 once the target is too long), not 400.
 */
static int
parse_request_line(struct http_request *req, const char *l, size_t n,
    int complete)
{
	size_t i, start;
	const char *v;

	for (i = 0; i < n && is_tchar((unsigned char)l[i]); i++)
		;
	if (i == n && !complete)
		return 431;
	if (i == 0 || i == n || l[i] != ' ')
		return 400;
	req->method_name.p = l;
	req->method_name.len = i;
	if (eq(l, i, "GET"))
		req->method = HTTP_GET;
	else if (eq(l, i, "HEAD"))
		req->method = HTTP_HEAD;
	else
		req->method = HTTP_OTHER;

	/* The target: no CTL, no SP (the separator), no '#' (a fragment is
	 * never sent); non-ASCII is let through for clients that send raw
	 * UTF-8 -- the file tree decodes and checks the path. */
	start = ++i;
	for (; i < n && l[i] != ' '; i++) {
		unsigned char c = (unsigned char)l[i];

		if (i - start >= HTTP_MAX_TARGET)
			return 414;
		if (c < 0x21 || c == 0x7f || c == '#')
			return 400;
	}
	if (i == n && !complete)
		return 431;
	if (i == start || i == n)
		return 400;
	if (!complete)
		return 431;     /* the version is short: the line is too long */
	req->target.p = l + start;
	req->target.len = i - start;

	/* HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive (2.3). */
	v = l + i + 1;
	if (n - i - 1 != 8 || memcmp(v, "HTTP/", 5) != 0 ||
	    !is_digit((unsigned char)v[5]) || v[6] != '.' ||
	    !is_digit((unsigned char)v[7]))
		return 400;
	if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
		return 505;
	req->version_minor = v[7] - '0';
	return parse_target(req);
}

/* Per-request state of the header fields that need more than a view. */
struct fields {
	int host_seen;
	int cl_seen;
	int te_seen;
	int te_chunked_last;    /* the last coding so far is chunked */
	int te_chunked_count;
	int conn_close;
	int conn_keep_alive;
	struct http_view host;
};

/*
 * The elements of a comma-separated list v[0..n) (RFC 9110 5.6.1), each
 * with OWS trimmed; empty elements are passed too (callers skip them).
 * Calls fn for each; stops at the first non-zero result and returns it.
 */
static int
list_each(const char *v, size_t n, int (*fn)(struct fields *, const char *, size_t),
    struct fields *f)
{
	size_t off = 0;

	for (;;) {
		const char *comma = n > off ? memchr(v + off, ',', n - off) : NULL;
		size_t end = comma != NULL ? (size_t)(comma - v) : n;
		size_t a = off, b = end;
		int rc;

		while (a < b && is_ows(v[a]))
			a++;
		while (b > a && is_ows(v[b - 1]))
			b--;
		if ((rc = fn(f, v + a, b - a)) != 0)
			return rc;
		if (comma == NULL)
			return 0;
		off = end + 1;
	}
}

static int
is_token(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!is_tchar((unsigned char)p[i]))
			return 0;
	}
	return n > 0;
}

/* One Connection option (RFC 9110 7.6.1). */
static int
connection_option(struct fields *f, const char *e, size_t n)
{
	if (n == 0)
		return 0;
	if (!is_token(e, n))
		return 400;
	if (caseeq(e, n, "close"))
		f->conn_close = 1;
	else if (caseeq(e, n, "keep-alive"))
		f->conn_keep_alive = 1;
	return 0;
}

/* One transfer-coding (RFC 9112 6.1, 7): the registered ones, without
 * parameters (none of them has any). */
static int
transfer_coding(struct fields *f, const char *e, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n && is_tchar((unsigned char)e[i]); i++)
		;
	if (i == 0)
		return 400;
	if (i < n) {
		/* token OWS ";" ...: a parameter no coding we know takes. */
		while (i < n && is_ows(e[i]))
			i++;
		return i < n && e[i] == ';' ? 501 : 400;
	}
	if (caseeq(e, n, "chunked")) {
		f->te_chunked_count++;
		f->te_chunked_last = 1;
		return 0;
	}
	if (caseeq(e, n, "gzip") || caseeq(e, n, "x-gzip") ||
	    caseeq(e, n, "deflate") || caseeq(e, n, "compress") ||
	    caseeq(e, n, "x-compress")) {
		f->te_chunked_last = 0;
		return 0;
	}
	return 501;
}

/* Content-Length = 1*DIGIT (RFC 9110 8.6); values past UINT64_MAX are
 * kept as UINT64_MAX, and all lines must agree. */
static int
content_length(struct http_request *req, struct fields *f, const char *v,
    size_t n)
{
	uint64_t x = 0;

	if (n == 0)
		return 400;
	for (size_t i = 0; i < n; i++) {
		unsigned d;

		if (!is_digit((unsigned char)v[i]))
			return 400;
		d = (unsigned)(v[i] - '0');
		x = x > (UINT64_MAX - d) / 10 ? UINT64_MAX : x * 10 + d;
	}
	if (f->cl_seen && x != req->content_length)
		return 400;
	f->cl_seen = 1;
	req->content_length = x;
	return 0;
}

/* A field we compare as one value: a second line is an error. */
static int
single(struct http_view *dst, const char *v, size_t n)
{
	if (dst->p != NULL)
		return 400;
	dst->p = v;
	dst->len = n;
	return 0;
}

/* One header line "name: value", neither empty nor starting with OWS. */
static int
parse_field(struct http_request *req, struct fields *f, const char *l,
    size_t n)
{
	const char *name = l, *v;
	size_t nlen, vlen, i;

	for (nlen = 0; nlen < n && is_tchar((unsigned char)l[nlen]); nlen++)
		;
	/* RFC 9112 5.1: no whitespace between name and colon, MUST 400. */
	if (nlen == 0 || nlen == n || l[nlen] != ':')
		return 400;
	v = l + nlen + 1;
	vlen = n - nlen - 1;
	while (vlen > 0 && is_ows(v[0])) {
		v++;
		vlen--;
	}
	while (vlen > 0 && is_ows(v[vlen - 1]))
		vlen--;
	/* field-vchar, SP, HTAB, obs-text (RFC 9110 5.5): other CTLs and DEL
	 * are refused, not passed on. */
	for (i = 0; i < vlen; i++) {
		unsigned char c = (unsigned char)v[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return 400;
	}

	if (caseeq(name, nlen, "host")) {
		/* RFC 9112 3.2: one Host line with a valid value, MUST 400. */
		if (f->host_seen || !authority_valid(v, vlen, 0, 0))
			return 400;
		f->host_seen = 1;
		f->host.p = v;
		f->host.len = vlen;
		return 0;
	}
	if (caseeq(name, nlen, "content-length"))
		return content_length(req, f, v, vlen);
	if (caseeq(name, nlen, "transfer-encoding")) {
		f->te_seen = 1;
		return list_each(v, vlen, transfer_coding, f);
	}
	if (caseeq(name, nlen, "connection"))
		return list_each(v, vlen, connection_option, f);
	if (caseeq(name, nlen, "range"))
		return single(&req->range, v, vlen);
	if (caseeq(name, nlen, "if-range"))
		return single(&req->if_range, v, vlen);
	if (caseeq(name, nlen, "if-match"))
		return single(&req->if_match, v, vlen);
	if (caseeq(name, nlen, "if-none-match"))
		return single(&req->if_none_match, v, vlen);
	if (caseeq(name, nlen, "if-modified-since"))
		return single(&req->if_modified_since, v, vlen);
	if (caseeq(name, nlen, "if-unmodified-since"))
		return single(&req->if_unmodified_since, v, vlen);
	if (caseeq(name, nlen, "user-agent") && req->user_agent.p == NULL) {
		req->user_agent.p = v;
		req->user_agent.len = vlen;
	}
	return 0;
}

int
http_parse_request(const char *head, size_t len, struct http_request *req)
{
	struct fields f;
	const char *p = head, *line;
	size_t rem = len, n, skip;
	int r, status;

	memset(req, 0, sizeof(*req));
	memset(&f, 0, sizeof(f));

	if ((skip = skip_empty_lines(head, len)) > 0) {
		p += skip;
		rem -= skip;
	}
	if ((r = take_line(&p, &rem, &line, &n)) < 0)
		return 400;
	if ((status = parse_request_line(req, line, n, r)) != 0)
		return status;
	if (r == 0)
		return 431;
	if (len > HTTP_MAX_HEAD_BYTES)
		return 431;

	for (;;) {
		if ((r = take_line(&p, &rem, &line, &n)) < 0)
			return 400;
		if (r == 0)
			return 431;     /* no empty line: not complete */
		if (n == 0)
			break;
		if (++req->nheaders > HTTP_MAX_HEADERS)
			return 431;
		/* obs-fold, or whitespace before the first field (RFC 9112
		 * 5.2, 2.2): rejected. */
		if (is_ows(line[0]))
			return 400;
		if ((status = parse_field(req, &f, line, n)) != 0)
			return status;
	}
	if (rem != 0)
		return 400;     /* bytes after the head: not as http_head_end() */

	if (req->version_minor == 1 && !f.host_seen)
		return 400;
	if (f.te_seen) {
		/* RFC 9112 6.1, 6.3: TE with CL, TE in HTTP/1.0, or a final
		 * coding other than chunked: the framing is broken. */
		if (f.cl_seen || req->version_minor == 0 ||
		    !f.te_chunked_last || f.te_chunked_count != 1)
			return 400;
	}
	req->has_body = f.te_seen || req->content_length > 0;
	if (req->has_body && req->method != HTTP_OTHER)
		return 413;
	if (req->form != HTTP_TARGET_ABSOLUTE)
		req->host = f.host;
	if (req->version_minor == 1)
		req->keep_alive = !f.conn_close;
	else
		req->keep_alive = f.conn_keep_alive && !f.conn_close;
	if (req->has_body)
		req->keep_alive = 0;
	return 0;
}

const char *
http_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 416: return "Range Not Satisfiable";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}
