/*
 * Internals of the HTTP server: a connection and its response plan.
 */
#ifndef PXESTICK_HTTP_INTERNAL_H
#define PXESTICK_HTTP_INTERNAL_H

#include <stdint.h>

#include "common/buf.h"
#include "common/limits.h"
#include "common/loop.h"
#include "http/http.h"
#include "http/http_parse.h"
#include "status/status.h"
#include "vfs/vfs.h"

struct tls_conn;
struct tls_creds;

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
	struct http_conn *prev, *next;
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
	char peer[64];
	char server_url[80];    /* http://ADDR[:PORT] the client reached */
	struct sockaddr_storage peer_addr;
	struct status_ref st;   /* the client table's view of this response */

	struct tls_conn *tls;
};

struct http_server {
	struct serve *srv;
	struct loop *loop;
	struct loop_fd listen;
	struct loop_timer accept_pause;
	int tls;
	uint16_t port;
	struct tls_creds *creds;
	struct http_conn *conns;
	unsigned n_conns, max_conns;
	uint64_t refused;
};

/* Build the response for the parsed request in c (http_respond.c). */
void http_respond(struct http_conn *c, const struct http_request *req);
/* A response without a request (400/408/431/503...). */
void http_respond_error(struct http_conn *c, int status, const char *why);
/* Drop the current response's resources (file, text). */
void http_response_reset(struct http_conn *c);

#endif
