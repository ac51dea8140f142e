/*
 * Helpers shared by the files of services/tls; not an interface.
 */
#ifndef PXESTICK_TLS_INTERNAL_H
#define PXESTICK_TLS_INTERNAL_H

#include <stddef.h>

/* Write a message to err (errlen bytes; nothing when errlen is 0) and
 * return -1. */
int tls_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Clear secret bytes in a way the compiler may not drop. */
void tls_wipe(void *p, size_t len);

/* Days from 0000-01-01 to 1970-01-01, for br_x509_minimal_set_time(). */
#define TLS_DAYS_TO_EPOCH       719528

#endif
