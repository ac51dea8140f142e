/*
 * The one event loop: epoll for descriptors, a min-heap of timers, and
 * signals delivered as descriptor events (signalfd), so no handler ever
 * runs asynchronously.
 *
 * Handles and timers are embedded in their owner's struct (intrusive): the
 * loop never allocates them and never frees them.  A handle MUST be
 * removed (loop_del) before its descriptor is closed or its memory freed;
 * a timer MUST be cancelled before its memory is freed.  Callbacks may
 * add, remove and free other handles and timers, and their own.
 */
#ifndef PXESTICK_COMMON_LOOP_H
#define PXESTICK_COMMON_LOOP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

struct loop;

#define LOOP_MAX_DEAD 128

struct loop_fd {
	int fd;
	/* events: EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP as reported. */
	void (*cb)(struct loop *l, struct loop_fd *h, uint32_t events);
	void *ctx;
	uint32_t want;   /* set by loop_add/loop_mod */
	int added;
};

struct loop_timer {
	uint64_t deadline; /* monotonic ms */
	void (*cb)(struct loop *l, struct loop_timer *t);
	void *ctx;
	size_t slot;       /* index in the heap + 1; 0 when not armed */
};

struct loop {
	int epfd;
	int sigfd;
	struct loop_fd sig;
	void (*on_signal)(struct loop *l, int signo, void *ctx);
	void *signal_ctx;
	struct loop_timer **heap;
	size_t n_timers, cap_timers;
	uint64_t now;      /* ms, refreshed every turn */
	int stop;
	/* Handles removed during this turn: their fetched events are
	 * dropped (epoll is level-triggered, so nothing is lost). */
	struct loop_fd *dead[LOOP_MAX_DEAD];
	size_t n_dead;
	int dead_overflow;
	/* Called after every turn (log_flush, for one). */
	void (*after_turn)(void);
};

/* Set up a handle or a timer embedded in its owner (not yet in the loop). */
static inline void
loop_fd_init(struct loop_fd *h, int fd,
    void (*cb)(struct loop *l, struct loop_fd *h, uint32_t events), void *ctx)
{
	h->fd = fd;
	h->cb = cb;
	h->ctx = ctx;
	h->want = 0;
	h->added = 0;
}

static inline void
loop_timer_init(struct loop_timer *t, void (*cb)(struct loop *l, struct loop_timer *t),
    void *ctx)
{
	t->deadline = 0;
	t->cb = cb;
	t->ctx = ctx;
	t->slot = 0;
}

/* 0 or -1 with errno. */
int loop_init(struct loop *l);
void loop_free(struct loop *l);

int loop_add(struct loop *l, struct loop_fd *h, uint32_t events);
int loop_mod(struct loop *l, struct loop_fd *h, uint32_t events);
void loop_del(struct loop *l, struct loop_fd *h);

/* Arm (or re-arm) t to fire delay_ms from now.  0 or -1 (no memory). */
int loop_timer_set(struct loop *l, struct loop_timer *t, uint64_t delay_ms);
void loop_timer_cancel(struct loop *l, struct loop_timer *t);
static inline int loop_timer_armed(const struct loop_timer *t) { return t->slot != 0; }

/*
 * Receive the signals in set through cb (they are blocked for the
 * process).  One call per loop.
 */
int loop_signals(struct loop *l, const sigset_t *set,
    void (*cb)(struct loop *l, int signo, void *ctx), void *ctx);

/* Monotonic milliseconds (the loop's cached value during callbacks). */
uint64_t loop_now(struct loop *l);
uint64_t loop_clock_ms(void);

/* Run until loop_stop().  0, or -1 if epoll itself fails. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

#endif
