/*
 * Logging: one line per event, to stderr, prefixed with the program name.
 *
 * Peer-supplied bytes MUST pass through log_escape() before they reach a
 * log line: a hostile file name or packet must not forge log lines or send
 * terminal escape sequences to the appliance console.
 */
#ifndef PXESTICK_COMMON_LOG_H
#define PXESTICK_COMMON_LOG_H

#include <stddef.h>

void log_set_program(const char *name);
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Batching, for the server: lines are kept (whole) and written with
 * log_flush(), which the event loop calls once per turn -- one write for
 * a turn's access-log lines instead of one per line.  At most a turn's
 * lines are lost if the process dies.  Off by default (CLI commands).
 */
void log_batch(int on);
void log_flush(void);

/*
 * Copy len bytes of src into dst (size dstsize, always NUL-terminated),
 * replacing control characters, backslash, quotes and non-ASCII bytes with
 * \xHH.  Truncates with "..." when dst is too small.  Returns dst.
 */
char *log_escape(char *dst, size_t dstsize, const void *src, size_t len);

/*
 * A broken invariant is a bug, not bad input: say where, and stop (the
 * supervisor restarts the server) rather than go on in a state nobody
 * reasoned about.
 */
#define INVARIANT(cond)                                                      \
	do {                                                                 \
		if (!(cond))                                                 \
			invariant_failed(__FILE__, __LINE__, #cond);         \
	} while (0)
_Noreturn void invariant_failed(const char *file, int line, const char *what);

#endif
