/*
 * Rate-limited logging: at most `max` lines per window, the rest counted
 * and summed up in one line when the next window opens.  For anything a
 * peer can make happen at line rate (bad packets, refusals, busy
 * answers): a flood never fills the console or the stick's log.
 */
#ifndef PXESTICK_COMMON_RATELOG_H
#define PXESTICK_COMMON_RATELOG_H

#include <stdint.h>

struct ratelog {
	const char *what;       /* prefix of the summary line: "dhcp", "http" */
	uint64_t window_ms;
	unsigned max;           /* lines per window */
	uint64_t start;         /* the window's start (ms) */
	unsigned n;             /* lines logged in it */
	unsigned long suppressed;
};

#define RATELOG_INIT(what, window_ms, max) { (what), (window_ms), (max), 0, 0, 0 }

/*
 * May a line be logged at now (monotonic ms)?  1: yes (counted); 0: no
 * (counted as suppressed).  Opening a new window first logs how many
 * lines the last one suppressed.
 */
int ratelog_ok(struct ratelog *r, uint64_t now);

/* log_msg() when ratelog_ok(). */
void ratelog_msg(struct ratelog *r, uint64_t now, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
