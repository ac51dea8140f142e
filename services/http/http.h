/*
 * The HTTP/1.1 server (RFC 9110, 9112), plain or TLS (BearSSL), serving
 * the shared file tree.  Bodies inside an ISO or on disk go out with
 * sendfile(2) on plain HTTP; generated documents from memory.
 */
#ifndef PXESTICK_HTTP_H
#define PXESTICK_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/buf.h"
#include "common/loop.h"
#include "status/status.h"
#include "vfs/vfs.h"

struct http_server;

/*
 * A document made per request outside the file tree (the status pages,
 * /done): for a cleaned path, its query and the client's address, 0 with
 * the body in out and its Content-Type in *type; -1 when path is not one
 * of them.
 */
typedef int http_page_fn(void *ctx, const char *path, const char *query, size_t query_len,
    const struct sockaddr *peer, struct buf *out, const char **type);

struct http_config {
	const char *listen;             /* address, "" for every IPv4 one */
	uint16_t port;
	int tls;                        /* HTTPS */
	const char *tls_cert, *tls_key; /* PEM files, or "": self-signed, kept in state */
	const char *state;              /* the state directory */
	unsigned max_connections;
	unsigned max_per_client;        /* connections from one address at most */
	uint16_t url_port;              /* the plain HTTP port boot.ipxe's URLs name */
	struct vfs *const *tree;        /* the current tree: read at each request */
	struct status *status;          /* the client table, or NULL */
	http_page_fn *page;             /* or NULL */
	void *page_ctx;
};

/*
 * Listen as cfg says (cfg is copied; the strings and the tree it points
 * to MUST outlive the server).  Returns the server, or NULL with the
 * reason in err.  Must run before privileges are dropped.
 */
struct http_server *http_server_start(struct loop *l, const struct http_config *cfg,
    char *err, size_t errlen);

/* Close the listener and every connection.  NULL is fine. */
void http_server_stop(struct http_server *h);

#endif
