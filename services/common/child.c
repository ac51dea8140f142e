/*
 * A child process the loop reads records from (child.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/child.h"

void
child_put(int fd, const void *rec, size_t size)
{
	if (write(fd, rec, size) != (ssize_t)size)
		_exit(1);
}

static void
reap(struct child *c, int *status)
{
	while (waitpid(c->pid, status, 0) < 0 && errno == EINTR)
		;
	c->pid = 0;
}

static void
unwatch(struct child *c, struct loop *l)
{
	if (c->fd < 0)
		return;
	loop_del(l, &c->h);
	close(c->fd);
	c->fd = -1;
}

static void
on_readable(struct loop *l, struct loop_fd *h, uint32_t events)
{
	struct child *c = h->ctx;
	int status = 0;
	ssize_t n;

	(void)events;
	for (;;) {
		n = read(c->fd, c->rec + c->have, c->rec_size - c->have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			break;
		c->have += (size_t)n;
		if (c->have == c->rec_size) {
			c->have = 0;
			c->on_record(c->ctx, c->rec);
		}
	}
	/* The pipe closed: the child is exiting. */
	unwatch(c, l);
	reap(c, &status);
	c->on_end(c->ctx, status);
}

int
child_start(struct child *c, struct loop *l, size_t rec_size,
    void (*body)(int fd, void *arg), void *arg,
    void (*on_record)(void *ctx, const void *rec), void (*on_end)(void *ctx, int status),
    void *ctx)
{
	int p[2], e;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (rec_size == 0 || rec_size > CHILD_MAX_RECORD || rec_size > PIPE_BUF) {
		errno = EINVAL;
		return -1;
	}
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0)
		return -1;
	c->rec_size = rec_size;
	c->on_record = on_record;
	c->on_end = on_end;
	c->ctx = ctx;
	c->pid = fork();
	if (c->pid == 0) {
		close(p[0]);
		/* Blocking writes: the loop reads as records come. */
		fcntl(p[1], F_SETFL, 0);
		body(p[1], arg);
		_exit(0);
	}
	e = errno;
	close(p[1]);
	if (c->pid < 0) {
		close(p[0]);
		c->pid = 0;
		errno = e;
		return -1;
	}
	c->fd = p[0];
	loop_fd_init(&c->h, c->fd, on_readable, c);
	if (loop_add(l, &c->h, EPOLLIN) != 0) {
		e = errno;
		close(c->fd);
		c->fd = -1;
		child_stop(c, l);
		errno = e;
		return -1;
	}
	return 0;
}

void
child_stop(struct child *c, struct loop *l)
{
	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		reap(c, NULL);
	}
	unwatch(c, l);
}
