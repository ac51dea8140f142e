/*
 * A growable byte buffer for generated documents (boot.ipxe, script.cfg,
 * the status page).  Allocation failure or exceeding the cap is sticky:
 * later appends do nothing and buf_failed() says so, so callers check once
 * at the end.
 *
 * With it, a tiny JSON writer (struct json) and escapers for JSON strings
 * and HTML text.  Both escapers take any bytes -- peer bytes included --
 * and always produce valid output.
 */
#ifndef PXESTICK_COMMON_BUF_H
#define PXESTICK_COMMON_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
	char *data;     /* NUL-terminated when len > 0 */
	size_t len;
	size_t cap;
	size_t max;     /* 0: BUF_DEFAULT_MAX */
	int failed;
};

#define BUF_DEFAULT_MAX (16u * 1024 * 1024)

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_failed(const struct buf *b);

/*
 * p[0..len) as a JSON string, quotes included (RFC 8259 7).  " and \ are
 * escaped, control bytes and DEL become \u00XX, < > & become \u003c ...
 * (the text may end up inside HTML), U+2028/U+2029 are escaped (they end
 * lines in JavaScript), and a byte that does not start a well-formed UTF-8
 * sequence (overlong, surrogate, above U+10FFFF, cut short) becomes
 * \ufffd.  NUL bytes are escaped like any control byte.
 */
void buf_json_string(struct buf *b, const void *p, size_t len);

/* p[0..len) as HTML text or attribute value: & < > " ' escaped, control
 * bytes (but tab and newline) replaced by U+FFFD, bad UTF-8 likewise. */
void buf_html(struct buf *b, const void *p, size_t len);

/* A path as a URL's path: unreserved bytes and '/' as they are, every
 * other byte %XX (what iPXE, curl and HTTP servers all read the same). */
void buf_url_path(struct buf *b, const char *path);

/*
 * A JSON writer: commas and colons are placed by the writer, so callers
 * only say what comes next.  Nesting deeper than JSON_MAX_DEPTH, a value
 * where a key is due or a key outside an object fail the buffer (sticky,
 * buf_failed()): a document is written whole or not at all.
 *
 *   json_init(&j, &b);
 *   json_object(&j);
 *   json_key(&j, "name"); json_str(&j, "x");
 *   json_key(&j, "list"); json_array(&j); json_u64(&j, 1); json_end(&j);
 *   json_end(&j);
 */
#define JSON_MAX_DEPTH 32

struct json {
	struct buf *b;
	unsigned depth;
	uint8_t kind[JSON_MAX_DEPTH];   /* per level: 'o' object, 'a' array */
	uint8_t count[JSON_MAX_DEPTH];  /* per level: members written (saturating) */
	int after_key;                  /* a key was written, its value is due */
};

void json_init(struct json *j, struct buf *b);
void json_object(struct json *j);
void json_array(struct json *j);
void json_end(struct json *j);          /* closes the innermost object or array */
void json_key(struct json *j, const char *key);
void json_string(struct json *j, const void *p, size_t len);
void json_str(struct json *j, const char *s);   /* NULL writes null */
void json_u64(struct json *j, uint64_t v);
void json_i64(struct json *j, int64_t v);
void json_bool(struct json *j, int v);
void json_null(struct json *j);

#endif
