/*
 * The HTTP/1.1 server (RFC 9110, 9112), plain or TLS (BearSSL), serving
 * the shared file tree.  Bodies inside an ISO or on disk go out with
 * sendfile(2) on plain HTTP; generated documents from memory.
 */
#ifndef PXESTICK_HTTP_H
#define PXESTICK_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct serve;
struct http_server;

/*
 * Listen on the settings' listen address and port (tls: HTTPS with the
 * configured or a generated certificate).  Returns the server, or NULL
 * with the reason in err.  Must run before privileges are dropped.
 */
struct http_server *http_server_start(struct serve *srv, uint16_t port, int tls,
    char *err, size_t errlen);

/* Close the listener and every connection.  NULL is fine. */
void http_server_stop(struct http_server *h);

#endif
