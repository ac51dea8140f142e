/*
 * The event loop: timer order, cancellation, fd events, and handles
 * removed by an earlier callback of the same turn.
 */
#include "harness.h"

#include <sys/epoll.h>
#include <unistd.h>

#include "common/loop.h"

static int order[16], n_order;

static void
record(struct loop *l, struct loop_timer *t)
{
	order[n_order++] = (int)(long)t->ctx;
	if (n_order == 4)
		loop_stop(l);
}

TEST(loop_timers_fire_in_deadline_order)
{
	struct loop l;
	struct loop_timer t[6];
	static const int delays[6] = { 30, 10, 20, 5, 25, 15 };

	CHECK_INT(loop_init(&l), 0);
	n_order = 0;
	for (int i = 0; i < 6; i++) {
		t[i] = (struct loop_timer){ .cb = record, .ctx = (void *)(long)i };
		CHECK_INT(loop_timer_set(&l, &t[i], (uint64_t)delays[i]), 0);
	}
	loop_timer_cancel(&l, &t[1]); /* 10 ms */
	loop_timer_cancel(&l, &t[1]); /* twice is fine */
	CHECK(!loop_timer_armed(&t[1]));
	CHECK_INT(loop_run(&l), 0);
	/* 5 (3), 15 (5), 20 (2), 25 (4) */
	CHECK_INT(n_order, 4);
	CHECK_INT(order[0], 3);
	CHECK_INT(order[1], 5);
	CHECK_INT(order[2], 2);
	CHECK_INT(order[3], 4);
	for (int i = 0; i < 6; i++)
		loop_timer_cancel(&l, &t[i]);
	loop_free(&l);
}

struct pair {
	struct loop_fd h;
	struct pair *victim;
	int calls;
};

static void
on_readable(struct loop *l, struct loop_fd *h, uint32_t ev)
{
	struct pair *p = h->ctx;
	char c;

	(void)ev;
	p->calls++;
	(void)read(h->fd, &c, 1);
	/* Removing another handle whose event is already fetched must keep
	 * its callback from running this turn. */
	if (p->victim != NULL)
		loop_del(l, &p->victim->h);
	loop_stop(l);
}

TEST(loop_skips_events_of_handles_deleted_this_turn)
{
	struct loop l;
	int a[2], b[2];
	struct pair pa = { 0 }, pb = { 0 };

	CHECK_INT(loop_init(&l), 0);
	CHECK_INT(pipe(a), 0);
	CHECK_INT(pipe(b), 0);
	pa.h = (struct loop_fd){ .fd = a[0], .cb = on_readable, .ctx = &pa };
	pb.h = (struct loop_fd){ .fd = b[0], .cb = on_readable, .ctx = &pb };
	pa.victim = &pb;
	pb.victim = &pa;
	CHECK_INT(loop_add(&l, &pa.h, EPOLLIN), 0);
	CHECK_INT(loop_add(&l, &pb.h, EPOLLIN), 0);
	CHECK_INT(write(a[1], "x", 1), 1);
	CHECK_INT(write(b[1], "x", 1), 1);
	CHECK_INT(loop_run(&l), 0);
	/* Exactly one of the two ran; the other was deleted first. */
	CHECK_INT(pa.calls + pb.calls, 1);
	loop_free(&l);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}
