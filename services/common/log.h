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
 * Copy len bytes of src into dst (size dstsize, always NUL-terminated),
 * replacing control characters, backslash, quotes and non-ASCII bytes with
 * \xHH.  Truncates with "..." when dst is too small.  Returns dst.
 */
char *log_escape(char *dst, size_t dstsize, const void *src, size_t len);

#endif
