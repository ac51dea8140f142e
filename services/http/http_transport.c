/*
 * The two transports of an HTTP connection (http_internal.h): plain TCP,
 * where a file range goes out with sendfile(2) straight from the .iso,
 * and TLS, where BearSSL seals each record and a file is read a record's
 * worth at a time.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/http_internal.h"
#include "tls/tls_conn.h"

/* One TLS record's worth of plaintext. */
#define TLS_CHUNK (16u * 1024)

/* ---- plain TCP ---- */

static ssize_t
plain_recv(struct http_conn *c, void *buf, size_t len)
{
	return recv(c->h.fd, buf, len, 0);
}

static ssize_t
plain_sendv(struct http_conn *c, const struct iovec *iov, int n, int more)
{
	struct msghdr msg;

	if (n == 1)
		return send(c->h.fd, iov[0].iov_base, iov[0].iov_len,
		    MSG_NOSIGNAL | (more ? MSG_MORE : 0));
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = (struct iovec *)(uintptr_t)iov;
	msg.msg_iovlen = (size_t)n;
	return sendmsg(c->h.fd, &msg, MSG_NOSIGNAL | (more ? MSG_MORE : 0));
}

/* The kernel copies from the .iso's page cache: the bytes never pass
 * through this process. */
static ssize_t
plain_send_file(struct http_conn *c, uint64_t off, uint64_t len)
{
	uint64_t fd_off, seg;
	off_t o;
	int fd;

	if (vfs_segment(&c->file, off, &fd, &fd_off, &seg) != 0) {
		errno = EIO;
		return -1;
	}
	o = (off_t)fd_off;
	return sendfile(c->h.fd, fd, &o, (size_t)(len < seg ? len : seg));
}

static int
plain_flush(struct http_conn *c)
{
	(void)c;
	return 0;
}

static int
plain_shutdown(struct http_conn *c)
{
	(void)shutdown(c->h.fd, SHUT_WR);
	return 0;
}

static uint32_t
plain_want(const struct http_conn *c)
{
	(void)c;
	return 0;
}

static const char *
plain_failure(const struct http_conn *c, char *buf, size_t len)
{
	(void)c;
	(void)buf;
	(void)len;
	return NULL;
}

static void
plain_free(struct http_conn *c)
{
	(void)c;
}

const struct http_transport http_transport_plain = {
	"http", plain_recv, plain_sendv, plain_send_file, plain_flush, plain_shutdown,
	plain_want, plain_failure, plain_free,
};

/* ---- TLS ---- */

static ssize_t
tls_recv(struct http_conn *c, void *buf, size_t len)
{
	return tls_conn_read(c->tls, c->h.fd, buf, len);
}

/* A record per call: several small pieces (a head and a short body) are
 * gathered into one record rather than one each. */
static ssize_t
tls_sendv(struct http_conn *c, const struct iovec *iov, int n, int more)
{
	unsigned char chunk[TLS_CHUNK];
	size_t len = 0;

	(void)more;
	if (n == 1)
		return tls_conn_write(c->tls, c->h.fd, iov[0].iov_base, iov[0].iov_len);
	for (int i = 0; i < n && len < sizeof(chunk); i++) {
		size_t k = iov[i].iov_len < sizeof(chunk) - len ? iov[i].iov_len :
		    sizeof(chunk) - len;

		memcpy(chunk + len, iov[i].iov_base, k);
		len += k;
	}
	return tls_conn_write(c->tls, c->h.fd, chunk, len);
}

/* TLS has no sendfile: read a record's worth of the file and seal it.
 * What the engine does not take is read again next time (pread). */
static ssize_t
tls_send_file(struct http_conn *c, uint64_t off, uint64_t len)
{
	char chunk[TLS_CHUNK];
	ssize_t n;

	n = vfs_pread(&c->file, chunk, (size_t)(len < sizeof(chunk) ? len : sizeof(chunk)), off);
	if (n <= 0) {
		if (n == 0)
			errno = EIO;
		return -1;
	}
	return tls_conn_write(c->tls, c->h.fd, chunk, (size_t)n);
}

static int
tls_flush(struct http_conn *c)
{
	return tls_conn_flush(c->tls, c->h.fd);
}

/* Our last records and close_notify go out before the write side closes. */
static int
tls_shutdown(struct http_conn *c)
{
	if (tls_conn_close(c->tls, c->h.fd) != 0 && errno == EAGAIN)
		return -1;
	(void)shutdown(c->h.fd, SHUT_WR);
	return 0;
}

static uint32_t
tls_want(const struct http_conn *c)
{
	return tls_conn_want(c->tls);
}

static const char *
tls_failure(const struct http_conn *c, char *buf, size_t len)
{
	if (tls_conn_established(c->tls))
		return NULL;
	return tls_conn_error(c->tls, buf, len);
}

static void
tls_free(struct http_conn *c)
{
	free(c->tls);
	c->tls = NULL;
}

const struct http_transport http_transport_tls = {
	"https", tls_recv, tls_sendv, tls_send_file, tls_flush, tls_shutdown,
	tls_want, tls_failure, tls_free,
};

int
http_tls_attach(struct http_conn *c, const struct tls_creds *creds)
{
	/* ~37 KiB of record buffers: only HTTPS connections pay it. */
	c->tls = malloc(sizeof(*c->tls));
	if (c->tls == NULL || tls_conn_init(c->tls, creds) != 0) {
		free(c->tls);
		c->tls = NULL;
		return -1;
	}
	c->tx = &http_transport_tls;
	return 0;
}
