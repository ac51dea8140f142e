/*
 * The time server's I/O (ntp.h): one UDP socket, answered from the
 * address each request reached; what to answer is ntp_packet.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "common/limits.h"
#include "common/log.h"
#include "common/net.h"
#include "common/ratelog.h"
#include "ntp/ntp.h"
#include "ntp/ntp_packet.h"

struct ntp_server {
	struct ntp_config cfg;
	struct loop *loop;
	struct loop_fd h;
	int family;
	struct timespec started;        /* the reference timestamp */
	struct ratelog drop_log, clock_log;
	unsigned long answered, unsynced, dropped;
};

int
ntp_server_clock_ok(const struct ntp_server *n)
{
	return n != NULL && (n->cfg.not_before == 0 || (int64_t)time(NULL) >= n->cfg.not_before);
}

void
ntp_server_set_floor(struct ntp_server *n, int64_t not_before)
{
	if (n != NULL)
		n->cfg.not_before = not_before;
}

static void
answer(struct ntp_server *n, const uint8_t *req, const struct net_dgram *d,
    const struct timespec *received)
{
	struct ntp_answer a;
	uint8_t out[NTP_PACKET_LEN];
	char peer[NET_ADDR_STR];

	a.received = *received;
	a.reference = n->started;
	a.synced = n->cfg.not_before == 0 || received->tv_sec >= n->cfg.not_before;
	if (!a.synced) {
		n->unsynced++;
		ratelog_msg(&n->clock_log, loop_now(n->loop), "ntp: %s asked the time: told "
		    "\"unsynchronized\" (this machine's clock is earlier than the newest ISO)",
		    net_addr_str((const struct sockaddr *)&d->peer, peer, sizeof(peer)));
	}
	clock_gettime(CLOCK_REALTIME, &a.sent);
	ntp_reply_build(req, &a, out);
	if (net_dgram_reply(n->h.fd, d, out, sizeof(out)) == 0)
		n->answered++;
}

static void
on_request(struct loop *l, struct loop_fd *h, uint32_t events)
{
	struct ntp_server *n = h->ctx;

	(void)l;
	(void)events;
	for (int i = 0; i < NTP_REQUESTS_PER_TURN; i++) {
		uint8_t buf[NTP_MAX_REQUEST];
		struct net_dgram d;
		struct timespec received;
		const char *why;
		char peer[NET_ADDR_STR];
		ssize_t len = net_dgram_recv(h->fd, n->family, buf, sizeof(buf), &d);

		if (len < 0)
			return;
		clock_gettime(CLOCK_REALTIME, &received);
		if (d.peer.ss_family != n->family)
			continue;
		if (ntp_request_check(buf, (size_t)len, &why) != 0) {
			n->dropped++;
			ratelog_msg(&n->drop_log, loop_now(n->loop), "ntp: dropped %zd bytes from "
			    "%s: %s", len, net_addr_str((const struct sockaddr *)&d.peer, peer,
			    sizeof(peer)), why);
			continue;
		}
		answer(n, buf, &d, &received);
	}
}

struct ntp_server *
ntp_server_start(struct loop *l, const struct ntp_config *cfg, char *err, size_t errlen)
{
	struct ntp_server *n = calloc(1, sizeof(*n));
	int fd;

	if (n == NULL) {
		snprintf(err, errlen, "ntp: out of memory");
		return NULL;
	}
	n->cfg = *cfg;
	n->loop = l;
	n->drop_log = (struct ratelog)RATELOG_INIT("ntp", 60000, 10);
	n->clock_log = (struct ratelog)RATELOG_INIT("ntp", 60000, 1);
	clock_gettime(CLOCK_REALTIME, &n->started);
	fd = net_listen("ntp", cfg->listen, cfg->port, SOCK_DGRAM, &n->family, err, errlen);
	if (fd < 0) {
		free(n);
		return NULL;
	}
	loop_fd_init(&n->h, fd, on_request, n);
	if (loop_add(l, &n->h, EPOLLIN) != 0) {
		snprintf(err, errlen, "ntp: epoll: %s", strerror(errno));
		close(fd);
		free(n);
		return NULL;
	}
	return n;
}

void
ntp_server_stop(struct ntp_server *n)
{
	if (n == NULL)
		return;
	log_msg("ntp: %lu request(s) answered (%lu told \"unsynchronized\"), %lu dropped",
	    n->answered, n->unsynced, n->dropped);
	loop_del(n->loop, &n->h);
	close(n->h.fd);
	free(n);
}
