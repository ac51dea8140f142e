/*
 * The HTTP server's I/O: the listener, the connection cap, and each
 * connection's state machine
 *
 *   READING --head complete--> WRITING --done, keep-alive--> READING
 *                                      --done, close-------> DRAINING -> closed
 *
 * with one timer per connection (head, idle, send and drain timeouts).
 * Every socket is non-blocking; a connection sends at most HTTP_TURN_BYTES
 * per loop turn so a fast download never starves the others.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/log.h"
#include "common/net.h"
#include "http/http_internal.h"
#include "serve/serve.h"
#include "tls/tls_cert.h"
#include "tls/tls_conn.h"

#define ACCEPTS_PER_TURN   64
#define DRAIN_TIMEOUT_MS   2000
#define TLS_CHUNK          (16u * 1024)

static void conn_event(struct loop *l, struct loop_fd *h, uint32_t events);
static void conn_timeout(struct loop *l, struct loop_timer *t);

/* ---- connection lifetime ---- */

static void
conn_free(struct http_conn *c)
{
	struct http_server *s = c->srv;

	status_done(s->srv->status, &c->st, c->body_sent, "the connection closed before the end",
	    loop_now(s->loop));
	loop_del(s->loop, &c->h);
	loop_timer_cancel(s->loop, &c->timer);
	close(c->h.fd);
	http_response_reset(c);
	free(c->tls);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->n_conns--;
	free(c);
}

static void
conn_want(struct http_conn *c, uint32_t events)
{
	if (loop_mod(c->srv->loop, &c->h, events) != 0)
		log_msg("http: %s: epoll: %s", c->peer, strerror(errno));
}

static void
conn_arm(struct http_conn *c, uint64_t ms)
{
	(void)loop_timer_set(c->srv->loop, &c->timer, ms);
}

/* Stop sending, read what the client still sends (so our last response is
 * not lost to a reset), then close. */
static void
conn_drain(struct http_conn *c)
{
	c->state = CONN_DRAINING;
	conn_arm(c, DRAIN_TIMEOUT_MS);
	/* TLS: our last records and close_notify must be out before the
	 * write side closes (drain_event finishes it when they are). */
	if (c->tls != NULL && tls_conn_close(c->tls, c->h.fd) != 0 && errno == EAGAIN) {
		conn_want(c, EPOLLOUT);
		return;
	}
	shutdown(c->h.fd, SHUT_WR);
	conn_want(c, EPOLLIN);
}

/* Tell the client table (status/status.h) what this request was. */
static void
status_note(struct http_conn *c, const struct http_request *req)
{
	struct status_request rq;
	char why[64];

	memset(&rq, 0, sizeof(rq));
	for (size_t i = 0; i < c->n_pieces; i++)
		rq.body += c->pieces[i].len;
	rq.via = STATUS_VIA_HTTP;
	rq.peer = (const struct sockaddr *)&c->peer_addr;
	rq.path = req->path.p;
	rq.path_len = req->path.len;
	rq.agent = req->user_agent.p;
	rq.agent_len = req->user_agent.len;
	if (c->status >= 400) {
		snprintf(why, sizeof(why), "%d %s", c->status, http_status_text(c->status));
		rq.error = why;
	}
	rq.size = rq.body;
	if (c->file_open && c->n_pieces == 1 && c->pieces[0].kind == PIECE_FILE) {
		rq.base = c->pieces[0].off; /* a range: progress through the file */
		rq.size = c->file.size;
	}
	status_request(c->srv->srv->status, &rq, &c->st, c->t_start);
}

static void
access_log(struct http_conn *c)
{
	log_msg("%s: %s \"%s %s\" %d %llu %llums", c->tls ? "https" : "http", c->peer,
	    c->method, c->path, c->status, (unsigned long long)c->body_sent,
	    (unsigned long long)(loop_now(c->srv->loop) - c->t_start));
}

/* ---- reading requests ---- */

static void conn_process(struct http_conn *c);

/* The socket is nearly always writable: write first, and wait for
 * EPOLLOUT only when a write would block (saves two epoll_ctl calls per
 * request). */
static void
start_writing(struct http_conn *c)
{
	c->state = CONN_WRITING;
	conn_arm(c, HTTP_SEND_TIMEOUT_MS);
}

/* Remember method and path for the access log, escaped. */
static void
note_request(struct http_conn *c, const struct http_request *req)
{
	size_t n = req->method_name.len < sizeof(c->method) / 4 ? req->method_name.len :
	    sizeof(c->method) / 4;

	log_escape(c->method, sizeof(c->method), req->method_name.p, n);
	log_escape(c->path, sizeof(c->path), req->target.p, req->target.len);
}

static void
conn_request(struct http_conn *c, size_t end)
{
	struct http_request req;
	int status;

	c->t_start = loop_now(c->srv->loop);
	memset(&req, 0, sizeof(req));
	status = http_parse_request(c->in, end, &req);
	if (status != 0) {
		snprintf(c->method, sizeof(c->method), "-");
		log_escape(c->path, sizeof(c->path), c->in, end < 64 ? end : 64);
		http_respond_error(c, status, NULL);
	} else {
		note_request(c, &req);
		http_respond(c, &req);
		status_note(c, &req);
	}
	/* The head is consumed; pipelined requests stay in the buffer. */
	memmove(c->in, c->in + end, c->in_len - end);
	c->in_len -= end;
	c->scanned = 0;
	start_writing(c);
}

/* Does what we have so far start like a request line (blank lines, then
 * a method token, RFC 9110 5.6.2)? */
static int
head_start_ok(const struct http_conn *c)
{
	size_t i = 0;

	while (i < c->in_len && (c->in[i] == '\r' || c->in[i] == '\n'))
		i++;
	if (i == c->in_len)
		return 1;
	return strchr("!#$%&'*+-.^_`|~", c->in[i]) != NULL ||
	    (c->in[i] >= '0' && c->in[i] <= '9') || (c->in[i] >= 'a' && c->in[i] <= 'z') ||
	    (c->in[i] >= 'A' && c->in[i] <= 'Z');
}

/* Look for a complete head in what we have. */
static void
conn_process(struct http_conn *c)
{
	size_t end;

	if (c->state != CONN_READING || c->in_len == 0)
		return;
	end = http_head_end(c->in, c->in_len, c->scanned);
	if (end > 0) {
		conn_request(c, end);
		return;
	}
	c->scanned = c->in_len;
	if (!head_start_ok(c)) {
		/* A TLS hello or other junk: no need to wait for a head. */
		c->t_start = loop_now(c->srv->loop);
		snprintf(c->method, sizeof(c->method), "-");
		snprintf(c->path, sizeof(c->path), "(not an HTTP request)");
		http_respond_error(c, 400, "this port speaks plain HTTP/1.1");
		start_writing(c);
		return;
	}
	if (c->in_len == sizeof(c->in)) {
		c->t_start = loop_now(c->srv->loop);
		snprintf(c->method, sizeof(c->method), "-");
		snprintf(c->path, sizeof(c->path), "(request head over %zu bytes)", sizeof(c->in));
		http_respond_error(c, 431, "the request head is too large");
		start_writing(c);
	}
}

static ssize_t
conn_recv(struct http_conn *c, void *buf, size_t len)
{
	if (c->tls != NULL)
		return tls_conn_read(c->tls, c->h.fd, buf, len);
	return recv(c->h.fd, buf, len, 0);
}

/* 1: keep going, 0: wait, -1: connection gone (freed). */
static int
conn_read(struct http_conn *c)
{
	size_t had = c->in_len;
	ssize_t n;

	if (c->in_len == sizeof(c->in))
		return 0; /* a pipelined burst larger than a head: finish first */
	n = conn_recv(c, c->in + c->in_len, sizeof(c->in) - c->in_len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		if (n < 0 && c->tls != NULL && !tls_conn_established(c->tls)) {
			char why[128];

			log_msg("https: %s: handshake failed: %s", c->peer,
			    tls_conn_error(c->tls, why, sizeof(why)));
		}
		conn_free(c);
		return -1;
	}
	c->in_len += (size_t)n;
	/* The head timeout runs from its first byte (slowloris). */
	if (had == 0)
		conn_arm(c, HTTP_HEAD_TIMEOUT_MS);
	conn_process(c);
	return 1;
}

/* ---- writing responses ---- */

static ssize_t
conn_send(struct http_conn *c, const void *buf, size_t len, int more)
{
	if (c->tls != NULL)
		return tls_conn_write(c->tls, c->h.fd, buf, len);
	return send(c->h.fd, buf, len, MSG_NOSIGNAL | (more ? MSG_MORE : 0));
}

/* TLS has no sendfile: read a record's worth of the file and seal it.
 * What the engine does not take is read again next time (pread). */
static ssize_t
send_file_tls(struct http_conn *c, uint64_t off, uint64_t want)
{
	char chunk[TLS_CHUNK];
	ssize_t n;

	if (want > sizeof(chunk))
		want = sizeof(chunk);
	n = vfs_pread(&c->file, chunk, (size_t)want, off);
	if (n <= 0) {
		if (n == 0)
			errno = EIO;
		return -1;
	}
	return tls_conn_write(c->tls, c->h.fd, chunk, (size_t)n);
}

/* Send some of piece p; bytes sent, or -1 (errno; EAGAIN = wait). */
static ssize_t
send_piece(struct http_conn *c, const struct http_piece *p, uint64_t budget, int more)
{
	uint64_t left = p->len - c->piece_done;
	uint64_t want = left < budget ? left : budget;

	if (p->kind == PIECE_TEXT)
		return conn_send(c, c->text.data + p->off + c->piece_done, (size_t)want, more);
	if (c->file.kind == VFS_MEM)
		return conn_send(c, c->file.mem + p->off + c->piece_done, (size_t)want, more);
	if (c->tls != NULL)
		return send_file_tls(c, p->off + c->piece_done, want);
	{
		uint64_t fd_off, seg;
		off_t o;
		int fd;

		if (vfs_segment(&c->file, p->off + c->piece_done, &fd, &fd_off, &seg) != 0) {
			errno = EIO;
			return -1;
		}
		if (want > seg)
			want = seg;
		o = (off_t)fd_off;
		return sendfile(c->h.fd, fd, &o, (size_t)want);
	}
}

/* Where a piece's bytes are when they are in memory (text, or a
 * generated document), else NULL. */
static const char *
piece_memory(const struct http_conn *c, const struct http_piece *p)
{
	if (p->kind == PIECE_TEXT)
		return c->text.data + p->off;
	if (c->file.kind == VFS_MEM)
		return c->file.mem + p->off;
	return NULL;
}

/*
 * A small response held in memory (boot.ipxe, script.cfg, errors,
 * listings): head and body in one sendmsg instead of two system calls.
 * Whatever does not go out is left to the usual path.
 */
static ssize_t
send_head_and_body(struct http_conn *c)
{
	const struct http_piece *p = &c->pieces[0];
	struct iovec iov[2];
	struct msghdr msg;
	size_t head_left = c->head_len - c->head_off;
	ssize_t n;

	iov[0].iov_base = c->head + c->head_off;
	iov[0].iov_len = head_left;
	iov[1].iov_base = (void *)(uintptr_t)(piece_memory(c, p) + c->piece_done);
	iov[1].iov_len = (size_t)(p->len - c->piece_done);
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = 2;
	n = sendmsg(c->h.fd, &msg, MSG_NOSIGNAL);
	if (n <= 0)
		return n;
	if ((size_t)n <= head_left) {
		c->head_off += (size_t)n;
		return n;
	}
	c->head_off = c->head_len;
	c->piece_done += (uint64_t)n - head_left;
	c->body_sent += (uint64_t)n - head_left;
	if (c->piece_done == p->len) {
		c->cur = 1;
		c->piece_done = 0;
	}
	return n;
}

/* Called when the whole response is out. 1: keep going, -1: freed. */
static int
response_done(struct http_conn *c)
{
	access_log(c);
	status_done(c->srv->srv->status, &c->st, c->body_sent, NULL, loop_now(c->srv->loop));
	http_response_reset(c);
	if (!c->keep_alive) {
		conn_drain(c);
		return 0;
	}
	c->state = CONN_READING;
	conn_want(c, EPOLLIN);
	conn_arm(c, c->in_len > 0 ? HTTP_HEAD_TIMEOUT_MS : HTTP_IDLE_TIMEOUT_MS);
	conn_process(c);
	return 1;
}

/* 1: keep going, 0: wait, -1: freed. */
static int
conn_write(struct http_conn *c)
{
	uint64_t budget = HTTP_TURN_BYTES;
	ssize_t n;

	if (c->head_off < c->head_len && c->tls == NULL && c->n_pieces == 1 &&
	    piece_memory(c, &c->pieces[0]) != NULL) {
		n = send_head_and_body(c);
		if (n < 0)
			goto failed;
	}
	while (c->head_off < c->head_len) {
		n = conn_send(c, c->head + c->head_off, c->head_len - c->head_off, c->n_pieces > 0);
		if (n < 0)
			goto failed;
		c->head_off += (size_t)n;
	}
	while (c->cur < c->n_pieces && budget > 0) {
		const struct http_piece *p = &c->pieces[c->cur];

		n = send_piece(c, p, budget, c->cur + 1 < c->n_pieces);
		if (n < 0)
			goto failed;
		if (n == 0) {
			errno = EIO; /* the file shrank under us */
			goto failed;
		}
		c->piece_done += (uint64_t)n;
		c->body_sent += (uint64_t)n;
		status_progress(c->srv->srv->status, &c->st, c->body_sent, loop_now(c->srv->loop));
		budget -= (uint64_t)n;
		if (c->piece_done == p->len) {
			c->cur++;
			c->piece_done = 0;
		}
		conn_arm(c, HTTP_SEND_TIMEOUT_MS);
	}
	if (c->cur < c->n_pieces) {
		conn_want(c, EPOLLOUT); /* budget spent: back next turn */
		return 0;
	}
	return response_done(c);
failed:
	if (errno == EAGAIN || errno == EINTR) {
		conn_want(c, EPOLLOUT);
		return 0;
	}
	log_msg("http: %s \"%s %s\": sending failed after %llu bytes: %s", c->peer, c->method,
	    c->path, (unsigned long long)c->body_sent, strerror(errno));
	conn_free(c);
	return -1;
}

/* Closing: finish TLS' close_notify, then read until EOF. */
static void
drain_event(struct http_conn *c)
{
	char sink[4096];
	ssize_t n;

	if (c->tls != NULL && c->h.want == EPOLLOUT) {
		if (tls_conn_close(c->tls, c->h.fd) != 0 && errno == EAGAIN)
			return;
		shutdown(c->h.fd, SHUT_WR);
		conn_want(c, EPOLLIN);
	}
	while ((n = recv(c->h.fd, sink, sizeof(sink), 0)) > 0)
		;
	if (n == 0 || (errno != EAGAIN && errno != EINTR))
		conn_free(c);
}

/* What to wait for: our state's need, plus whatever TLS needs to flush
 * records or finish a handshake. */
static void
conn_want_state(struct http_conn *c)
{
	uint32_t want = c->state == CONN_WRITING ? EPOLLOUT : EPOLLIN;

	if (c->tls != NULL)
		want |= tls_conn_want(c->tls);
	conn_want(c, want);
}

static void
conn_event(struct loop *l, struct loop_fd *h, uint32_t events)
{
	struct http_conn *c = h->ctx;

	(void)l;
	if (c->state == CONN_DRAINING) {
		drain_event(c);
		return;
	}
	if (c->tls != NULL && (events & EPOLLOUT) && tls_conn_flush(c->tls, c->h.fd) != 0 &&
	    errno != EAGAIN) {
		conn_free(c);
		return;
	}
	if ((events & (EPOLLERR | EPOLLHUP)) && !(events & EPOLLIN)) {
		conn_free(c);
		return;
	}
	/* Until the socket would block (or the turn's budget is spent). */
	for (;;) {
		int r;

		if (c->state == CONN_READING)
			r = conn_read(c);
		else if (c->state == CONN_WRITING)
			r = conn_write(c);
		else
			return;
		if (r < 0)
			return; /* freed */
		if (r == 0)
			break;
	}
	if (c->tls != NULL && c->state != CONN_DRAINING)
		conn_want_state(c);
}

static void
conn_timeout(struct loop *l, struct loop_timer *t)
{
	struct http_conn *c = t->ctx;

	(void)l;
	switch (c->state) {
	case CONN_READING:
		if (c->in_len == 0) {
			conn_free(c); /* idle keep-alive: close quietly */
			return;
		}
		c->t_start = loop_now(c->srv->loop);
		snprintf(c->method, sizeof(c->method), "-");
		snprintf(c->path, sizeof(c->path), "(incomplete request head)");
		http_respond_error(c, 408, "the request head did not arrive in time");
		start_writing(c);
		return;
	case CONN_WRITING:
		log_msg("http: %s \"%s %s\": client stopped reading after %llu bytes: closed",
		    c->peer, c->method, c->path, (unsigned long long)c->body_sent);
		conn_free(c);
		return;
	case CONN_DRAINING:
		conn_free(c);
		return;
	}
}

/* ---- accepting ---- */

static void
format_peer(const struct sockaddr_storage *ss, char *out, size_t size)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
		port = ntohs(a->sin_port);
		snprintf(out, size, "%s:%u", ip, port);
	} else {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
		port = ntohs(a->sin6_port);
		snprintf(out, size, "[%s]:%u", ip, port);
	}
}

/* The http:// URL the client reached us at (for boot.ipxe). */
static void
format_server_url(struct http_conn *c, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	uint16_t port = c->srv->srv->cfg.http_port;
	char ip[INET6_ADDRSTRLEN] = "0.0.0.0", p[8] = "";

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, ip, sizeof(ip));
		else
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, ip, sizeof(ip));
	}
	if (port != 80 && port != 0)
		snprintf(p, sizeof(p), ":%u", port);
	snprintf(c->server_url, sizeof(c->server_url), ss.ss_family == AF_INET6 ?
	    "http://[%s]%s" : "http://%s%s", ip, p);
}

static void
refuse_busy(struct http_server *s, int fd)
{
	static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
	    "Content-Length: 0\r\nRetry-After: 5\r\nConnection: close\r\n\r\n";

	/* Best effort on a fresh socket: the buffer is empty, it fits. */
	(void)send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
	if (s->refused++ % 1000 == 0)
		log_msg("http: connection limit (%u) reached: refusing with 503 (%llu so far)",
		    s->max_conns, (unsigned long long)s->refused);
}

static void
conn_new(struct http_server *s, int fd, const struct sockaddr_storage *ss)
{
	struct http_conn *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		close(fd);
		return;
	}
	c->srv = s;
	c->h.fd = fd;
	c->h.cb = conn_event;
	c->h.ctx = c;
	c->timer.cb = conn_timeout;
	c->timer.ctx = c;
	c->state = CONN_READING;
	c->peer_addr = *ss;
	format_peer(ss, c->peer, sizeof(c->peer));
	format_server_url(c, fd);
	if (s->creds != NULL) {
		/* ~37 KiB of record buffers: only HTTPS connections pay it. */
		c->tls = malloc(sizeof(*c->tls));
		if (c->tls == NULL || tls_conn_init(c->tls, s->creds) != 0) {
			free(c->tls);
			close(fd);
			free(c);
			return;
		}
	}
	if (loop_add(s->loop, &c->h, EPOLLIN) != 0) {
		close(fd);
		free(c);
		return;
	}
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->n_conns++;
	conn_arm(c, HTTP_IDLE_TIMEOUT_MS);
}

static void
accept_resume(struct loop *l, struct loop_timer *t)
{
	struct http_server *s = t->ctx;

	(void)loop_add(l, &s->listen, EPOLLIN);
}

static void
on_accept(struct loop *l, struct loop_fd *h, uint32_t events)
{
	struct http_server *s = h->ctx;

	(void)events;
	for (int i = 0; i < ACCEPTS_PER_TURN; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd = accept4(h->fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOMEM) {
				/* Out of descriptors: stop accepting for a moment
				 * instead of spinning on the ready listener. */
				log_msg("http: accept: %s: pausing accepts for 1 s", strerror(errno));
				loop_del(l, &s->listen);
				(void)loop_timer_set(l, &s->accept_pause, 1000);
			}
			return;
		}
		if (s->n_conns >= s->max_conns)
			refuse_busy(s, fd);
		else
			conn_new(s, fd, &ss);
	}
}

static int
listen_socket(const char *addr, uint16_t port, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t salen;
	int fd, on = 1;

	if (net_listen_addr(addr, port, &ss, &salen) != 0)
		goto bad_addr;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
	    bind(fd, (struct sockaddr *)&ss, salen) != 0 || listen(fd, 1024) != 0) {
		snprintf(err, errlen, "http: cannot listen on %s:%u: %s", addr[0] ? addr : "*",
		    port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
bad_addr:
	snprintf(err, errlen, "http: listen address \"%s\" is not an IP address", addr);
	return -1;
}

/* Every address of this machine (and "localhost"), for the certificate:
 * clients reach the appliance by whichever address DHCP gave it. */
static size_t
local_names(char names[][INET6_ADDRSTRLEN], size_t max)
{
	struct ifaddrs *ifa, *i;
	size_t n = 0;

	if (getifaddrs(&ifa) != 0)
		return 0;
	for (i = ifa; i != NULL && n + 1 < max; i = i->ifa_next) {
		if (i->ifa_addr == NULL)
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, names[n++],
			    INET6_ADDRSTRLEN);
		else if (i->ifa_addr->sa_family == AF_INET6 &&
		    !IN6_IS_ADDR_LINKLOCAL(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr))
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr,
			    names[n++], INET6_ADDRSTRLEN);
	}
	freeifaddrs(ifa);
	snprintf(names[n++], INET6_ADDRSTRLEN, "localhost");
	return n;
}

/* The configured certificate, or the self-signed one in the state dir. */
static int
tls_setup(struct http_server *s, char *err, size_t errlen)
{
	const struct settings *cfg = &s->srv->cfg;
	char names[32][INET6_ADDRSTRLEN], why[256], desc[64];
	const char *list[32];
	size_t n;
	int rc;

	s->creds = malloc(sizeof(*s->creds));
	if (s->creds == NULL) {
		snprintf(err, errlen, "https: out of memory");
		return -1;
	}
	if (cfg->tls_cert[0] != '\0') {
		if (tls_creds_load(s->creds, cfg->tls_cert, cfg->tls_key[0] ? cfg->tls_key :
		    cfg->tls_cert, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "https: %s", why);
			goto fail;
		}
		log_msg("https: certificate %s (%s)", cfg->tls_cert,
		    tls_creds_describe(s->creds, desc, sizeof(desc)));
		return 0;
	}
	n = local_names(names, 32);
	for (size_t i = 0; i < n; i++)
		list[i] = names[i];
	rc = tls_creds_load_or_create(s->creds, cfg->state, list, n, why, sizeof(why));
	if (rc < 0) {
		snprintf(err, errlen, "https: %s", why);
		goto fail;
	}
	log_msg("https: %s self-signed certificate %s/tls-cert.pem%s%s",
	    rc == TLS_CREDS_CREATED ? "made a new" : "using the", cfg->state,
	    rc == TLS_CREDS_CREATED ? ": " : "", rc == TLS_CREDS_CREATED ? why : "");
	return 0;
fail:
	free(s->creds);
	s->creds = NULL;
	return -1;
}

struct http_server *
http_server_start(struct serve *srv, uint16_t port, int tls, char *err, size_t errlen)
{
	struct http_server *s;
	int fd;

	fd = listen_socket(srv->cfg.listen, port, err, errlen);
	if (fd < 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		close(fd);
		snprintf(err, errlen, "http: out of memory");
		return NULL;
	}
	s->srv = srv;
	s->loop = &srv->loop;
	s->port = port;
	s->tls = tls;
	s->max_conns = srv->cfg.http_max_connections;
	s->listen.fd = fd;
	s->listen.cb = on_accept;
	s->listen.ctx = s;
	s->accept_pause.cb = accept_resume;
	s->accept_pause.ctx = s;
	if (tls && tls_setup(s, err, errlen) != 0) {
		close(fd);
		free(s);
		return NULL;
	}
	if (loop_add(s->loop, &s->listen, EPOLLIN) != 0) {
		snprintf(err, errlen, "http: epoll: %s", strerror(errno));
		close(fd);
		free(s);
		return NULL;
	}
	return s;
}

void
http_server_stop(struct http_server *s)
{
	if (s == NULL)
		return;
	while (s->conns != NULL)
		conn_free(s->conns);
	loop_timer_cancel(s->loop, &s->accept_pause);
	loop_del(s->loop, &s->listen);
	close(s->listen.fd);
	if (s->creds != NULL) {
		tls_creds_free(s->creds);
		free(s->creds);
	}
	free(s);
}
