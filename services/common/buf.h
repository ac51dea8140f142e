/*
 * A growable byte buffer for generated documents (boot.ipxe, script.cfg).
 * Allocation failure or exceeding the cap is sticky: later appends do
 * nothing and buf_failed() says so, so callers check once at the end.
 */
#ifndef PXESTICK_COMMON_BUF_H
#define PXESTICK_COMMON_BUF_H

#include <stddef.h>

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

#endif
