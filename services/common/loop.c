/*
 * epoll + a binary min-heap of timers + signalfd.  One turn: compute the
 * wait from the earliest deadline, wait, run due timers, run ready fds.
 */
#include "common/loop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#define LOOP_MAX_EVENTS 128

uint64_t
loop_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
loop_init(struct loop *l)
{
	memset(l, 0, sizeof(*l));
	l->sigfd = -1;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0)
		return -1;
	l->now = loop_clock_ms();
	return 0;
}

void
loop_free(struct loop *l)
{
	if (l->sigfd >= 0) {
		loop_del(l, &l->sig);
		close(l->sigfd);
	}
	if (l->epfd >= 0)
		close(l->epfd);
	free(l->heap);
	l->heap = NULL;
	l->epfd = l->sigfd = -1;
}

int
loop_add(struct loop *l, struct loop_fd *h, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };

	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, h->fd, &ev) != 0)
		return -1;
	h->want = events;
	h->added = 1;
	return 0;
}

int
loop_mod(struct loop *l, struct loop_fd *h, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };

	if (h->want == events)
		return 0;
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, h->fd, &ev) != 0)
		return -1;
	h->want = events;
	return 0;
}

void
loop_del(struct loop *l, struct loop_fd *h)
{
	if (!h->added)
		return;
	(void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, h->fd, NULL);
	h->added = 0;
	/* Events already fetched for h in this turn must not reach it. */
	if (l->n_dead < LOOP_MAX_DEAD)
		l->dead[l->n_dead++] = h;
	else
		l->dead_overflow = 1;
}

static int
is_dead(const struct loop *l, const struct loop_fd *h)
{
	for (size_t i = 0; i < l->n_dead; i++)
		if (l->dead[i] == h)
			return 1;
	return 0;
}

/* ---- timer heap (1-based slots stored in each timer) ---- */

static void
heap_place(struct loop *l, size_t i, struct loop_timer *t)
{
	l->heap[i] = t;
	t->slot = i + 1;
}

static void
heap_up(struct loop *l, size_t i)
{
	struct loop_timer *t = l->heap[i];

	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (l->heap[p]->deadline <= t->deadline)
			break;
		heap_place(l, i, l->heap[p]);
		i = p;
	}
	heap_place(l, i, t);
}

static void
heap_down(struct loop *l, size_t i)
{
	struct loop_timer *t = l->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= l->n_timers)
			break;
		if (c + 1 < l->n_timers && l->heap[c + 1]->deadline < l->heap[c]->deadline)
			c++;
		if (t->deadline <= l->heap[c]->deadline)
			break;
		heap_place(l, i, l->heap[c]);
		i = c;
	}
	heap_place(l, i, t);
}

void
loop_timer_cancel(struct loop *l, struct loop_timer *t)
{
	struct loop_timer *m;
	size_t i;

	if (t->slot == 0)
		return;
	i = t->slot - 1;
	t->slot = 0;
	l->n_timers--;
	if (i == l->n_timers)
		return;
	/* Move the last timer into the hole, then restore the heap order. */
	m = l->heap[l->n_timers];
	heap_place(l, i, m);
	heap_up(l, i);
	heap_down(l, m->slot - 1);
}

int
loop_timer_set(struct loop *l, struct loop_timer *t, uint64_t delay_ms)
{
	loop_timer_cancel(l, t);
	if (l->n_timers == l->cap_timers) {
		size_t ncap = l->cap_timers ? l->cap_timers * 2 : 64;
		struct loop_timer **nh = realloc(l->heap, ncap * sizeof(*nh));

		if (nh == NULL)
			return -1;
		l->heap = nh;
		l->cap_timers = ncap;
	}
	t->deadline = l->now + delay_ms;
	heap_place(l, l->n_timers++, t);
	heap_up(l, l->n_timers - 1);
	return 0;
}

uint64_t
loop_now(struct loop *l)
{
	return l->now;
}

/* ---- signals ---- */

static void
signal_ready(struct loop *l, struct loop_fd *h, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	while (read(h->fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		l->on_signal(l, (int)si.ssi_signo, l->signal_ctx);
}

int
loop_signals(struct loop *l, const sigset_t *set,
    void (*cb)(struct loop *l, int signo, void *ctx), void *ctx)
{
	if (sigprocmask(SIG_BLOCK, set, NULL) != 0)
		return -1;
	l->sigfd = signalfd(-1, set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (l->sigfd < 0)
		return -1;
	l->on_signal = cb;
	l->signal_ctx = ctx;
	l->sig.fd = l->sigfd;
	l->sig.cb = signal_ready;
	return loop_add(l, &l->sig, EPOLLIN);
}

/* ---- running ---- */

void
loop_stop(struct loop *l)
{
	l->stop = 1;
}

static int
next_wait(struct loop *l)
{
	uint64_t d;

	if (l->n_timers == 0)
		return -1;
	d = l->heap[0]->deadline;
	if (d <= l->now)
		return 0;
	return d - l->now > 60000 ? 60000 : (int)(d - l->now);
}

static void
run_timers(struct loop *l)
{
	while (l->n_timers > 0 && l->heap[0]->deadline <= l->now && !l->stop) {
		struct loop_timer *t = l->heap[0];

		loop_timer_cancel(l, t);
		t->cb(l, t);
	}
}

int
loop_run(struct loop *l)
{
	struct epoll_event ev[LOOP_MAX_EVENTS];

	l->stop = 0;
	while (!l->stop) {
		int n = epoll_wait(l->epfd, ev, LOOP_MAX_EVENTS, next_wait(l));

		if (n < 0 && errno != EINTR)
			return -1;
		l->now = loop_clock_ms();
		l->n_dead = 0;
		l->dead_overflow = 0;
		run_timers(l);
		for (int i = 0; i < n && !l->stop && !l->dead_overflow; i++) {
			struct loop_fd *h = ev[i].data.ptr;

			if (!is_dead(l, h))
				h->cb(l, h, ev[i].events);
		}
		if (l->after_turn != NULL)
			l->after_turn();
	}
	return 0;
}
