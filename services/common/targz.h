/*
 * A .tar.gz written in memory, for the support bundle: POSIX ustar
 * members (regular files, mode 0644, owner 0) inside a gzip member
 * (RFC 1952) whose deflate stream (RFC 1951) uses stored blocks only.
 * No compression -- the bundle is a few hundred KiB of logs -- but any
 * tar and gzip read it, and the writer stays small enough to check by eye.
 *
 *   struct targz t;
 *   targz_begin(&t, &out);
 *   targz_add(&t, "pxestick.log", data, len, mtime);
 *   targz_end(&t);            (out holds the archive; buf_failed() says)
 */
#ifndef PXESTICK_COMMON_TARGZ_H
#define PXESTICK_COMMON_TARGZ_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define TARGZ_NAME_MAX 99       /* ustar's name field, without a prefix */

struct targz {
	struct buf *out;
	uint32_t crc;           /* of the uncompressed tar bytes */
	uint64_t size;          /* how many */
	unsigned char block[65535]; /* a stored block being filled */
	size_t fill;
	int failed;             /* a name too long, a write past the buffer's cap */
};

void targz_begin(struct targz *t, struct buf *out);
/* A regular file name (at most TARGZ_NAME_MAX bytes, no NUL) with
 * data[0..len).  0, or -1 (the archive is failed: targz_end says so). */
int targz_add(struct targz *t, const char *name, const void *data, size_t len,
    int64_t mtime);
/* The end-of-archive blocks and the gzip trailer.  0, or -1 when any step
 * failed (out then holds no usable archive). */
int targz_end(struct targz *t);

#endif
