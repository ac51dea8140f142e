/*
 * Work that may block (name lookups, a dead server, hashing a 1 GB file
 * from a USB stick), done in a child process while the loop goes on: the
 * child writes fixed-size records (each under PIPE_BUF, so each write
 * arrives whole) to a pipe; the loop reads them and hands each to
 * on_record, then calls on_end once the child has exited.  The child's
 * memory is a copy of the server's at the fork: it may read what the
 * server had (an ISO's file descriptor, a tree) and must not touch the
 * loop, the log or any socket; it ends with _exit.
 */
#ifndef PXESTICK_COMMON_CHILD_H
#define PXESTICK_COMMON_CHILD_H

#include <stddef.h>
#include <sys/types.h>

#include "common/loop.h"

#define CHILD_MAX_RECORD 512

struct child {
	pid_t pid;              /* 0: not running */
	int fd;                 /* the pipe's read end, or -1 */
	struct loop_fd h;
	size_t rec_size;
	unsigned char rec[CHILD_MAX_RECORD];
	size_t have;
	void (*on_record)(void *ctx, const void *rec);
	/* status: waitpid's; the child exited 0 when it did all it had to. */
	void (*on_end)(void *ctx, int status);
	void *ctx;
};

/*
 * Fork a child that runs body(fd, arg) and then _exit(0)s; fd is where it
 * writes its records (child_put).  0, or -1 with errno (nothing runs).
 */
int child_start(struct child *c, struct loop *l, size_t rec_size,
    void (*body)(int fd, void *arg), void *arg,
    void (*on_record)(void *ctx, const void *rec), void (*on_end)(void *ctx, int status),
    void *ctx);

/* In the child: write one record; _exit(1) when the server has gone. */
void child_put(int fd, const void *rec, size_t size);

/* Kill the child (if it still runs), reap it, stop watching; no on_end. */
void child_stop(struct child *c, struct loop *l);

#endif
