#include "common/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
buf_init(struct buf *b)
{
	memset(b, 0, sizeof(*b));
}

void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

static int
buf_reserve(struct buf *b, size_t n)
{
	size_t max = b->max ? b->max : BUF_DEFAULT_MAX, ncap;
	char *p;

	if (b->failed)
		return -1;
	if (n > max || b->len > max - n) {
		b->failed = 1;
		return -1;
	}
	if (b->len + n + 1 <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 256;
	while (ncap < b->len + n + 1)
		ncap *= 2;
	p = realloc(b->data, ncap);
	if (p == NULL) {
		b->failed = 1;
		return -1;
	}
	b->data = p;
	b->cap = ncap;
	return 0;
}

void
buf_append(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) != 0)
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(b, (size_t)n) != 0) {
		b->failed = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

int
buf_failed(const struct buf *b)
{
	return b->failed;
}

/* ---- escaping ---- */

/*
 * Length of the well-formed UTF-8 sequence at p (RFC 3629 4: no
 * overlongs, no surrogates, nothing above U+10FFFF), or 0.
 */
static size_t
utf8_seq(const unsigned char *p, size_t len)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (len < n)
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

void
buf_json_string(struct buf *b, const void *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = src;
	size_t i = 0, run = 0;

	buf_append(b, "\"", 1);
	while (i < len) {
		unsigned char c = p[i];
		char esc[8];
		size_t n;

		if (c >= 0x80) {
			size_t skip = 1;

			n = utf8_seq(p + i, len - i);
			if (n == 3 && c == 0xe2 && p[i + 1] == 0x80 &&
			    (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
				memcpy(esc, p[i + 2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
				skip = 3;
			} else if (n == 0) {
				memcpy(esc, "\\ufffd", 6);
			} else {
				run += n;
				i += n;
				continue;
			}
			buf_append(b, p + i - run, run);
			buf_append(b, esc, 6);
			run = 0;
			i += skip;
			continue;
		}
		if (c >= 0x20 && c != 0x7f && c != '"' && c != '\\' && c != '<' && c != '>' &&
		    c != '&') {
			run++;
			i++;
			continue;
		}
		buf_append(b, p + i - run, run);
		run = 0;
		switch (c) {
		case '"': buf_append(b, "\\\"", 2); break;
		case '\\': buf_append(b, "\\\\", 2); break;
		case '\n': buf_append(b, "\\n", 2); break;
		case '\r': buf_append(b, "\\r", 2); break;
		case '\t': buf_append(b, "\\t", 2); break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			buf_append(b, esc, 6);
			break;
		}
		i++;
	}
	buf_append(b, p + i - run, run);
	buf_append(b, "\"", 1);
}

void
buf_url_path(struct buf *b, const char *path)
{
	for (; *path; path++) {
		unsigned char c = (unsigned char)*path;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~/", c) != NULL)
			buf_append(b, &c, 1);
		else
			buf_printf(b, "%%%02X", c);
	}
}

void
buf_html(struct buf *b, const void *src, size_t len)
{
	const unsigned char *p = src;
	size_t i = 0, run = 0;

	while (i < len) {
		unsigned char c = p[i];
		const char *rep = NULL;
		size_t n = 1;

		if (c >= 0x80) {
			n = utf8_seq(p + i, len - i);
			if (n > 0) {
				run += n;
				i += n;
				continue;
			}
			n = 1;
			rep = "\xef\xbf\xbd";
		} else if (c == '&') {
			rep = "&amp;";
		} else if (c == '<') {
			rep = "&lt;";
		} else if (c == '>') {
			rep = "&gt;";
		} else if (c == '"') {
			rep = "&quot;";
		} else if (c == '\'') {
			rep = "&#39;";
		} else if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) {
			rep = "\xef\xbf\xbd";
		}
		if (rep == NULL) {
			run++;
			i++;
			continue;
		}
		buf_append(b, p + i - run, run);
		buf_puts(b, rep);
		run = 0;
		i += n;
	}
	buf_append(b, p + i - run, run);
}

/* ---- the JSON writer ---- */

void
json_init(struct json *j, struct buf *b)
{
	memset(j, 0, sizeof(*j));
	j->b = b;
}

static void
json_fail(struct json *j)
{
	j->b->failed = 1;
}

/* Before any value: the comma of an array, the check that an object
 * member has its key. */
static int
json_value(struct json *j)
{
	if (j->depth == 0) {
		if (j->count[0] != 0 && j->kind[0] == 0) {
			json_fail(j); /* one top-level value */
			return -1;
		}
		return 0;
	}
	if (j->kind[j->depth - 1] == 'o') {
		if (!j->after_key) {
			json_fail(j);
			return -1;
		}
		j->after_key = 0;
		return 0;
	}
	if (j->count[j->depth - 1] != 0)
		buf_append(j->b, ",", 1);
	if (j->count[j->depth - 1] < UINT8_MAX)
		j->count[j->depth - 1]++;
	return 0;
}

static void
json_open(struct json *j, char kind)
{
	if (json_value(j) != 0)
		return;
	if (j->depth == JSON_MAX_DEPTH) {
		json_fail(j);
		return;
	}
	buf_append(j->b, kind == 'o' ? "{" : "[", 1);
	j->kind[j->depth] = (uint8_t)kind;
	j->count[j->depth] = 0;
	j->depth++;
}

void
json_object(struct json *j)
{
	json_open(j, 'o');
}

void
json_array(struct json *j)
{
	json_open(j, 'a');
}

void
json_end(struct json *j)
{
	if (j->depth == 0 || j->after_key) {
		json_fail(j);
		return;
	}
	j->depth--;
	buf_append(j->b, j->kind[j->depth] == 'o' ? "}" : "]", 1);
	if (j->depth == 0)
		j->count[0] = 1, j->kind[0] = 0;
}

void
json_key(struct json *j, const char *key)
{
	if (j->depth == 0 || j->kind[j->depth - 1] != 'o' || j->after_key) {
		json_fail(j);
		return;
	}
	if (j->count[j->depth - 1] != 0)
		buf_append(j->b, ",", 1);
	if (j->count[j->depth - 1] < UINT8_MAX)
		j->count[j->depth - 1]++;
	buf_json_string(j->b, key, strlen(key));
	buf_append(j->b, ":", 1);
	j->after_key = 1;
}

static void
json_scalar_done(struct json *j)
{
	if (j->depth == 0)
		j->count[0] = 1, j->kind[0] = 0;
}

void
json_string(struct json *j, const void *p, size_t len)
{
	if (json_value(j) != 0)
		return;
	buf_json_string(j->b, p, len);
	json_scalar_done(j);
}

void
json_str(struct json *j, const char *s)
{
	if (s == NULL)
		json_null(j);
	else
		json_string(j, s, strlen(s));
}

void
json_u64(struct json *j, uint64_t v)
{
	if (json_value(j) != 0)
		return;
	buf_printf(j->b, "%llu", (unsigned long long)v);
	json_scalar_done(j);
}

void
json_i64(struct json *j, int64_t v)
{
	if (json_value(j) != 0)
		return;
	buf_printf(j->b, "%lld", (long long)v);
	json_scalar_done(j);
}

void
json_bool(struct json *j, int v)
{
	if (json_value(j) != 0)
		return;
	buf_puts(j->b, v ? "true" : "false");
	json_scalar_done(j);
}

void
json_null(struct json *j)
{
	if (json_value(j) != 0)
		return;
	buf_puts(j->b, "null");
	json_scalar_done(j);
}
