/*
 * The status socket: STATE/pxestick.sock, a unix stream socket made
 * before the privilege drop (mode 0660: the owner and its group).  One
 * request line in, one document out, then the server closes:
 *
 *   "json\n"                    -> /status.json's document
 *   "text\n"                    -> `pxestick status`'s report
 *   "top 80 25 clients color\n" -> one screen of `pxestick top`
 *   "clients\n", "reset MAC\n", "forget MAC\n"
 *                               -> `pxestick clients` (the serve's command hook)
 *
 * The request parser is tiny and bounded (STATUS_MAX_REQUEST bytes); a
 * bad request gets "error: ..." and the connection is closed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "status/status_internal.h"

/* ---- the request line ---- */

/* Next word of p[*i..len): bounds in w (NUL-terminated copy), or -1. */
static int
word(const char *p, size_t len, size_t *i, char *w, size_t wsize)
{
	size_t n = 0;

	while (*i < len && p[*i] == ' ')
		(*i)++;
	if (*i == len)
		return -1;
	while (*i < len && p[*i] != ' ') {
		if (n + 1 == wsize)
			return -1;
		w[n++] = p[(*i)++];
	}
	w[n] = '\0';
	return 0;
}

int
status_sock_parse(const char *p, size_t len, struct status_sock_req *rq)
{
	char w[16];
	size_t i = 0;
	uint64_t v;

	memset(rq, 0, sizeof(*rq));
	if (len > STATUS_MAX_REQUEST)
		return -1;
	if (len > 0 && p[len - 1] == '\r')
		len--;
	if (word(p, len, &i, w, sizeof(w)) != 0)
		return -1;
	if (strcmp(w, "json") == 0 || strcmp(w, "text") == 0) {
		rq->what = w[0] == 'j' ? STATUS_SOCK_JSON : STATUS_SOCK_TEXT;
		return word(p, len, &i, w, sizeof(w)) == 0 ? -1 : 0;
	}
	if (strcmp(w, "top") != 0)
		return -1;
	rq->what = STATUS_SOCK_TOP;
	if (word(p, len, &i, w, sizeof(w)) != 0 || parse_u64(w, 1, 99999, &v) != 0)
		return -1;
	rq->cols = v > STATUS_MAX_COLS ? STATUS_MAX_COLS : (unsigned)v;
	if (word(p, len, &i, w, sizeof(w)) != 0 || parse_u64(w, 1, 99999, &v) != 0)
		return -1;
	rq->rows = v > STATUS_MAX_ROWS ? STATUS_MAX_ROWS : (unsigned)v;
	rq->view = STATUS_VIEW_CLIENTS;
	while (word(p, len, &i, w, sizeof(w)) == 0) {
		if (strcmp(w, "clients") == 0)
			rq->view = STATUS_VIEW_CLIENTS;
		else if (strcmp(w, "log") == 0)
			rq->view = STATUS_VIEW_EVENTS;
		else if (strcmp(w, "color") == 0)
			rq->color = 1;
		else
			return -1;
	}
	return 0;
}

/* ---- connections ---- */

static void
conn_free(struct status_sock_conn *c)
{
	struct status_server *ss = c->ss;

	loop_del(ss->loop, &c->h);
	loop_timer_cancel(ss->loop, &c->timer);
	close(c->h.fd);
	buf_free(&c->out);
	list_del(&ss->conns, &c->node);
	free(c);
}

/* Send what is left; free the connection when all is out (or it fails). */
static void
conn_flush(struct status_sock_conn *c)
{
	while (c->out_off < c->out.len) {
		ssize_t n = send(c->h.fd, c->out.data + c->out_off, c->out.len - c->out_off,
		    MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (loop_mod(c->ss->loop, &c->h, EPOLLOUT) != 0)
				conn_free(c);
			return;
		}
		if (n <= 0) {
			conn_free(c);
			return;
		}
		c->out_off += (size_t)n;
	}
	conn_free(c);
}

/* Answer the request line c->in[0..len), or (len -1) a line too long. */
static void
conn_answer(struct status_sock_conn *c, ssize_t len)
{
	struct status_server *ss = c->ss;
	struct status_sock_req rq;
	struct status_info *in;
	uint64_t now = loop_now(ss->loop);

	c->writing = 1;
	if (len >= 0 && ss->cfg.command != NULL &&
	    ss->cfg.command(ss->cfg.hook_ctx, c->in, (size_t)len, &c->out) == 0) {
		conn_flush(c);
		return;
	}
	in = malloc(sizeof(*in));
	if (in == NULL || len < 0 || status_sock_parse(c->in, (size_t)len, &rq) != 0) {
		buf_puts(&c->out, in == NULL ? "error: out of memory\n" :
		    "error: requests are: json | text | top COLS ROWS [clients|log] [color] | "
		    "clients | reset MAC | forget MAC\n");
		free(in);
		conn_flush(c);
		return;
	}
	status_server_info(ss, in);
	switch (rq.what) {
	case STATUS_SOCK_JSON:
		status_json(&ss->table, in, now, &c->out);
		break;
	case STATUS_SOCK_TEXT:
		status_text(&ss->table, in, now, &c->out);
		break;
	case STATUS_SOCK_TOP:
		status_screen(&ss->table, in, now, rq.cols, rq.rows, rq.view, rq.color, &c->out);
		break;
	}
	free(in);
	if (buf_failed(&c->out)) {
		buf_free(&c->out);
		buf_puts(&c->out, "error: out of memory\n");
	}
	conn_flush(c);
}

static void
conn_event(struct loop *l, struct loop_fd *h, uint32_t events)
{
	struct status_sock_conn *c = h->ctx;

	(void)l;
	if (c->writing) {
		conn_flush(c);
		return;
	}
	for (;;) {
		ssize_t n = recv(h->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, MSG_DONTWAIT);
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			conn_free(c); /* gone before asking */
			return;
		}
		c->in_len += (size_t)n;
		nl = memchr(c->in, '\n', c->in_len);
		if (nl != NULL || c->in_len == sizeof(c->in)) {
			conn_answer(c, nl != NULL ? nl - c->in : -1);
			return;
		}
	}
	if (events & (EPOLLERR | EPOLLHUP))
		conn_free(c);
}

static void
conn_timeout(struct loop *l, struct loop_timer *t)
{
	(void)l;
	conn_free(t->ctx);
}

static void
on_accept(struct loop *l, struct loop_fd *h, uint32_t events)
{
	struct status_server *ss = h->ctx;

	(void)events;
	for (int i = 0; i < STATUS_MAX_SOCK_CONNS; i++) {
		struct status_sock_conn *c;
		int fd = accept4(h->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return;
		if (ss->conns.n >= STATUS_MAX_SOCK_CONNS || (c = calloc(1, sizeof(*c))) == NULL) {
			close(fd);
			continue;
		}
		c->ss = ss;
		loop_fd_init(&c->h, fd, conn_event, c);
		loop_timer_init(&c->timer, conn_timeout, c);
		buf_init(&c->out);
		if (loop_add(l, &c->h, EPOLLIN) != 0) {
			close(fd);
			free(c);
			continue;
		}
		(void)loop_timer_set(l, &c->timer, STATUS_SOCK_TIMEOUT_MS);
		list_add(&ss->conns, &c->node);
	}
}

/* ---- the listening socket ---- */

int
status_sock_open(struct status_server *ss, const char *path)
{
	struct sockaddr_un sa;
	mode_t old;
	int fd, probe;

	ss->listen.fd = -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path) >=
	    sizeof(sa.sun_path)) {
		log_msg("status: %s: the path is too long for a unix socket: pxestick status "
		    "and top cannot reach this server", path);
		return -1;
	}
	/* A server still answering there keeps it; a stale socket goes. */
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(probe);
		log_msg("status: another pxestick serve answers on %s: pxestick status and top "
		    "reach that one, not this one", sa.sun_path);
		return -1;
	}
	if (probe >= 0)
		close(probe);
	(void)unlink(sa.sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	old = umask(0117);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		umask(old);
		goto fail;
	}
	umask(old);
	if (chmod(sa.sun_path, 0660) != 0 || listen(fd, STATUS_MAX_SOCK_CONNS) != 0)
		goto fail_unlink;
	loop_fd_init(&ss->listen, fd, on_accept, ss);
	if (loop_add(ss->loop, &ss->listen, EPOLLIN) != 0) {
		ss->listen.fd = -1;
		goto fail_unlink;
	}
	snprintf(ss->path, sizeof(ss->path), "%s", sa.sun_path);
	return 0;
fail_unlink:
	(void)unlink(sa.sun_path);
fail:
	log_msg("status: socket %s: %s: pxestick status and top cannot reach this server",
	    sa.sun_path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

void
status_sock_close(struct status_server *ss)
{
	while (ss->conns.head != NULL)
		conn_free(LIST_ENTRY(ss->conns.head, struct status_sock_conn, node));
	if (ss->listen.fd < 0)
		return;
	loop_del(ss->loop, &ss->listen);
	close(ss->listen.fd);
	ss->listen.fd = -1;
	if (ss->path[0] != '\0')
		(void)unlink(ss->path);
}
