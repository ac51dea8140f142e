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
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/log.h"
#include "common/net.h"
#include "http/http_internal.h"
#include "tls/tls_cert.h"

#define ACCEPTS_PER_TURN   64
#define DRAIN_TIMEOUT_MS   2000

static void conn_event(struct loop *l, struct loop_fd *h, uint32_t events);
static void conn_timeout(struct loop *l, struct loop_timer *t);

/* ---- connection lifetime ---- */

static void
conn_free(struct http_conn *c)
{
	struct http_server *s = c->srv;

	status_done(s->cfg.status, &c->st, c->body_sent, "the connection closed before the end",
	    loop_now(s->loop));
	loop_del(s->loop, &c->h);
	loop_timer_cancel(s->loop, &c->timer);
	close(c->h.fd);
	http_response_reset(c);
	c->tx->free(c);
	list_del(&s->conns, &c->node);
	addrcount_dec(&s->per_client, (const struct sockaddr *)&c->peer_addr);
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
	if (c->tx->shutdown(c) != 0) {
		conn_want(c, EPOLLOUT);
		return;
	}
	conn_want(c, EPOLLIN);
}

/* Tell the client table (status/status.h) what this request was: path
 * is the cleaned path, or "" when the path boundary refused it. */
static void
status_note(struct http_conn *c, const struct http_request *req, const char *path)
{
	struct status_request rq;
	char why[64];

	memset(&rq, 0, sizeof(rq));
	for (size_t i = 0; i < c->n_pieces; i++)
		rq.body += c->pieces[i].len;
	rq.via = STATUS_VIA_HTTP;
	rq.peer = (const struct sockaddr *)&c->peer_addr;
	rq.refused = path[0] == '\0';
	rq.path = rq.refused ? req->path.p : path;
	rq.path_len = rq.refused ? req->path.len : strlen(path);
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
	status_request(c->srv->cfg.status, &rq, &c->st, c->t_start);
}

static void
access_log(struct http_conn *c)
{
	log_msg("%s: %s \"%s %s\" %d %llu %llums", c->tx->scheme, c->peer,
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
	char path[VFS_MAX_PATH];
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
		http_respond(c, &req, path, sizeof(path));
		status_note(c, &req, path);
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

/* 1: keep going, 0: wait, -1: connection gone (freed). */
static int
conn_read(struct http_conn *c)
{
	size_t had = c->in_len;
	ssize_t n;

	if (c->in_len == sizeof(c->in))
		return 0; /* a pipelined burst larger than a head: finish first */
	n = c->tx->recv(c, c->in + c->in_len, sizeof(c->in) - c->in_len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		char why[128];

		if (n < 0 && c->tx->failure(c, why, sizeof(why)) != NULL)
			log_msg("%s: %s: handshake failed: %s", c->tx->scheme, c->peer, why);
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

/* n more bytes of the body went out. */
static void
body_sent(struct http_conn *c, uint64_t n)
{
	c->piece_done += n;
	c->body_sent += n;
	if (c->piece_done == c->pieces[c->cur].len) {
		c->cur++;
		c->piece_done = 0;
	}
}

/*
 * The head, and with it the body when it is one piece in memory
 * (boot.ipxe, script.cfg, errors, listings): one system call (one TLS
 * record) instead of two.  Whatever does not go out is sent next time.
 */
static ssize_t
send_head(struct http_conn *c)
{
	const struct http_piece *p = c->n_pieces == 1 ? &c->pieces[0] : NULL;
	const char *mem = p != NULL ? piece_memory(c, p) : NULL;
	size_t head_left = c->head_len - c->head_off;
	struct iovec iov[2];
	ssize_t n;

	iov[0].iov_base = c->head + c->head_off;
	iov[0].iov_len = head_left;
	if (mem != NULL) {
		iov[1].iov_base = (void *)(uintptr_t)(mem + c->piece_done);
		iov[1].iov_len = (size_t)(p->len - c->piece_done);
	}
	/* MSG_MORE only when a piece follows what goes now (else the
	 * kernel holds the last segment back ~200 ms). */
	n = c->tx->sendv(c, iov, mem != NULL ? 2 : 1, mem == NULL && c->n_pieces > 0);
	if (n <= 0)
		return n;
	if ((size_t)n <= head_left) {
		c->head_off += (size_t)n;
		return n;
	}
	c->head_off = c->head_len;
	body_sent(c, (uint64_t)n - head_left);
	return n;
}

/* Send some of piece p; bytes sent, or -1 (errno; EAGAIN = wait). */
static ssize_t
send_piece(struct http_conn *c, const struct http_piece *p, uint64_t budget, int more)
{
	uint64_t left = p->len - c->piece_done;
	uint64_t want = left < budget ? left : budget;
	const char *mem = piece_memory(c, p);
	struct iovec iov;

	if (mem == NULL)
		return c->tx->send_file(c, p->off + c->piece_done, want);
	iov.iov_base = (void *)(uintptr_t)(mem + c->piece_done);
	iov.iov_len = (size_t)want;
	return c->tx->sendv(c, &iov, 1, more);
}

/* Called when the whole response is out. 1: keep going, -1: freed. */
static int
response_done(struct http_conn *c)
{
	access_log(c);
	status_done(c->srv->cfg.status, &c->st, c->body_sent, NULL, loop_now(c->srv->loop));
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

	while (c->head_off < c->head_len) {
		if ((n = send_head(c)) < 0)
			goto failed;
	}
	while (c->cur < c->n_pieces && budget > 0) {
		n = send_piece(c, &c->pieces[c->cur], budget, c->cur + 1 < c->n_pieces);
		if (n < 0)
			goto failed;
		if (n == 0) {
			errno = EIO; /* the file shrank under us */
			goto failed;
		}
		body_sent(c, (uint64_t)n);
		status_progress(c->srv->cfg.status, &c->st, c->body_sent, loop_now(c->srv->loop));
		budget -= (uint64_t)n;
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

	if (c->h.want == EPOLLOUT) {
		if (c->tx->shutdown(c) != 0)
			return;
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
	conn_want(c, (c->state == CONN_WRITING ? EPOLLOUT : EPOLLIN) | c->tx->want(c));
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
	if ((events & EPOLLOUT) && c->tx->flush(c) != 0 && errno != EAGAIN) {
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
	if (c->state != CONN_DRAINING)
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

/* 503 on a fresh socket (best effort: its buffer is empty, it fits). */
static void
refuse_busy(struct http_server *s, int fd, const struct sockaddr_storage *ss, int one)
{
	static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
	    "Content-Length: 0\r\nRetry-After: 5\r\nConnection: close\r\n\r\n";
	char peer[NET_ADDR_STR];

	(void)send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
	if (one)
		ratelog_msg(&s->busy_log, loop_now(s->loop), "%s: %s has %u connections open "
		    "(http-max-per-client): refusing more with 503", s->cfg.tls ? "https" : "http",
		    net_host_str((const struct sockaddr *)ss, peer, sizeof(peer)),
		    s->cfg.max_per_client);
	else
		ratelog_msg(&s->busy_log, loop_now(s->loop), "%s: connection limit (%u) reached: "
		    "refusing with 503", s->cfg.tls ? "https" : "http", s->cfg.max_connections);
}

static void
conn_new(struct http_server *s, int fd, const struct sockaddr_storage *ss)
{
	struct http_conn *c = calloc(1, sizeof(*c));
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);

	if (c == NULL)
		goto fail;
	c->srv = s;
	c->tx = &http_transport_plain;
	loop_fd_init(&c->h, fd, conn_event, c);
	loop_timer_init(&c->timer, conn_timeout, c);
	c->state = CONN_READING;
	c->peer_addr = *ss;
	net_addr_str((const struct sockaddr *)ss, c->peer, sizeof(c->peer));
	if (getsockname(fd, (struct sockaddr *)&local, &len) != 0)
		local.ss_family = AF_UNSPEC;
	net_server_url((const struct sockaddr *)&local, s->cfg.url_port, c->server_url,
	    sizeof(c->server_url));
	if ((s->creds != NULL && http_tls_attach(c, s->creds) != 0) ||
	    addrcount_inc(&s->per_client, (const struct sockaddr *)ss) != 0)
		goto fail;
	if (loop_add(s->loop, &c->h, EPOLLIN) != 0) {
		addrcount_dec(&s->per_client, (const struct sockaddr *)ss);
		goto fail;
	}
	list_add(&s->conns, &c->node);
	conn_arm(c, HTTP_IDLE_TIMEOUT_MS);
	return;
fail:
	if (c != NULL)
		c->tx->free(c);
	free(c);
	close(fd);
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
		/* One address gets its share, never the whole server: a
		 * client (or broken firmware) looping on connects cannot keep
		 * the others from booting. */
		if (addrcount_get(&s->per_client, (struct sockaddr *)&ss) >= s->cfg.max_per_client)
			refuse_busy(s, fd, &ss, 1);
		else if (s->conns.n >= s->cfg.max_connections)
			refuse_busy(s, fd, &ss, 0);
		else
			conn_new(s, fd, &ss);
	}
}

/* ---- start and stop ---- */

/* The configured certificate, or the self-signed one in the state dir. */
static int
tls_setup(struct http_server *s, char *err, size_t errlen)
{
	char note[512];

	s->creds = malloc(sizeof(*s->creds));
	if (s->creds == NULL) {
		snprintf(err, errlen, "https: out of memory");
		return -1;
	}
	if (tls_creds_setup(s->creds, s->cfg.tls_cert, s->cfg.tls_key, s->cfg.state, note,
	    sizeof(note), err, errlen) != 0) {
		free(s->creds);
		s->creds = NULL;
		return -1;
	}
	log_msg("https: %s", note);
	return 0;
}

struct http_server *
http_server_start(struct loop *l, const struct http_config *cfg, char *err, size_t errlen)
{
	struct http_server *s = calloc(1, sizeof(*s));
	int fd = -1, family;

	if (s == NULL) {
		snprintf(err, errlen, "http: out of memory");
		return NULL;
	}
	s->cfg = *cfg;
	s->loop = l;
	s->busy_log = (struct ratelog)RATELOG_INIT("http", 60000, 5);
	loop_timer_init(&s->accept_pause, accept_resume, s);
	if (addrcount_init(&s->per_client, cfg->max_connections) != 0) {
		snprintf(err, errlen, "http: out of memory");
		goto fail;
	}
	fd = net_listen(cfg->tls ? "https" : "http", cfg->listen, cfg->port, SOCK_STREAM,
	    &family, err, errlen);
	if (fd < 0 || (cfg->tls && tls_setup(s, err, errlen) != 0))
		goto fail;
	loop_fd_init(&s->listen, fd, on_accept, s);
	if (loop_add(s->loop, &s->listen, EPOLLIN) != 0) {
		snprintf(err, errlen, "http: epoll: %s", strerror(errno));
		goto fail;
	}
	return s;
fail:
	if (fd >= 0)
		close(fd);
	if (s->creds != NULL) {
		tls_creds_free(s->creds);
		free(s->creds);
	}
	addrcount_free(&s->per_client);
	free(s);
	return NULL;
}

void
http_server_stop(struct http_server *s)
{
	if (s == NULL)
		return;
	while (s->conns.head != NULL)
		conn_free(LIST_ENTRY(s->conns.head, struct http_conn, node));
	loop_timer_cancel(s->loop, &s->accept_pause);
	loop_del(s->loop, &s->listen);
	close(s->listen.fd);
	if (s->creds != NULL) {
		tls_creds_free(s->creds);
		free(s->creds);
	}
	addrcount_free(&s->per_client);
	free(s);
}
