#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *log_program = "pxestick";

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
	/* One write per line, so concurrent writers never interleave mid-line. */
	fprintf(stderr, "%s\n", line);
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
