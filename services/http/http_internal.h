/*
 * Internals of the HTTP server: a connection and its response plan.
 */
#ifndef PXESTICK_HTTP_INTERNAL_H
#define PXESTICK_HTTP_INTERNAL_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "common/addrcount.h"
#include "common/buf.h"
#include "common/limits.h"
#include "common/list.h"
#include "common/loop.h"
#include "common/net.h"
#include "common/ratelog.h"
#include "http/http.h"
#include "http/http_parse.h"
#include "status/status.h"
#include "vfs/vfs.h"

struct http_conn;
struct tls_conn;
struct tls_creds;

/*
 * How a connection's bytes move, chosen once at accept: plain TCP
 * (sendfile from the file) or TLS (BearSSL records).  Calls are
 * non-blocking: -1 with errno EAGAIN means "wait for the socket, then
 * call again" (for the events the state needs, plus want()).
 */
struct http_transport {
	const char *scheme;     /* "http" or "https", for the log */
	/* Bytes received into buf (> 0), 0 at the peer's end, or -1. */
	ssize_t (*recv)(struct http_conn *c, void *buf, size_t len);
	/* Send iov[0..n) in order (more: more follows at once).  Bytes taken. */
	ssize_t (*sendv)(struct http_conn *c, const struct iovec *iov, int n, int more);
	/* Send up to len bytes of the open file (c->file) from off.  Bytes taken. */
	ssize_t (*send_file)(struct http_conn *c, uint64_t off, uint64_t len);
	/* Push out what the transport holds.  0 when nothing is left, else -1. */
	int (*flush)(struct http_conn *c);
	/* Close the sending side (TLS: close_notify first).  0 when done, else -1. */
	int (*shutdown)(struct http_conn *c);
	/* Events the transport itself waits for (TLS: records, handshake). */
	uint32_t (*want)(const struct http_conn *c);
	/* Why the connection ended, when that is worth a log line (a failed
	 * TLS handshake), else NULL. */
	const char *(*failure)(const struct http_conn *c, char *buf, size_t len);
	/* Free the transport's own state. */
	void (*free)(struct http_conn *c);
};

extern const struct http_transport http_transport_plain;
extern const struct http_transport http_transport_tls;

/* Give c the TLS transport with creds (which MUST outlive c).  0, or -1. */
int http_tls_attach(struct http_conn *c, const struct tls_creds *creds);

/* Timeouts, in ms: a slow or idle client never holds anyone else up. */
#define HTTP_HEAD_TIMEOUT_MS    10000   /* first byte to complete head */
#define HTTP_IDLE_TIMEOUT_MS    30000   /* keep-alive, between requests */
#define HTTP_SEND_TIMEOUT_MS    30000   /* without any byte sent */
/* Bytes one connection may send per turn before others get theirs. */
#define HTTP_TURN_BYTES         (4u * 1024 * 1024)
#define HTTP_MAX_RESPONSE_HEAD  1024
#define HTTP_LOG_PATH           256

/* The body is a list of pieces: generated text or a range of the file. */
enum http_piece_kind { PIECE_TEXT, PIECE_FILE };

struct http_piece {
	enum http_piece_kind kind;
	uint64_t off, len;      /* TEXT: in conn->text; FILE: in conn->file */
};

enum http_conn_state {
	CONN_READING,           /* waiting for (the rest of) a request head */
	CONN_WRITING,           /* sending head + pieces */
	CONN_DRAINING,          /* response sent, reading until EOF, then close */
};

struct http_conn {
	struct loop_fd h;
	struct loop_timer timer;
	struct http_server *srv;
	struct list_node node;  /* in srv->conns */
	const struct http_transport *tx;
	enum http_conn_state state;

	char in[HTTP_MAX_HEAD_BYTES];
	size_t in_len, scanned;

	char head[HTTP_MAX_RESPONSE_HEAD];
	size_t head_len, head_off;
	struct buf text;
	struct vfs_file file;
	int file_open;
	struct http_piece pieces[2 * HTTP_MAX_RANGES + 2];
	size_t n_pieces, cur;
	uint64_t piece_done;
	int keep_alive;

	/* Access log of the current request. */
	uint64_t t_start;
	int status;
	uint64_t body_sent;
	char method[16];
	char path[HTTP_LOG_PATH];
	char peer[NET_ADDR_STR];
	char server_url[NET_URL_STR];   /* http://ADDR[:PORT] the client reached */
	struct sockaddr_storage peer_addr;
	struct status_ref st;   /* the client table's view of this response */

	struct tls_conn *tls;   /* the TLS transport's state, or NULL */
};

struct http_server {
	struct http_config cfg;
	struct loop *loop;
	struct loop_fd listen;
	struct loop_timer accept_pause;
	struct tls_creds *creds;        /* HTTPS only */
	struct list conns;              /* of struct http_conn */
	struct addrcount per_client;    /* connections per peer address */
	struct ratelog busy_log;        /* 503s at the connection cap */
};

/*
 * Build the response for the parsed request in c (http_respond.c).  The
 * cleaned path it served (or tried) goes to path (size bytes); "" when
 * the path boundary refused the request's path.
 */
void http_respond(struct http_conn *c, const struct http_request *req, char *path,
    size_t size);
/* A response without a request (400/408/431/503...). */
void http_respond_error(struct http_conn *c, int status, const char *why);
/* Drop the current response's resources (file, text). */
void http_response_reset(struct http_conn *c);

#endif
