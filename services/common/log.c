#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#define LOG_BATCH_BYTES (64 * 1024)

static const char *log_program = "pxestick";
static int log_batching;
static char log_pending[LOG_BATCH_BYTES];
static size_t log_pending_len;

void
log_batch(int on)
{
	if (!on)
		log_flush();
	log_batching = on;
}

void
log_flush(void)
{
	if (log_pending_len > 0)
		(void)write_all(2, log_pending, log_pending_len);
	log_pending_len = 0;
}

void
log_set_program(const char *name)
{
	log_program = name;
}

void
log_msg(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	n = snprintf(line, sizeof(line), "%s: ", log_program);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	n = (int)strlen(line);
	line[n++] = '\n'; /* fits: vsnprintf left room for its NUL */
	if (!log_batching) {
		/* One write per line, so writers never interleave mid-line. */
		(void)write_all(2, line, (size_t)n);
		return;
	}
	if (log_pending_len + (size_t)n > sizeof(log_pending))
		log_flush();
	memcpy(log_pending + log_pending_len, line, (size_t)n);
	log_pending_len += (size_t)n;
}

char *
log_escape(char *dst, size_t dstsize, const void *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = src;
	size_t o = 0, i;

	if (dstsize == 0)
		return dst;
	for (i = 0; i < len; i++) {
		unsigned char c = s[i];
		size_t need = (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') ? 1 : 4;

		if (o + need + 1 > dstsize) {
			/* Leave room for "..." to show the cut. */
			while (o > 0 && o + 4 > dstsize)
				o--;
			if (o + 4 <= dstsize) {
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (need == 1) {
			dst[o++] = (char)c;
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o] = '\0';
	return dst;
}

void
invariant_failed(const char *file, int line, const char *what)
{
	log_batch(0); /* writes what the turn logged so far */
	log_msg("internal error at %s:%d: %s does not hold: stopping", file, line, what);
	abort();
}
