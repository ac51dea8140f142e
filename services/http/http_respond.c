/*
 * From a parsed request to a response plan: the status line and headers
 * in c->head, the body as pieces (generated text or ranges of the file).
 * Conditional requests (RFC 9110 13), ranges (RFC 9110 14) and directory
 * listings are decided here; nothing here does I/O on the socket.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "http/http_internal.h"

#define BOUNDARY "pxestick-byteranges-7d1f3a"

void
http_response_reset(struct http_conn *c)
{
	if (c->file_open)
		vfs_close(&c->file);
	c->file_open = 0;
	buf_free(&c->text);
	c->n_pieces = c->cur = 0;
	c->piece_done = 0;
	c->head_len = c->head_off = 0;
	c->body_sent = 0;
}

static void
add_piece(struct http_conn *c, enum http_piece_kind kind, uint64_t off, uint64_t len)
{
	if (len == 0 || c->n_pieces == sizeof(c->pieces) / sizeof(c->pieces[0]))
		return;
	c->pieces[c->n_pieces].kind = kind;
	c->pieces[c->n_pieces].off = off;
	c->pieces[c->n_pieces].len = len;
	c->n_pieces++;
}

/* Text appended to c->text becomes the next piece of the body. */
static void
add_text(struct http_conn *c, const char *s, size_t n)
{
	size_t off = c->text.len;

	buf_append(&c->text, s, n);
	add_piece(c, PIECE_TEXT, off, n);
}

static uint64_t
body_length(const struct http_conn *c)
{
	uint64_t n = 0;

	for (size_t i = 0; i < c->n_pieces; i++)
		n += c->pieces[i].len;
	return n;
}

/* Status line and the headers every response has; more may follow. */
static void
head_begin(struct http_conn *c, int status)
{
	char date[HTTP_DATE_SIZE];

	c->status = status;
	http_date_format((int64_t)time(NULL), date);
	c->head_len = (size_t)snprintf(c->head, sizeof(c->head),
	    "HTTP/1.1 %d %s\r\nDate: %s\r\nServer: pxestick\r\n", status,
	    http_status_text(status), date);
}

static void
head_add(struct http_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
head_add(struct http_conn *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->head_len >= sizeof(c->head))
		return;
	va_start(ap, fmt);
	n = vsnprintf(c->head + c->head_len, sizeof(c->head) - c->head_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		c->head_len += (size_t)n;
}

/* Content-Length, Connection and the blank line; HEAD sends no body. */
static void
head_end(struct http_conn *c, int is_head)
{
	head_add(c, "Content-Length: %llu\r\nConnection: %s\r\n\r\n",
	    (unsigned long long)body_length(c), c->keep_alive ? "keep-alive" : "close");
	if (c->head_len >= sizeof(c->head)) {
		/* A Location of a long path can overflow it: never send a cut head. */
		c->keep_alive = 0;
		c->head_len = (size_t)snprintf(c->head, sizeof(c->head),
		    "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n"
		    "Connection: close\r\n\r\n");
		c->n_pieces = 0;
		c->status = 500;
	}
	if (is_head)
		c->n_pieces = 0;
}

/* Text for HTML: & < > " ' escaped. */
static void
html_escape(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': buf_puts(b, "&amp;"); break;
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		case '\'': buf_puts(b, "&#39;"); break;
		default: buf_append(b, s, 1); break;
		}
	}
}

static void
url_escape(struct buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~/", ch) != NULL)
			buf_append(b, s, 1);
		else
			buf_printf(b, "%%%02X", ch);
	}
}

void
http_respond_error(struct http_conn *c, int status, const char *why)
{
	http_response_reset(c);
	/* After a bad request the byte stream cannot be trusted: close. */
	if (status == 400 || status == 408 || status == 413 || status == 414 ||
	    status == 431 || status == 501 || status == 505 || status == 503)
		c->keep_alive = 0;
	head_begin(c, status);
	head_add(c, "Content-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\n");
	if (status == 405)
		head_add(c, "Allow: GET, HEAD\r\n");
	buf_printf(&c->text, "<!DOCTYPE html>\n<title>%d %s</title>\n<h1>%d %s</h1>\n", status,
	    http_status_text(status), status, http_status_text(status));
	if (why != NULL && why[0]) {
		buf_puts(&c->text, "<p>");
		html_escape(&c->text, why);
		buf_puts(&c->text, "</p>\n");
	}
	add_piece(c, PIECE_TEXT, 0, c->text.len);
	head_end(c, strcmp(c->method, "HEAD") == 0);
}

struct listing {
	struct buf *b;
};

static void
list_entry(void *ctx, const char *name, int is_dir, uint64_t size, int64_t mtime)
{
	struct listing *l = ctx;
	char date[HTTP_DATE_SIZE];

	http_date_format(mtime, date);
	buf_puts(l->b, "<tr><td><a href=\"");
	url_escape(l->b, name);
	buf_puts(l->b, is_dir ? "/\">" : "\">");
	html_escape(l->b, name);
	buf_printf(l->b, "%s</a></td><td>%s</td><td>", is_dir ? "/" : "", date);
	if (is_dir)
		buf_puts(l->b, "-");
	else
		buf_printf(l->b, "%llu", (unsigned long long)size);
	buf_puts(l->b, "</td></tr>\n");
}

static void
respond_listing(struct http_conn *c, const char *prefix, const char *path, int is_head)
{
	struct listing l = { &c->text };

	buf_puts(&c->text, "<!DOCTYPE html>\n<meta charset=\"utf-8\">\n<title>Index of ");
	html_escape(&c->text, prefix);
	html_escape(&c->text, path);
	buf_puts(&c->text, "</title>\n<h1>Index of ");
	html_escape(&c->text, prefix);
	html_escape(&c->text, path);
	buf_puts(&c->text, "</h1>\n<table>\n<tr><th>Name</th><th>Modified</th><th>Size</th></tr>\n");
	if (strcmp(path, "/") != 0)
		buf_puts(&c->text, "<tr><td><a href=\"../\">../</a></td><td></td><td></td></tr>\n");
	else if (prefix[0] != '\0')
		buf_puts(&c->text, "<tr><td><a href=\"/status\">status page</a></td><td></td>"
		    "<td></td></tr>\n");
	vfs_list(&c->file, list_entry, &l);
	buf_puts(&c->text, "</table>\n");
	if (buf_failed(&c->text)) {
		http_respond_error(c, 500, "directory listing too large");
		return;
	}
	head_begin(c, 200);
	head_add(c, "Content-Type: text/html; charset=utf-8\r\nCache-Control: no-cache\r\n");
	add_piece(c, PIECE_TEXT, 0, c->text.len);
	head_end(c, is_head);
}

/* RFC 9110 13.2.2: If-None-Match, else If-Modified-Since -> 304. */
static int
not_modified(const struct http_conn *c, const struct http_request *req)
{
	int64_t ims;

	if (req->if_none_match.p != NULL)
		return http_etag_match(req->if_none_match.p, req->if_none_match.len,
		    c->file.etag, 1);
	if (req->if_modified_since.p != NULL &&
	    http_date_parse(req->if_modified_since.p, req->if_modified_since.len, &ims) == 0)
		return c->file.mtime <= ims;
	return 0;
}

/* If-Match / If-Unmodified-Since failing -> 412. */
static int
precondition_failed(const struct http_conn *c, const struct http_request *req)
{
	int64_t ius;

	if (req->if_match.p != NULL)
		return !http_etag_match(req->if_match.p, req->if_match.len, c->file.etag, 0);
	if (req->if_unmodified_since.p != NULL &&
	    http_date_parse(req->if_unmodified_since.p, req->if_unmodified_since.len, &ius) == 0)
		return c->file.mtime > ius;
	return 0;
}

/* RFC 9110 13.1.5: a Range is honoured only if If-Range still holds. */
static int
if_range_holds(const struct http_conn *c, const struct http_request *req)
{
	int64_t date;

	if (req->if_range.p == NULL)
		return 1;
	switch (http_if_range_parse(req->if_range.p, req->if_range.len, &date)) {
	case HTTP_IF_RANGE_ETAG:
		return http_etag_match(req->if_range.p, req->if_range.len, c->file.etag, 0);
	case HTTP_IF_RANGE_DATE:
		return date == c->file.mtime;
	default:
		return 0;
	}
}

/*
 * What caches in front of us (payload URLs, docs/MANY-CLIENTS.md) may do.
 * A file inside an ISO never changes while its URL names it: its ETag
 * (the ISO's mtime, the extent, the size) is strong, and the payload
 * check refuses a cache whose copy of an ISO differs from ours.  Files on
 * disk and generated documents change in place: a cache keeps them but
 * asks again (a 304 when nothing changed).  Nothing is negotiated, so no
 * response varies by a request header and none says Vary.
 */
static const char *
cache_control(enum vfs_kind kind)
{
	return kind == VFS_ISO ? "Cache-Control: public, max-age=31536000, immutable\r\n" :
	    "Cache-Control: no-cache\r\n";
}

static void
file_headers(struct http_conn *c, int status)
{
	char date[HTTP_DATE_SIZE];

	head_begin(c, status);
	http_date_format(c->file.mtime, date);
	head_add(c, "Last-Modified: %s\r\nETag: %s\r\nAccept-Ranges: bytes\r\n", date,
	    c->file.etag);
	head_add(c, "%s", cache_control(c->file.kind));
}

static void
respond_ranges(struct http_conn *c, const struct http_range *r, size_t n, int is_head)
{
	uint64_t size = c->file.size;

	if (n == 1) {
		file_headers(c, 206);
		head_add(c, "Content-Type: %s\r\nContent-Range: bytes %llu-%llu/%llu\r\n",
		    c->file.type, (unsigned long long)r[0].first, (unsigned long long)r[0].last,
		    (unsigned long long)size);
		add_piece(c, PIECE_FILE, r[0].first, r[0].last - r[0].first + 1);
		head_end(c, is_head);
		return;
	}
	/* RFC 9110 14.6: multipart/byteranges, one part per range. */
	file_headers(c, 206);
	head_add(c, "Content-Type: multipart/byteranges; boundary=" BOUNDARY "\r\n");
	for (size_t i = 0; i < n; i++) {
		char part[256];
		int len = snprintf(part, sizeof(part), "%s--" BOUNDARY "\r\nContent-Type: %s\r\n"
		    "Content-Range: bytes %llu-%llu/%llu\r\n\r\n", i ? "\r\n" : "", c->file.type,
		    (unsigned long long)r[i].first, (unsigned long long)r[i].last,
		    (unsigned long long)size);

		add_text(c, part, (size_t)len);
		add_piece(c, PIECE_FILE, r[i].first, r[i].last - r[i].first + 1);
	}
	add_text(c, "\r\n--" BOUNDARY "--\r\n", strlen("\r\n--" BOUNDARY "--\r\n"));
	if (buf_failed(&c->text)) {
		http_respond_error(c, 500, "out of memory");
		return;
	}
	head_end(c, is_head);
}

static void
respond_file(struct http_conn *c, const struct http_request *req, int is_head)
{
	struct http_range r[HTTP_MAX_RANGES];
	size_t n = 0;
	int rc = HTTP_RANGE_IGNORE;

	if (precondition_failed(c, req)) {
		http_respond_error(c, 412, NULL);
		return;
	}
	if (not_modified(c, req)) {
		/* 304 has no body and no Content-Length of its own. */
		file_headers(c, 304);
		head_add(c, "Connection: %s\r\n\r\n", c->keep_alive ? "keep-alive" : "close");
		c->n_pieces = 0;
		return;
	}
	if (req->range.p != NULL && if_range_holds(c, req))
		rc = http_range_parse(req->range.p, req->range.len, c->file.size, r,
		    HTTP_MAX_RANGES, &n);
	if (rc == HTTP_RANGE_UNSATISFIABLE) {
		http_response_reset(c);
		head_begin(c, 416);
		head_add(c, "Content-Range: bytes */%llu\r\n", (unsigned long long)c->file.size);
		head_end(c, is_head);
		return;
	}
	if (rc == HTTP_RANGE_OK && n > 0) {
		respond_ranges(c, r, n, is_head);
		return;
	}
	file_headers(c, 200);
	head_add(c, "Content-Type: %s\r\n", c->file.type);
	add_piece(c, PIECE_FILE, 0, c->file.size);
	head_end(c, is_head);
}

/* A document made for this request (the status pages): never cached. */
static void
respond_generated(struct http_conn *c, const char *type, int is_head)
{
	if (buf_failed(&c->text)) {
		http_respond_error(c, 500, "out of memory");
		return;
	}
	head_begin(c, 200);
	head_add(c, "Content-Type: %s\r\nCache-Control: no-store\r\n"
	    "X-Content-Type-Options: nosniff\r\nContent-Security-Policy: default-src 'none'; "
	    "script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'\r\n", type);
	add_piece(c, PIECE_TEXT, 0, c->text.len);
	head_end(c, is_head);
}

/* A redirect to prefix + path + tail (path URL-escaped): 301 for a
 * directory asked without its slash, 302 for / (the status page now; the
 * server's front page may change). */
static void
respond_redirect(struct http_conn *c, int status, const char *prefix, const char *path,
    const char *tail, int is_head)
{
	struct buf loc;

	buf_init(&loc);
	buf_puts(&loc, prefix);
	url_escape(&loc, path);
	buf_puts(&loc, tail);
	head_begin(c, status);
	head_add(c, "Location: %s\r\nContent-Type: text/html; charset=utf-8\r\n",
	    buf_failed(&loc) ? "/" : loc.data);
	buf_free(&loc);
	buf_printf(&c->text, "<!DOCTYPE html>\n<title>%d %s</title>\n", status,
	    http_status_text(status));
	add_piece(c, PIECE_TEXT, 0, c->text.len);
	head_end(c, is_head);
}

#define HTTP_FILES_PREFIX "/files"

/* /files/X is the tree's /X (the listing moved there when / became the
 * status page).  Strips the prefix in place; 1 when it was there. */
static int
strip_files_prefix(char *path)
{
	size_t n = sizeof(HTTP_FILES_PREFIX) - 1;

	if (strncmp(path, HTTP_FILES_PREFIX, n) != 0 || (path[n] != '\0' && path[n] != '/'))
		return 0;
	if (path[n] == '\0')
		memcpy(path, "/", 2);
	else
		memmove(path, path + n, strlen(path + n) + 1);
	return 1;
}

void
http_respond(struct http_conn *c, const struct http_request *req, char *path, size_t size)
{
	const struct http_config *cfg = &c->srv->cfg;
	struct vfs_request rq = { c->server_url, req->query.p, req->query.len };
	struct vfs *tree = *cfg->tree;
	const char *reason = NULL, *type, *prefix = "";
	int is_head = req->method == HTTP_HEAD, rc;

	http_response_reset(c);
	c->keep_alive = req->keep_alive;
	rc = vfs_path_clean(req->path.p, req->path.len, 1, path, size, &reason);
	if (rc != 0)
		path[0] = '\0';
	if (req->method == HTTP_OTHER) {
		http_respond_error(c, 405, "only GET and HEAD are served");
		return;
	}
	if (rc != 0) {
		log_msg("http: %s: refused path: %s", c->peer, reason);
		http_respond_error(c, 400, reason);
		return;
	}
	if (strcmp(path, "/") == 0 || strcmp(path, HTTP_FILES_PREFIX) == 0) {
		respond_redirect(c, path[1] ? 301 : 302, path[1] ? HTTP_FILES_PREFIX "/" : "/status",
		    "", "", is_head);
		return;
	}
	if (strip_files_prefix(path))
		prefix = HTTP_FILES_PREFIX;
	else if (cfg->page != NULL && cfg->page(cfg->page_ctx, path, req->query.p, req->query.len,
	    (const struct sockaddr *)&c->peer_addr, &c->text, &type) == 0) {
		respond_generated(c, type, is_head);
		return;
	}
	rc = vfs_open(tree, path, &rq, &c->file);
	if (rc == VFS_NOKEYS) {
		log_msg("http: %s asked for /script.cfg, but it is not served: %s", c->peer,
		    tree->script_reason);
		http_respond_error(c, 404, "no SSH keys are configured on this server");
		return;
	}
	if (rc != VFS_OK) {
		http_respond_error(c, rc == VFS_ENOENT ? 404 : rc == VFS_EACCES ? 403 : 500, NULL);
		return;
	}
	c->file_open = 1;
	if (c->file.kind == VFS_DIR) {
		size_t n = strlen(path);

		if (n > 1 && path[n - 1] != '/')
			respond_redirect(c, 301, prefix, path, "/", is_head);
		else
			respond_listing(c, prefix, path, is_head);
		return;
	}
	respond_file(c, req, is_head);
}
