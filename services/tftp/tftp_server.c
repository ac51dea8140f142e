/*
 * The TFTP server's I/O: the listening socket, requests, the transfer
 * cap, and one connected UDP socket per transfer (its own TID, RFC 1350
 * 4) with its timer, all in the one event loop.  The protocol itself is
 * in tftp_transfer.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "common/net.h"
#include "common/ratelog.h"
#include "tftp/tftp_internal.h"

/* IPv4 + UDP + TFTP DATA headers; IPv6 + UDP + TFTP. */
#define HEADERS_V4      32
#define HEADERS_V6      52

/* A local address (where a request arrived) and a peer. */
struct tftp_addrs {
	struct sockaddr_storage local, peer;
	socklen_t local_len, peer_len;
};

static void transfer_event(struct loop *l, struct loop_fd *h, uint32_t events);
static void transfer_timeout(struct loop *l, struct loop_timer *tm);

static int
same_peer(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

		return x->sin6_port == y->sin6_port &&
		    memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	} else {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
}

/* A peer we may answer: a unicast address and a port (a forged source of
 * 0.0.0.0, a broadcast or multicast address, or port 0 gets nothing). */
static int
peer_acceptable(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;

		return a->sin6_port != 0 && !IN6_IS_ADDR_UNSPECIFIED(&a->sin6_addr) &&
		    !IN6_IS_ADDR_MULTICAST(&a->sin6_addr);
	} else {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		uint32_t ip = ntohl(a->sin_addr.s_addr);

		return a->sin_port != 0 && ip != INADDR_ANY && ip != INADDR_BROADCAST &&
		    !IN_MULTICAST(ip);
	}
}

/*
 * A socket of our own for one client: bound to the address the request
 * reached (so replies come from it on a multi-homed host), any port,
 * connected to the client (the kernel then drops other sources' packets
 * and reports ICMP port unreachable as ECONNREFUSED).
 */
static int
client_socket(const struct tftp_addrs *a)
{
	struct sockaddr_storage local = a->local;
	int fd = socket(a->peer.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (local.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&local)->sin6_port = 0;
	else
		((struct sockaddr_in *)&local)->sin_port = 0;
	if (bind(fd, (struct sockaddr *)&local, a->local_len) != 0 ||
	    connect(fd, (const struct sockaddr *)&a->peer, a->peer_len) != 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Answer a request with an ERROR from a fresh port (a new TID, as a
 * transfer's first reply would come from). */
static void
send_refusal(const struct tftp_addrs *a, uint16_t code, const char *msg)
{
	uint8_t pkt[4 + TFTP_MAX_ERROR_MSG + 1];
	char m[TFTP_MAX_ERROR_MSG + 1];
	size_t n;
	int fd = client_socket(a);

	if (fd < 0)
		return;
	snprintf(m, sizeof(m), "%s", msg);
	n = tftp_build_error(pkt, sizeof(pkt), code, m);
	(void)send(fd, pkt, n, MSG_DONTWAIT);
	close(fd);
}

/* The largest block that crosses the route to the client unfragmented. */
static uint64_t
route_max_blksize(int fd, int family)
{
	int mtu = 0;
	socklen_t len = sizeof(mtu);

	if (family == AF_INET6) {
		if (getsockopt(fd, IPPROTO_IPV6, IPV6_MTU, &mtu, &len) != 0 || mtu < 1280)
			mtu = 1280;
		return (uint64_t)mtu - HEADERS_V6;
	}
	if (getsockopt(fd, IPPROTO_IP, IP_MTU, &mtu, &len) != 0 || mtu < 576)
		mtu = 576;
	return (uint64_t)mtu - HEADERS_V4;
}

/* ---- transfers ---- */

static ssize_t
transfer_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct tftp_transfer *t = ctx;

	return vfs_pread(&t->file, buf, len, off);
}

static int
transfer_send(void *ctx, const struct iovec *pkt, size_t n)
{
	struct tftp_transfer *t = ctx;
	struct mmsghdr m[TFTP_MAX_WINDOWSIZE];
	struct iovec iov[TFTP_MAX_WINDOWSIZE];
	int r;

	if (n > TFTP_MAX_WINDOWSIZE)
		n = TFTP_MAX_WINDOWSIZE;
	memset(m, 0, n * sizeof(m[0]));
	for (size_t i = 0; i < n; i++) {
		iov[i] = pkt[i];
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
	}
	/* The system call itself: musl's sendmmsg() sends one message per
	 * sendmsg() call (it pads struct msghdr for the kernel); ours are
	 * zeroed, so the kernel reads them as they are -- one call per window. */
	r = (int)syscall(SYS_sendmmsg, t->h.fd, m, (unsigned)n, 0);
	/* Dropped by our own stack (a full device queue): as if lost on the
	 * wire; the retransmission timer recovers. */
	if (r < 0 && errno == ENOBUFS)
		return (int)n;
	return r;
}

/* UEFI firmware asks for the size first: it ends the transfer after our
 * OACK with error 8 and asks again.  Normal, not a failure. */
static int
size_probe(const struct tftp_xfer *x)
{
	return x->state == TFTP_XFER_FAILED && x->got_peer_error &&
	    x->peer_error == TFTP_EOPTNEG && x->bytes_acked == 0;
}

static void
transfer_log(const struct tftp_transfer *t, uint64_t now)
{
	const struct tftp_xfer *x = &t->x;
	uint64_t ms = now - t->t_start;

	if (size_probe(x))
		log_msg("tftp: %s \"%s\" size asked (%llu bytes): the client ended it after the "
		    "OACK, as UEFI firmware does before the download", t->peer_str, t->name_log,
		    (unsigned long long)t->size);
	else if (x->state == TFTP_XFER_DONE)
		log_msg("tftp: %s \"%s\" %s: %llu bytes, blksize %llu, windowsize %llu, %llu ms, "
		    "%llu retransmissions", t->peer_str, t->name_log, x->reason,
		    (unsigned long long)x->bytes_acked, (unsigned long long)x->blksize,
		    (unsigned long long)x->windowsize, (unsigned long long)ms,
		    (unsigned long long)x->retransmits);
	else
		log_msg("tftp: %s \"%s\" failed: %s; %llu of %llu bytes, blksize %llu, "
		    "windowsize %llu, %llu ms, %llu retransmissions", t->peer_str, t->name_log,
		    x->reason, (unsigned long long)x->bytes_acked, (unsigned long long)t->size,
		    (unsigned long long)x->blksize, (unsigned long long)x->windowsize,
		    (unsigned long long)ms, (unsigned long long)x->retransmits);
}

/* Tell the client table (status/status.h) about a request. */
static void
note_status(const struct tftp_server *s, const struct sockaddr_storage *peer, const char *name,
    const char *error, uint64_t size, struct status_ref *ref)
{
	struct status_request rq;
	struct status_ref none;

	memset(&rq, 0, sizeof(rq));
	rq.via = STATUS_VIA_TFTP;
	rq.peer = (const struct sockaddr *)peer;
	rq.path = name;
	rq.path_len = strlen(name);
	rq.error = error;
	rq.size = rq.body = size;
	status_request(s->cfg.status, &rq, ref != NULL ? ref : &none, loop_now(s->loop));
}

static void
transfer_free(struct tftp_transfer *t)
{
	struct tftp_server *s = t->srv;

	loop_del(s->loop, &t->h);
	loop_timer_cancel(s->loop, &t->timer);
	if (t->h.fd >= 0)
		close(t->h.fd);
	vfs_close(&t->file);
	free(t->mem);
	list_del(&s->transfers, &t->node);
	addrcount_dec(&s->per_client, (const struct sockaddr *)&t->peer);
	free(t);
}

/* After the state machine ran: end it, or arm its timer and events. */
static void
transfer_sync(struct tftp_transfer *t)
{
	struct loop *l = t->srv->loop;
	struct tftp_xfer *x = &t->x;
	uint64_t now = loop_now(l);

	status_progress(t->srv->cfg.status, &t->st, x->bytes_acked, now);
	if (x->state == TFTP_XFER_DONE || x->state == TFTP_XFER_FAILED) {
		transfer_log(t, now);
		status_done(t->srv->cfg.status, &t->st, x->bytes_acked,
		    x->state == TFTP_XFER_DONE || size_probe(x) ? NULL : x->reason, now);
		transfer_free(t);
		return;
	}
	if (x->deadline == 0)
		loop_timer_cancel(l, &t->timer);
	else if (!loop_timer_armed(&t->timer) || t->timer.deadline != x->deadline)
		(void)loop_timer_set(l, &t->timer, x->deadline > now ? x->deadline - now : 0);
	if (loop_mod(l, &t->h, EPOLLIN | (x->blocked ? EPOLLOUT : 0)) != 0)
		log_msg("tftp: %s: epoll: %s", t->peer_str, strerror(errno));
}

/* Datagrams taken from a transfer's socket per receive call. */
#define RECV_BATCH 16

static void
transfer_event(struct loop *l, struct loop_fd *h, uint32_t events)
{
	struct tftp_transfer *t = h->ctx;
	struct tftp_xfer *x = &t->x;
	uint64_t now = loop_now(l);
	uint8_t buf[RECV_BATCH][4 + TFTP_MAX_ERROR_MSG * 2];
	struct mmsghdr m[RECV_BATCH];
	struct iovec iov[RECV_BATCH];

	if (events & (EPOLLIN | EPOLLERR)) {
		for (int got = 0; got < TFTP_ACKS_PER_TURN;) {
			int n;

			memset(m, 0, sizeof(m));
			for (int i = 0; i < RECV_BATCH; i++) {
				iov[i].iov_base = buf[i];
				iov[i].iov_len = sizeof(buf[i]);
				m[i].msg_hdr.msg_iov = &iov[i];
				m[i].msg_hdr.msg_iovlen = 1;
			}
			/* One call takes every datagram waiting (ACKs of a window,
			 * duplicates), so the window is pumped once for all. */
			n = recvmmsg(h->fd, m, RECV_BATCH, MSG_DONTWAIT, NULL);
			if (n < 0) {
				if (errno == ECONNREFUSED)
					tftp_xfer_peer_gone(x);
				else if (errno != EAGAIN && errno != EINTR)
					tftp_xfer_abort(x, TFTP_EUNDEF, "receive error");
				break;
			}
			for (int i = 0; i < n && (x->state == TFTP_XFER_OACK ||
			    x->state == TFTP_XFER_DATA); i++)
				tftp_xfer_input(x, buf[i], m[i].msg_len, now);
			got += n;
			if (n < RECV_BATCH || (x->state != TFTP_XFER_OACK &&
			    x->state != TFTP_XFER_DATA))
				break;
		}
	}
	tftp_xfer_pump(x, now);
	transfer_sync(t);
}

static void
transfer_timeout(struct loop *l, struct loop_timer *tm)
{
	struct tftp_transfer *t = tm->ctx;
	uint64_t now = loop_now(l);

	tftp_xfer_timeout(&t->x, now);
	tftp_xfer_pump(&t->x, now);
	transfer_sync(t);
}

/* ---- requests ---- */

static void
refuse(const struct tftp_addrs *a, const char *peer, const char *name, uint16_t code,
    const char *why)
{
	log_msg("tftp: %s \"%s\" refused: %s (error %u, %s)", peer, name, why, code,
	    tftp_error_name(code));
	send_refusal(a, code, why);
}

/* A request from a client that already has a transfer: its RRQ was
 * retransmitted (ignore it), or it started over (end the old one). */
static int
duplicate_request(struct tftp_server *s, const struct tftp_addrs *a, const char *path)
{
	for (struct list_node *n = s->transfers.head; n != NULL; n = n->next) {
		struct tftp_transfer *t = LIST_ENTRY(n, struct tftp_transfer, node);

		if (!same_peer(&t->peer, &a->peer))
			continue;
		if (strcmp(t->name, path) == 0 && t->x.acked == 0)
			return 1;
		snprintf(t->x.reason, sizeof(t->x.reason),
		    "the client sent a new request from the same port");
		t->x.state = TFTP_XFER_FAILED;
		transfer_sync(t);
		return 0;
	}
	return 0;
}

static const char *
open_error(int rc, uint16_t *code)
{
	switch (rc) {
	case VFS_ENOENT: *code = TFTP_ENOTFOUND; return "file not found";
	case VFS_EACCES: *code = TFTP_EACCESS; return "not a regular file";
	case VFS_NOKEYS: *code = TFTP_ENOTFOUND; return "script.cfg is not served (no keys)";
	default: *code = TFTP_EUNDEF; return "cannot read the file";
	}
}

/* A new transfer for this request, its file open, or NULL and a refusal
 * already sent. */
static struct tftp_transfer *
transfer_new(struct tftp_server *s, const struct tftp_addrs *a, const char *path,
    const char *peer, const char *name_log)
{
	struct tftp_transfer *t = calloc(1, sizeof(*t));
	struct vfs_request vrq;
	char url[NET_URL_STR], why[96];
	const char *refusal = "out of memory";
	uint16_t code = TFTP_ENOSPACE;
	int rc;

	if (t == NULL)
		goto refuse;
	t->h.fd = -1;
	net_server_url((const struct sockaddr *)&a->local, s->cfg.url_port, url, sizeof(url));
	memset(&vrq, 0, sizeof(vrq)); /* no query: TFTP names carry none */
	vrq.server_url = url;
	rc = vfs_open(*s->cfg.tree, path, &vrq, &t->file);
	if (rc == VFS_OK && t->file.kind == VFS_DIR) {
		vfs_close(&t->file);
		rc = VFS_EACCES;
	}
	if (rc != VFS_OK) {
		refusal = open_error(rc, &code);
		note_status(s, &a->peer, path, refusal, 0, NULL);
		free(t);
		t = NULL;
		goto refuse;
	}
	if ((t->h.fd = client_socket(a)) < 0) {
		snprintf(why, sizeof(why), "no socket for the transfer: %s", strerror(errno));
		refusal = why;
		code = TFTP_EUNDEF;
		goto fail;
	}
	t->srv = s;
	t->peer = a->peer;
	t->peer_len = a->peer_len;
	t->size = t->file.size;
	t->t_start = loop_now(s->loop);
	snprintf(t->peer_str, sizeof(t->peer_str), "%s", peer);
	snprintf(t->name, sizeof(t->name), "%s", path);
	log_escape(t->name_log, sizeof(t->name_log), path, strlen(path));
	return t;
fail:
	if (t->h.fd >= 0)
		close(t->h.fd);
	vfs_close(&t->file);
	free(t->mem);
	free(t);
refuse:
	refuse(a, peer, name_log, code, refusal);
	return NULL;
}

static void
start_transfer(struct tftp_server *s, const struct tftp_addrs *a, const struct tftp_request *rq,
    const char *path, const char *peer, const char *name_log)
{
	struct tftp_transfer *t = transfer_new(s, a, path, peer, name_log);
	struct tftp_limits lim;
	struct tftp_options granted;
	struct tftp_io io;
	uint64_t blksize, window;
	const char *refusal = "out of memory";
	uint16_t code = TFTP_ENOSPACE;

	if (t == NULL)
		return;
	lim.max_blksize = route_max_blksize(t->h.fd, a->peer.ss_family);
	lim.max_windowsize = TFTP_MAX_WINDOWSIZE;
	lim.max_window_bytes = TFTP_MAX_WINDOW_BYTES;
	tftp_negotiate(&rq->opt, &lim, rq->mode, t->file.size, &granted, &blksize, &window);
	if ((t->mem = malloc(tftp_xfer_mem_size(blksize, window))) == NULL)
		goto fail;
	{
		/* Room for a window in the socket buffer (capped by the kernel). */
		int sb = (int)(window * (blksize + 64) * 2);

		if (sb > 65536)
			(void)setsockopt(t->h.fd, SOL_SOCKET, SO_SNDBUF, &sb, sizeof(sb));
	}
	loop_fd_init(&t->h, t->h.fd, transfer_event, t);
	loop_timer_init(&t->timer, transfer_timeout, t);
	io.read = transfer_read;
	io.send = transfer_send;
	io.ctx = t;
	tftp_xfer_init(&t->x, &io, t->mem, blksize, window, rq->mode == TFTP_MODE_NETASCII,
	    &granted);
	if (addrcount_inc(&s->per_client, (const struct sockaddr *)&t->peer) != 0)
		goto fail;
	if (loop_add(s->loop, &t->h, EPOLLIN) != 0) {
		addrcount_dec(&s->per_client, (const struct sockaddr *)&t->peer);
		refusal = "epoll failed";
		code = TFTP_EUNDEF;
		goto fail;
	}
	list_add(&s->transfers, &t->node);
	note_status(s, &a->peer, path, NULL, t->size, &t->st);
	tftp_xfer_pump(&t->x, t->t_start);
	transfer_sync(t);
	return;
fail:
	close(t->h.fd);
	vfs_close(&t->file);
	free(t->mem);
	free(t);
	refuse(a, peer, name_log, code, refusal);
}

static void
handle_request(struct tftp_server *s, const uint8_t *p, size_t len, int truncated,
    const struct tftp_addrs *a)
{
	struct tftp_request rq;
	char peer[64], name_log[256], path[VFS_MAX_PATH];
	const char *reason;
	unsigned code, op = tftp_opcode(p, len);

	if (!peer_acceptable(&a->peer))
		return; /* no one to answer */
	net_addr_str((const struct sockaddr *)&a->peer, peer, sizeof(peer));
	if (op == TFTP_ERROR)
		return; /* never answer an error (no error loops) */
	if (truncated) {
		log_msg("tftp: %s: request over %d bytes: refused", peer, TFTP_MAX_REQUEST);
		send_refusal(a, TFTP_EBADOP, "request too long");
		return;
	}
	if (tftp_parse_request(p, len, &rq, &code, &reason) != 0) {
		log_msg("tftp: %s: bad request (opcode %u, %zu bytes): %s", peer, op, len, reason);
		send_refusal(a, (uint16_t)code, reason);
		return;
	}
	log_escape(name_log, sizeof(name_log), rq.file, rq.file_len);
	if (rq.opcode == TFTP_WRQ) {
		refuse(a, peer, name_log, TFTP_EACCESS, "write requests are refused");
		return;
	}
	if (rq.mode != TFTP_MODE_OCTET && rq.mode != TFTP_MODE_NETASCII) {
		refuse(a, peer, name_log, TFTP_EBADOP, "unsupported transfer mode");
		return;
	}
	/* A leading '/' (PXE ROMs send it) is taken; ".." is not. */
	if (vfs_path_clean(rq.file, rq.file_len, 0, path, sizeof(path), &reason) != 0) {
		refuse(a, peer, name_log, TFTP_EACCESS, reason);
		return;
	}
	if (duplicate_request(s, a, path))
		return;
	if (addrcount_get(&s->per_client, (const struct sockaddr *)&a->peer) >=
	    s->cfg.max_per_client) {
		char host[NET_ADDR_STR];

		ratelog_msg(&s->busy_log, loop_now(s->loop), "tftp: %s \"%s\" refused: %s has "
		    "%u transfers running (tftp-max-per-client)", peer, name_log,
		    net_host_str((const struct sockaddr *)&a->peer, host, sizeof(host)),
		    s->cfg.max_per_client);
		send_refusal(a, TFTP_EUNDEF, "too many transfers from this client, try again");
		return;
	}
	if (s->transfers.n >= s->cfg.max_transfers) {
		ratelog_msg(&s->busy_log, loop_now(s->loop), "tftp: %s \"%s\" refused: %u "
		    "transfers running (tftp-max-transfers)", peer, name_log, s->transfers.n);
		send_refusal(a, TFTP_EUNDEF, "server busy: too many transfers, try again");
		return;
	}
	start_transfer(s, a, &rq, path, peer, name_log);
}

static void
on_request(struct loop *l, struct loop_fd *h, uint32_t events)
{
	struct tftp_server *s = h->ctx;

	(void)l;
	(void)events;
	for (int i = 0; i < TFTP_REQUESTS_PER_TURN; i++) {
		uint8_t buf[TFTP_MAX_REQUEST];
		struct net_dgram d;
		struct tftp_addrs a;
		ssize_t n = net_dgram_recv(h->fd, s->family, buf, sizeof(buf), &d);

		if (n < 0)
			return; /* EAGAIN, or an ICMP error of an earlier refusal */
		if (d.peer.ss_family != s->family)
			continue;
		memset(&a, 0, sizeof(a));
		a.peer = d.peer;
		a.peer_len = d.peer_len;
		a.local = d.local;
		a.local_len = d.local_len;
		handle_request(s, buf, (size_t)n, d.truncated, &a);
	}
}

/* ---- start and stop ---- */

struct tftp_server *
tftp_server_start(struct loop *l, const struct tftp_config *cfg, char *err, size_t errlen)
{
	struct tftp_server *s = calloc(1, sizeof(*s));
	int fd;

	if (s == NULL) {
		snprintf(err, errlen, "tftp: out of memory");
		return NULL;
	}
	if (addrcount_init(&s->per_client, cfg->max_transfers) != 0) {
		snprintf(err, errlen, "tftp: out of memory");
		free(s);
		return NULL;
	}
	fd = net_listen("tftp", cfg->listen, cfg->port, SOCK_DGRAM, &s->family, err, errlen);
	if (fd < 0) {
		addrcount_free(&s->per_client);
		free(s);
		return NULL;
	}
	s->cfg = *cfg;
	s->loop = l;
	s->busy_log = (struct ratelog)RATELOG_INIT("tftp", 60000, 5);
	loop_fd_init(&s->listen, fd, on_request, s);
	if (loop_add(s->loop, &s->listen, EPOLLIN) != 0) {
		snprintf(err, errlen, "tftp: epoll: %s", strerror(errno));
		close(fd);
		addrcount_free(&s->per_client);
		free(s);
		return NULL;
	}
	return s;
}

void
tftp_server_stop(struct tftp_server *s)
{
	if (s == NULL)
		return;
	while (s->transfers.head != NULL) {
		struct tftp_transfer *t = LIST_ENTRY(s->transfers.head, struct tftp_transfer, node);

		if (t->x.state == TFTP_XFER_OACK || t->x.state == TFTP_XFER_DATA)
			tftp_xfer_abort(&t->x, TFTP_EUNDEF, "server shutting down");
		transfer_sync(t);
	}
	loop_del(s->loop, &s->listen);
	close(s->listen.fd);
	addrcount_free(&s->per_client);
	free(s);
}
