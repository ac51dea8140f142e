/*
 * tls-test-server: a tiny HTTPS server on services/tls, for
 * tests/host/test_tls.sh.  One process, one epoll loop, non-blocking
 * sockets.
 *
 *   tls-test-server --port N --state DIR [--bind ADDR] [--cert F --key F]
 *                   [--san NAME]...
 *
 * Every request gets a small fixed body; "GET /big?N" streams N bytes of
 * 64-byte lines (PATTERN_LINE and a newline), so a test can rebuild the
 * stream with `yes LINE | head -c N`.  Port 0 picks a free
 * port; the chosen one is logged ("listening on ADDR port N").  Every
 * connection that ends badly is logged with its reason, and never
 * affects the others.  SIGTERM and SIGINT stop it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "tls/tls_cert.h"
#include "tls/tls_conn.h"

#define MAX_CONNS       64
#define IDLE_MS         10000
#define REQ_MAX         4096
#define PATTERN_LINE    "pxestick tls test stream 0123456789 abcdefghijklmnopqrstuvwxyz."
#define SMALL_BODY      "hello from pxestick tls\n"

_Static_assert(sizeof(PATTERN_LINE) == 64, "63 characters and a NUL");

enum conn_state { ST_READ, ST_WRITE, ST_CLOSE };

struct conn {
	int fd;
	enum conn_state st;
	struct tls_conn tls;
	char peer[64];
	int logged_suite;
	uint64_t last;                  /* ms of the last progress */
	char req[REQ_MAX];
	size_t req_len;
	size_t req_used;                /* bytes of the request being answered */
	char head[512];
	size_t head_len, head_off;
	uint64_t big_left, big_sent;
	int keep_alive;
};

static struct tls_creds creds;
static char pattern[16384];
static struct conn *conns[MAX_CONNS];
static int epfd;

static void
say(const char *fmt, ...)
{
	va_list ap;

	fputs("tls-test-server: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
conn_free(struct conn *c, const char *why)
{
	char e[TLS_CONN_ERROR_SIZE];
	size_t i;

	if (why == NULL)
		why = tls_conn_error(&c->tls, e, sizeof(e));
	if (strcmp(why, "closed") != 0)
		say("%s: %s%s", c->peer,
		    tls_conn_established(&c->tls) ? "" : "handshake failed: ", why);
	epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	for (i = 0; i < MAX_CONNS; i++)
		if (conns[i] == c)
			conns[i] = NULL;
	free(c);
}

/* A complete request head in c->req: answer it. */
static int
start_response(struct conn *c)
{
	char *end, *sp, target[256];
	size_t tlen;
	uint64_t n = 0;
	int big = 0, http11;

	end = memmem(c->req, c->req_len, "\r\n\r\n", 4);
	if (end == NULL)
		return 0;
	c->req_used = (size_t)(end - c->req) + 4;
	*end = '\0';
	sp = strchr(c->req, ' ');
	tlen = sp != NULL ? strcspn(sp + 1, " \r\n") : 0;
	if (tlen >= sizeof(target))
		tlen = sizeof(target) - 1;
	memcpy(target, sp != NULL ? sp + 1 : "", tlen);
	target[tlen] = '\0';
	http11 = strstr(c->req, " HTTP/1.1") != NULL;
	c->keep_alive = http11 && strcasestr(c->req, "\nconnection: close") == NULL;
	if (strncmp(target, "/big?", 5) == 0 &&
	    parse_u64(target + 5, 0, (uint64_t)1 << 40, &n) == 0)
		big = 1;
	c->big_left = big ? n : 0;
	c->big_sent = 0;
	c->head_off = 0;
	c->head_len = (size_t)snprintf(c->head, sizeof(c->head),
	    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	    "Content-Length: %llu\r\nConnection: %s\r\n\r\n%s",
	    big ? (unsigned long long)n : (unsigned long long)strlen(SMALL_BODY),
	    c->keep_alive ? "keep-alive" : "close", big ? "" : SMALL_BODY);
	c->st = ST_WRITE;
	return 1;
}

/* Run c as far as the socket allows; 0 to keep it, -1 when freed. */
static int
conn_run(struct conn *c)
{
	char e[TLS_CONN_ERROR_SIZE];

	for (;;) {
		if (!c->logged_suite && tls_conn_established(&c->tls)) {
			c->logged_suite = 1;
			say("%s: %s", c->peer, tls_conn_describe(&c->tls, e, sizeof(e)));
		}
		if (c->st == ST_READ) {
			ssize_t n;

			if (start_response(c))
				continue;
			if (c->req_len == sizeof(c->req)) {
				conn_free(c, "request head too large");
				return -1;
			}
			n = tls_conn_read(&c->tls, c->fd, c->req + c->req_len,
			    sizeof(c->req) - c->req_len);
			if (n > 0) {
				c->req_len += (size_t)n;
				c->last = now_ms();
				continue;
			}
			if (n < 0 && errno == EAGAIN)
				break;
			conn_free(c, NULL);
			return -1;
		}
		if (c->st == ST_WRITE) {
			const char *p;
			size_t len;
			ssize_t n;

			if (c->head_off < c->head_len) {
				p = c->head + c->head_off;
				len = c->head_len - c->head_off;
			} else if (c->big_left > 0) {
				p = pattern + c->big_sent % 64;
				len = sizeof(pattern) - 64;
				if (len > c->big_left)
					len = (size_t)c->big_left;
			} else {
				/* Done: the next (maybe pipelined) request. */
				memmove(c->req, c->req + c->req_used,
				    c->req_len - c->req_used);
				c->req_len -= c->req_used;
				c->req_used = 0;
				c->st = c->keep_alive ? ST_READ : ST_CLOSE;
				continue;
			}
			n = tls_conn_write(&c->tls, c->fd, p, len);
			if (n < 0 && errno == EAGAIN)
				break;
			if (n < 0) {
				conn_free(c, NULL);
				return -1;
			}
			c->last = now_ms();
			if (c->head_off < c->head_len) {
				c->head_off += (size_t)n;
			} else {
				c->big_left -= (uint64_t)n;
				c->big_sent += (uint64_t)n;
			}
			continue;
		}
		/* ST_CLOSE */
		if (tls_conn_close(&c->tls, c->fd) == 0 || errno != EAGAIN) {
			conn_free(c, "closed");
			return -1;
		}
		break;
	}
	{
		struct epoll_event ev;
		uint32_t want = tls_conn_want(&c->tls);

		if (want == 0 && tls_conn_closed(&c->tls)) {
			conn_free(c, NULL);
			return -1;
		}
		memset(&ev, 0, sizeof(ev));
		ev.events = want != 0 ? want : EPOLLIN;
		ev.data.ptr = c;
		epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
	}
	return 0;
}

static void
accept_all(int lfd)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct epoll_event ev;
		struct conn *c;
		char host[INET6_ADDRSTRLEN];
		size_t i;
		int fd;

		fd = accept4(lfd, (struct sockaddr *)&ss, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		for (i = 0; i < MAX_CONNS && conns[i] != NULL; i++)
			;
		c = i < MAX_CONNS ? calloc(1, sizeof(*c)) : NULL;
		if (c == NULL) {
			say("refusing a connection: %d open", MAX_CONNS);
			close(fd);
			continue;
		}
		c->fd = fd;
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
			snprintf(c->peer, sizeof(c->peer), "[%s]:%u", host,
			    ntohs(s6->sin6_port));
		} else {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
			snprintf(c->peer, sizeof(c->peer), "%s:%u", host,
			    ntohs(s4->sin_port));
		}
		if (tls_conn_init(&c->tls, &creds) != 0) {
			say("%s: tls_conn_init: %s", c->peer, strerror(errno));
			close(fd);
			free(c);
			continue;
		}
		c->last = now_ms();
		conns[i] = c;
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
	}
}

static int
listen_on(const char *addr, unsigned port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		sl = sizeof(*s4);
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		sl = sizeof(*s6);
	} else {
		say("--bind %s: not an IP address", addr);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)) != 0 || bind(fd, (struct sockaddr *)&ss, sl) != 0 ||
	    listen(fd, 64) != 0 || getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		say("listen on %s port %u: %s", addr, port, strerror(errno));
		return -1;
	}
	say("listening on %s port %u", addr, ntohs(ss.ss_family == AF_INET ?
	    s4->sin_port : s6->sin6_port));
	return fd;
}

static void
usage(void)
{
	fprintf(stderr, "usage: tls-test-server --port N --state DIR "
	    "[--bind ADDR] [--cert FILE --key FILE] [--san NAME]...\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *state = NULL, *cert = NULL, *key = NULL, *bind_addr = "127.0.0.1";
	const char *sans[TLS_MAX_SANS + 1];
	char err[TLS_MAX_ERROR], fp[TLS_FINGERPRINT_SIZE], desc[32];
	struct epoll_event ev, evs[32];
	uint64_t port = 0;
	size_t n_sans = 0, i;
	sigset_t sigs;
	int lfd, sfd, rc, a, have_port = 0;

	for (a = 1; a < argc; a++) {
		const char *opt = argv[a], *val = a + 1 < argc ? argv[a + 1] : NULL;

		if (val == NULL)
			usage();
		a++;
		if (strcmp(opt, "--port") == 0) {
			if (parse_u64(val, 0, 65535, &port) != 0)
				usage();
			have_port = 1;
		} else if (strcmp(opt, "--state") == 0) {
			state = val;
		} else if (strcmp(opt, "--bind") == 0) {
			bind_addr = val;
		} else if (strcmp(opt, "--cert") == 0) {
			cert = val;
		} else if (strcmp(opt, "--key") == 0) {
			key = val;
		} else if (strcmp(opt, "--san") == 0) {
			if (n_sans == TLS_MAX_SANS + 1)
				usage();
			sans[n_sans++] = val;
		} else {
			usage();
		}
	}
	if (!have_port || (state == NULL && cert == NULL) ||
	    (cert == NULL) != (key == NULL))
		usage();

	if (cert != NULL) {
		rc = tls_creds_load(&creds, cert, key, err, sizeof(err));
		if (rc != 0) {
			say("%s", err);
			return 1;
		}
		say("certificate loaded from %s", cert);
	} else {
		if (mkdir(state, 0700) != 0 && errno != EEXIST) {
			say("%s: %s", state, strerror(errno));
			return 1;
		}
		rc = tls_creds_load_or_create(&creds, state, sans, n_sans,
		    err, sizeof(err));
		if (rc < 0) {
			say("%s", err);
			return 1;
		}
		if (rc == TLS_CREDS_CREATED)
			say("certificate created: %s", err);
		else
			say("certificate loaded from %s", state);
	}
	tls_creds_fingerprint(&creds, fp);
	say("certificate %s sha256 %s", tls_creds_describe(&creds, desc,
	    sizeof(desc)), fp);

	for (i = 0; i < sizeof(pattern); i += 64) {
		memcpy(pattern + i, PATTERN_LINE, 63);
		pattern[i + 63] = '\n';
	}
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	lfd = listen_on(bind_addr, (unsigned)port);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || lfd < 0 || epfd < 0)
		return 1;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = &lfd;
	epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
	ev.data.ptr = &sfd;
	epoll_ctl(epfd, EPOLL_CTL_ADD, sfd, &ev);

	for (;;) {
		int n = epoll_wait(epfd, evs, 32, 1000), j;
		uint64_t now;

		if (n < 0 && errno != EINTR) {
			say("epoll_wait: %s", strerror(errno));
			return 1;
		}
		for (j = 0; j < n; j++) {
			void *p = evs[j].data.ptr;

			if (p == &sfd) {
				say("stopping");
				for (i = 0; i < MAX_CONNS; i++)
					if (conns[i] != NULL)
						conn_free(conns[i], "closed");
				tls_creds_free(&creds);
				return 0;
			}
			if (p == &lfd) {
				accept_all(lfd);
				continue;
			}
			/* A connection freed earlier in this batch is gone
			 * from conns[]: skip its stale event. */
			for (i = 0; i < MAX_CONNS && conns[i] != p; i++)
				;
			if (i < MAX_CONNS)
				conn_run(conns[i]);
		}
		now = now_ms();
		for (i = 0; i < MAX_CONNS; i++)
			if (conns[i] != NULL && now - conns[i]->last > IDLE_MS)
				conn_free(conns[i], "idle timeout");
	}
}
