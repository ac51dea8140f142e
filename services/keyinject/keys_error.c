/*
 * How a key line fails: the first reason is kept, and peer bytes quoted
 * in it are escaped.  Used by every part of the parser.
 */
#include <stdarg.h>
#include <stdio.h>

#include "common/log.h"
#include "keyinject/keys_internal.h"

int
keys_fail(struct keys_key *k, const char *fmt, ...)
{
	va_list ap;

	if (k->error[0] != '\0')
		return -1;
	va_start(ap, fmt);
	vsnprintf(k->error, sizeof(k->error), fmt, ap);
	va_end(ap);
	if (k->error[0] == '\0')
		snprintf(k->error, sizeof(k->error), "invalid line");
	return -1;
}

const char *
keys_quote(char out[KEYS_QUOTE_SIZE], const void *p, size_t len)
{
	return log_escape(out, KEYS_QUOTE_SIZE, p, len);
}
