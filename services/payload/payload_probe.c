/*
 * One HTTP/1.1 exchange with a payload URL: blocking, bounded by a
 * deadline, in the check's child process (never in the event loop).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/loop.h"
#include "common/version.h"
#include "payload/payload.h"

/* Wait for events on fd until deadline: 1 ready, 0 timed out, -1 error. */
static int
wait_fd(int fd, short events, uint64_t deadline)
{
	for (;;) {
		uint64_t t = loop_clock_ms();
		struct pollfd p = { fd, events, 0 };
		int rc;

		if (t >= deadline)
			return 0;
		rc = poll(&p, 1, (int)(deadline - t));
		if (rc < 0 && errno == EINTR)
			continue;
		return rc < 0 ? -1 : rc;
	}
}

/* A connected socket to one of u's addresses, or -1 with why. */
static int
connect_to(const struct payload_url *u, uint64_t deadline, char *why, size_t whylen)
{
	struct addrinfo hints, *res, *ai;
	char port[8];
	int rc, fd = -1, err = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%u", u->port);
	rc = getaddrinfo(u->host, port, &hints, &res);
	if (rc != 0) {
		snprintf(why, whylen, "%s: %s", u->host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		socklen_t len = sizeof(err);

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		err = errno;
		if (err == EINPROGRESS) {
			rc = wait_fd(fd, POLLOUT, deadline);
			err = rc == 0 ? ETIMEDOUT : rc < 0 ? errno : 0;
			if (err == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
				err = errno;
			if (err == 0)
				break;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		snprintf(why, whylen, "nothing answers at %s (%s)", u->authority,
		    err == ETIMEDOUT ? "no answer in time" : strerror(err));
	return fd;
}

static int
send_all(int fd, const char *p, size_t n, uint64_t deadline)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w > 0) {
			p += w;
			n -= (size_t)w;
		} else if (w < 0 && errno != EAGAIN && errno != EINTR) {
			return -1;
		} else if (w < 0 && wait_fd(fd, POLLOUT, deadline) != 1) {
			return -1;
		}
	}
	return 0;
}

/*
 * Read the head and up to want_len body bytes into buf (size bytes).
 * 0 with r parsed and *got bytes in buf, or -1 with why.
 */
static int
read_answer(int fd, char *buf, size_t size, struct payload_response *r, size_t want_len,
    size_t *got, uint64_t deadline, char *why, size_t whylen)
{
	size_t have = 0;
	int parsed = 0;

	for (;;) {
		ssize_t n;

		if (parsed == 1 && have - r->head_len >= want_len)
			break;
		if (have == size)
			break;
		n = recv(fd, buf + have, size - have, 0);
		if (n > 0) {
			have += (size_t)n;
			if (parsed == 0 &&
			    (parsed = payload_response_parse(buf, have, r, why, whylen)) < 0)
				return -1;
			continue;
		}
		if (n == 0)
			break;       /* the server closed: judge what came */
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN || wait_fd(fd, POLLIN, deadline) != 1) {
			snprintf(why, whylen, "%s", errno == EAGAIN ? "no answer in time" :
			    strerror(errno));
			return -1;
		}
	}
	if (parsed != 1) {
		snprintf(why, whylen, "%s", have == 0 ? "closed without an answer" :
		    "closed in the middle of its answer");
		return -1;
	}
	*got = have - r->head_len;
	return 0;
}

int
payload_probe(const struct payload_url *u, const char *path, uint64_t want_size,
    const void *want, size_t want_len, unsigned timeout_ms, char *why, size_t whylen)
{
	static char buf[PAYLOAD_HEAD_MAX + PAYLOAD_PROBE_BYTES];
	uint64_t deadline = loop_clock_ms() + timeout_ms;
	struct payload_response r;
	char req[1024];
	size_t got = 0;
	int fd, n, rc;

	if (want_len == 0 || want_len > PAYLOAD_PROBE_BYTES) {
		snprintf(why, whylen, "nothing to compare");
		return -1;
	}
	n = snprintf(req, sizeof(req), "GET %s%s HTTP/1.1\r\nHost: %s\r\n"
	    "Range: bytes=0-%zu\r\nUser-Agent: pxestick/%s (payload check)\r\n"
	    "Connection: close\r\n\r\n", u->path, path, u->authority, want_len - 1,
	    pxestick_version);
	if (n < 0 || (size_t)n >= sizeof(req)) {
		snprintf(why, whylen, "the request is too long");
		return -1;
	}
	if ((fd = connect_to(u, deadline, why, whylen)) < 0)
		return -1;
	if (send_all(fd, req, (size_t)n, deadline) != 0) {
		snprintf(why, whylen, "%s closed before taking the request", u->authority);
		close(fd);
		return -1;
	}
	rc = read_answer(fd, buf, sizeof(buf), &r, want_len, &got, deadline, why, whylen);
	close(fd);
	if (rc != 0)
		return -1;
	return payload_judge(&r, buf + r.head_len, got < want_len ? got : want_len, want_size,
	    want, want_len, why, whylen);
}
