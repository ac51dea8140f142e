#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tls/tls_internal.h"

int
tls_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

void
tls_wipe(void *p, size_t len)
{
	explicit_bzero(p, len);
}
