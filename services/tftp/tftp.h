/*
 * The TFTP server (RFC 1350; options RFC 2347, 2348, 2349, 7440): read
 * requests only, from the shared file tree, each transfer on its own
 * ephemeral UDP port and driven by the one event loop.
 */
#ifndef PXESTICK_TFTP_H
#define PXESTICK_TFTP_H

#include <stddef.h>
#include <stdint.h>

#include "common/loop.h"
#include "status/status.h"
#include "vfs/vfs.h"

struct tftp_server;

struct tftp_config {
	const char *listen;             /* address, "" for every IPv4 one */
	uint16_t port;
	unsigned max_transfers;
	unsigned max_per_client;        /* transfers to one address at most */
	uint16_t url_port;              /* the HTTP port boot.ipxe's URLs name */
	struct vfs *const *tree;        /* the current tree: read at each request */
	struct status *status;          /* the client table, or NULL */
};

/*
 * Listen as cfg says (cfg is copied; what it points to MUST outlive the
 * server).  Returns the server, or NULL with the reason in err.  Must run
 * before privileges are dropped (port 69).  A transfer takes the tree as
 * it is when its request arrives and keeps it until it ends (SIGHUP-safe).
 */
struct tftp_server *tftp_server_start(struct loop *l, const struct tftp_config *cfg,
    char *err, size_t errlen);

/* End every transfer (logged) and close the listener.  NULL is fine. */
void tftp_server_stop(struct tftp_server *t);

#endif
