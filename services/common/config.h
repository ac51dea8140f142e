/*
 * The config file format: "key = value" lines.  Blank lines and lines
 * whose first non-blank character is '#' are comments.  The value is the
 * rest of the line with surrounding blanks removed (no trailing comments,
 * so values may contain '#').  Every error names FILE:LINE.
 */
#ifndef PXESTICK_COMMON_CONFIG_H
#define PXESTICK_COMMON_CONFIG_H

#include <stddef.h>

/* Called per key; returns 0, or -1 with a message (no FILE:LINE) in err. */
typedef int config_set_fn(void *ctx, const char *key, const char *value, char *err,
    size_t errlen);

/*
 * Parse text (len bytes, need not be NUL-terminated).  Stops at the first
 * error: returns -1 with "FILE:LINE: message" in err.  0 on success.
 */
int config_parse(const char *text, size_t len, const char *file, config_set_fn *set,
    void *ctx, char *err, size_t errlen);

/* Read the file (at most CONFIG_MAX_BYTES) and parse it. */
int config_load(const char *path, config_set_fn *set, void *ctx, char *err, size_t errlen);

#endif
