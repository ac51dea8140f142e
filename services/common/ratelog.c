#include "common/ratelog.h"

#include <stdarg.h>
#include <stdio.h>

#include "common/log.h"

int
ratelog_ok(struct ratelog *r, uint64_t now)
{
	if (r->n == 0 || now - r->start >= r->window_ms) {
		if (r->suppressed > 0)
			log_msg("%s: (%lu similar log lines suppressed)", r->what, r->suppressed);
		r->start = now;
		r->n = 0;
		r->suppressed = 0;
	}
	if (r->n >= r->max) {
		r->suppressed++;
		return 0;
	}
	r->n++;
	return 1;
}

void
ratelog_msg(struct ratelog *r, uint64_t now, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (!ratelog_ok(r, now))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_msg("%s", line);
}
