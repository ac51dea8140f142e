/*
 * The status service of `pxestick serve`: the client table (status.h)
 * with its adapters in the event loop -- the neighbour table for MACs,
 * the SSH checks, the local socket for `pxestick status` and `top` --
 * and the HTTP documents /status and /status.json.
 */
#ifndef PXESTICK_STATUS_SERVE_H
#define PXESTICK_STATUS_SERVE_H

#include <stddef.h>

#include "common/buf.h"

struct serve;
struct status_server;

/*
 * Start following clients: srv->status becomes the table the services
 * report to.  Opens STATE/pxestick.sock, so it MUST run before the
 * privilege drop.  Problems with the socket are logged, not fatal (the
 * page and the table work without it).  NULL only without memory.
 */
struct status_server *status_server_start(struct serve *srv);
/* Close the socket (and remove it), end the SSH checks.  NULL is fine. */
void status_server_stop(struct status_server *ss);

/*
 * HTTP's status documents: for path "/status" (query "fragment": the
 * part the page refreshes) or "/status.json", the document in out, its
 * Content-Type in *type, and 0; -1 for any other path.  ss may be NULL.
 */
int status_server_page(struct status_server *ss, const char *path, const char *query,
    size_t query_len, struct buf *out, const char **type);

#endif
