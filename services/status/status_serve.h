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
#include "common/loop.h"
#include "status/status.h"

struct status_server;

/*
 * What the appliance serves (ports, DHCP mode, ISOs, keys), filled in at
 * render time by whoever knows: every field of in but n_addrs/addrs,
 * started and wall, which the status service fills itself.
 */
typedef void status_describe_fn(void *ctx, struct status_info *in);

struct status_server_config {
	const char *socket;     /* the control socket's path (pxestick status, top) */
	const char *listen;     /* the listen address, "" for any */
	const char *interface;  /* the DHCP interface, or "" */
	status_describe_fn *describe;
	void *describe_ctx;
	/* A client's sshd answered: its live system is up (mac).  Or NULL. */
	void (*on_live)(void *ctx, const uint8_t mac[6]);
	/* Requests of the socket beyond json, text and top (`pxestick clients`:
	 * "clients", "reset MAC", "forget MAC"): 0 with the answer in out, or
	 * -1 when line is none of them.  Or NULL. */
	int (*command)(void *ctx, const char *line, size_t len, struct buf *out);
	void *hook_ctx;
};

/*
 * Start following clients (cfg is copied; its strings MUST outlive the
 * service).  Opens the control socket, so it MUST run before the
 * privilege drop.  Problems with the socket are logged, not fatal (the
 * page and the table work without it).  NULL only without memory.
 */
struct status_server *status_server_start(struct loop *l, const struct status_server_config *cfg);
/* Close the socket (and remove it), end the SSH checks.  NULL is fine. */
void status_server_stop(struct status_server *ss);

/* The client table the services report to (their status sink), or NULL
 * when ss is NULL. */
struct status *status_server_table(struct status_server *ss);

/*
 * HTTP's status documents: for path "/status" (query "fragment": the
 * part the page refreshes) or "/status.json", the document in out, its
 * Content-Type in *type, and 0; -1 for any other path.  ss may be NULL.
 */
int status_server_page(struct status_server *ss, const char *path, const char *query,
    size_t query_len, struct buf *out, const char **type);

#endif
