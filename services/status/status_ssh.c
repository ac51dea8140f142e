/*
 * SSH reachability checks of clients that fetched script.cfg: a
 * non-blocking TCP connect to port 22 in the loop, then the server's
 * identification line (RFC 4253 4.2: "SSH-2.0-..."), then close.  When
 * and how often is the table's policy (status_ssh_due/_result); this file
 * only does the I/O.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "status/status_internal.h"

static void
probe_end(struct status_probe *p, const char *banner, size_t len)
{
	struct status_server *ss = p->ss;

	loop_del(ss->loop, &p->h);
	loop_timer_cancel(ss->loop, &p->timer);
	close(p->h.fd);
	p->h.fd = -1;
	p->busy = 0;
	status_ssh_result(&ss->table, p->slot, p->gen, banner, len, loop_now(ss->loop));
	{
		const struct status_client *c = &ss->table.c[p->slot];

		if (banner != NULL && c->gen == p->gen && c->ssh == STATUS_SSH_UP && c->has_mac &&
		    ss->cfg.on_live != NULL)
			ss->cfg.on_live(ss->cfg.hook_ctx, c->mac);
	}
}

static void
probe_event(struct loop *l, struct loop_fd *h, uint32_t events)
{
	struct status_probe *p = h->ctx;
	char *nl;
	ssize_t n;

	(void)l;
	if (!p->connected) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(h->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
			probe_end(p, NULL, 0);
			return;
		}
		p->connected = 1;
		if (loop_mod(p->ss->loop, h, EPOLLIN) != 0) {
			probe_end(p, NULL, 0);
			return;
		}
		if (!(events & EPOLLIN))
			return;
	}
	n = recv(h->fd, p->in + p->in_len, sizeof(p->in) - p->in_len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		probe_end(p, NULL, 0);
		return;
	}
	p->in_len += (size_t)n;
	nl = memchr(p->in, '\n', p->in_len);
	if (nl == NULL && p->in_len < sizeof(p->in))
		return;
	/* Only an SSH server's identification counts as "SSH up". */
	if (p->in_len < 4 || memcmp(p->in, "SSH-", 4) != 0) {
		probe_end(p, NULL, 0);
		return;
	}
	{
		size_t len = nl != NULL ? (size_t)(nl - p->in) : p->in_len;

		if (len > 0 && p->in[len - 1] == '\r')
			len--;
		probe_end(p, p->in, len);
	}
}

static void
probe_timeout(struct loop *l, struct loop_timer *t)
{
	(void)l;
	probe_end(t->ctx, NULL, 0);
}

static int
probe_start(struct status_server *ss, struct status_probe *p, size_t slot, uint32_t gen)
{
	const struct status_client *c = &ss->table.c[slot];
	struct sockaddr_storage sa;
	socklen_t salen;
	int fd;

	memset(&sa, 0, sizeof(sa));
	if (c->addr.family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&sa;

		a->sin_family = AF_INET;
		a->sin_port = htons(ss->ssh_port);
		memcpy(&a->sin_addr, c->addr.a, 4);
		salen = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&sa;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(ss->ssh_port);
		memcpy(&a->sin6_addr, c->addr.a, 16);
		salen = sizeof(*a);
	}
	fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, salen) != 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	memset(p, 0, sizeof(*p));
	p->ss = ss;
	loop_fd_init(&p->h, fd, probe_event, p);
	loop_timer_init(&p->timer, probe_timeout, p);
	p->slot = slot;
	p->gen = gen;
	if (loop_add(ss->loop, &p->h, EPOLLOUT) != 0) {
		close(fd);
		p->h.fd = -1;
		return -1;
	}
	p->busy = 1;
	(void)loop_timer_set(ss->loop, &p->timer, STATUS_SSH_TIMEOUT_MS);
	return 0;
}

void
status_ssh_tick(struct status_server *ss, uint64_t now)
{
	size_t slots[STATUS_MAX_SSH_PROBES], free_probes = 0, n, k = 0;
	uint32_t gens[STATUS_MAX_SSH_PROBES];

	for (size_t i = 0; i < STATUS_MAX_SSH_PROBES; i++)
		free_probes += !ss->probes[i].busy;
	n = status_ssh_due(&ss->table, now, slots, gens, free_probes);
	for (size_t i = 0; i < STATUS_MAX_SSH_PROBES && k < n; i++) {
		if (ss->probes[i].busy)
			continue;
		if (probe_start(ss, &ss->probes[i], slots[k], gens[k]) != 0)
			status_ssh_result(&ss->table, slots[k], gens[k], NULL, 0, now);
		k++;
	}
}

void
status_ssh_stop(struct status_server *ss)
{
	for (size_t i = 0; i < STATUS_MAX_SSH_PROBES; i++) {
		struct status_probe *p = &ss->probes[i];

		if (!p->busy)
			continue;
		loop_del(ss->loop, &p->h);
		loop_timer_cancel(ss->loop, &p->timer);
		close(p->h.fd);
		p->busy = 0;
	}
}
