/*
 * Command line habits every pxestick command shares: --key=value as well
 * as --key value, "--" ends the options, and an unknown option names the
 * closest valid one.
 */
#ifndef PXESTICK_COMMON_ARGS_H
#define PXESTICK_COMMON_ARGS_H

#include <stddef.h>

/*
 * A new argv (NULL-terminated, *argc updated) where each "--key=value"
 * before "--" is two words, "--key" and "value", and "--" itself is gone;
 * an argument after "--" that starts with '-' gets "./" in front, since
 * every positional argument pxestick takes is a file name.  The words
 * point into the old argv or into one allocation; free with args_free().
 * NULL when out of memory.
 */
char **args_normalize(int *argc, char **argv);
void args_free(char **argv);

/*
 * The name in valid[0..n) closest to given (edit distance, at most a
 * third of its length and at least 2), or NULL when none is close: for
 * "unknown option --htpp-port (did you mean --http-port?)".
 */
const char *args_closest(const char *given, const char *const *valid, size_t n);

/* Levenshtein distance of a and b, capped at 255 (names are short). */
unsigned args_distance(const char *a, const char *b);

#endif
