/*
 * One server-side TLS connection on a non-blocking socket, for an event
 * loop.  BearSSL's engine (br_ssl_server_context) does the protocol; this
 * moves bytes between it and the socket and gives read(2)/write(2)-like
 * calls to the HTTP server.
 *
 * Protocol: TLS 1.2 only; ECDHE key exchange with AES-128-GCM,
 * AES-256-GCM or ChaCha20-Poly1305 (the client's preference among
 * them); an ECDSA or RSA certificate as the credentials hold.  No session
 * resumption, no renegotiation, ALPN "http/1.1" when the client asks.
 *
 * Memory: everything lives in struct tls_conn, which the caller
 * allocates: 37,320 bytes on x86-64 (the engine's full-duplex buffers,
 * TLS_CONN_INPUT_BUF + TLS_CONN_OUTPUT_BUF = 33,178, and BearSSL's
 * server context, 4,128).  Nothing is allocated here, and the struct
 * MUST NOT be moved while in use.  Full duplex is what lets the HTTP
 * server write a response while a pipelined request waits unread in the
 * engine: BearSSL's half-duplex mode (BR_SSL_BUFSIZE_MONO, 16.3 KiB)
 * cannot send while decrypted input is unread, and deadlocks there.
 * A smaller output buffer saves memory at a cost in throughput (see
 * TLS_CONN_OUTPUT_BUF in common/limits.h).
 *
 * I/O: only read(2) and send(2) on the caller's socket (send with
 * MSG_NOSIGNAL: a peer that went away yields EPIPE, never SIGPIPE), and
 * getentropy(2) in tls_conn_init().  No file is opened, so it works
 * after chroot and under a seccomp filter that allows those calls.
 *
 * The event-loop contract:
 *   - tls_conn_read(), tls_conn_write(), tls_conn_flush() and
 *     tls_conn_close() return -1 with errno EAGAIN when they cannot go
 *     on without the socket; the loop then waits for tls_conn_want()
 *     and calls again.  Any of them drives the handshake.
 *   - Decrypted bytes can wait inside the engine after the socket is
 *     drained (a record holds up to 16 KiB), so readiness of the socket
 *     is no guide to them: read until tls_conn_read() gives -1/EAGAIN
 *     (or check tls_conn_pending()) before waiting for EPOLLIN.
 *   - Bytes accepted by tls_conn_write() are on their way: whatever the
 *     socket did not take yet goes out on later calls, so while
 *     tls_conn_want() has EPOLLOUT, call tls_conn_flush() (or write
 *     more) when the socket is writable.
 *   - A failure (bad peer input, a socket error, a refused handshake)
 *     ends that connection only: the calls return -1 with errno EPROTO
 *     (TLS) or the socket's errno, tls_conn_closed() is then true and
 *     tls_conn_error() says what happened, for one log line.  The caller
 *     closes the socket; the struct may be reused with tls_conn_init().
 */
#ifndef PXESTICK_TLS_CONN_H
#define PXESTICK_TLS_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <bearssl.h>

#include "common/limits.h"
#include "tls/tls_cert.h"

/* Bytes of a tls_conn_error() message. */
#define TLS_CONN_ERROR_SIZE     256

struct tls_conn {
	br_ssl_server_context sc;
	int sys_errno;                  /* socket errno that ended it, or 0 */
	unsigned char eof;              /* the peer closed the TCP stream */
	unsigned char established;      /* the handshake completed */
	unsigned char plain_http;       /* its first bytes looked like HTTP */
	unsigned char sniffed;          /* first bytes looked at */
	unsigned char first;            /* the first byte received */
	unsigned char closing;          /* close_notify queued */
	unsigned char ibuf[TLS_CONN_INPUT_BUF];
	unsigned char obuf[TLS_CONN_OUTPUT_BUF];
};

/*
 * Set up t for a new connection with c (which MUST outlive t's use).
 * Seeds the engine from getentropy(2).  0, or -1 (errno from getentropy,
 * or EINVAL when the engine refuses the credentials).
 */
int tls_conn_init(struct tls_conn *t, const struct tls_creds *c);

/*
 * Decrypt up to len (> 0) bytes into buf.  Returns the count (> 0); 0 when
 * the peer closed (close_notify, or end of stream after the handshake);
 * -1 with errno EAGAIN (wait for tls_conn_want()), EPROTO (TLS failure),
 * or the socket's errno.
 */
ssize_t tls_conn_read(struct tls_conn *t, int fd, void *buf, size_t len);

/*
 * Encrypt up to len (> 0) bytes of buf.  Returns the count accepted (> 0;
 * at most one record, 16 KiB, per call: loop as with write(2)); -1 with
 * errno EAGAIN, EPIPE (the connection is closed), EPROTO, or the
 * socket's errno.  The accepted bytes are sealed into a record at once,
 * so a caller writing a response in pieces makes one record per call:
 * write in large pieces.
 */
ssize_t tls_conn_write(struct tls_conn *t, int fd, const void *buf, size_t len);

/* Send what the engine holds.  0 when all is sent, else -1 (EAGAIN, ...). */
int tls_conn_flush(struct tls_conn *t, int fd);

/*
 * Send close_notify (once) and flush it.  0 when it is out (the caller
 * may then close the socket without waiting for the peer's), -1 with
 * EAGAIN while it is not, or another errno when the connection failed.
 */
int tls_conn_close(struct tls_conn *t, int fd);

/*
 * The events (EPOLLIN, EPOLLOUT) the connection waits for; 0 once it is
 * closed or failed.  Meaningful after a call returned -1/EAGAIN.
 */
uint32_t tls_conn_want(const struct tls_conn *t);

/* Decrypted bytes waiting in the engine, ready for tls_conn_read(). */
size_t tls_conn_pending(const struct tls_conn *t);

/* 1 once the connection is over (closed by either side, or failed). */
int tls_conn_closed(const struct tls_conn *t);

/* 1 once the handshake has completed. */
int tls_conn_established(const struct tls_conn *t);

/*
 * Why the connection ended, as one line without peer bytes: "closed"
 * after a clean close, else e.g. "client sent fatal alert 48 (unknown_ca:
 * it does not trust our certificate)", "client offers only TLS versions
 * we do not support", "plain HTTP request on the HTTPS port".  Returns
 * buf (len bytes, TLS_CONN_ERROR_SIZE is enough).
 */
const char *tls_conn_error(const struct tls_conn *t, char *buf, size_t len);

/* "TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256" (OpenSSL's names), or "" before
 * the handshake completed.  Returns buf. */
const char *tls_conn_describe(const struct tls_conn *t, char *buf, size_t len);

#endif
