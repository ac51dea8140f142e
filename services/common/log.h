/*
 * Logging: one line per event, to stderr, prefixed with the program name
 * (and, in the server, the time).
 *
 * Peer-supplied bytes MUST pass through log_escape() before they reach a
 * log line: a hostile file name or packet must not forge log lines or send
 * terminal escape sequences to the appliance console.
 */
#ifndef PXESTICK_COMMON_LOG_H
#define PXESTICK_COMMON_LOG_H

#include <stddef.h>

void log_set_program(const char *name);

/*
 * Stamps, for the server: each line starts with the time in UTC,
 * "2026-12-02 11:40:01 pxestick: ...", unless stderr is the journal's
 * stream (which stamps lines itself).  Off by default (CLI commands).
 */
void log_stamp(int on);

/* The server's newest lines (while stamping; at most 128 KiB, whole lines,
 * oldest first) appended to out: /log and the support bundle. */
struct buf;
void log_recent(struct buf *out);
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
