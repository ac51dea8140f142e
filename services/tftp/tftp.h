/*
 * The TFTP server (RFC 1350; options RFC 2347, 2348, 2349, 7440): read
 * requests only, from the shared file tree, each transfer on its own
 * ephemeral UDP port and driven by the one event loop.
 */
#ifndef PXESTICK_TFTP_H
#define PXESTICK_TFTP_H

#include <stddef.h>

struct serve;
struct tftp_server;

/*
 * Listen on the settings' listen address and tftp-port.  Returns the
 * server, or NULL with the reason in err.  Must run before privileges
 * are dropped (port 69).  Transfers read srv->vfs as it is when their
 * request arrives and keep that tree until they end (SIGHUP-safe).
 */
struct tftp_server *tftp_server_start(struct serve *srv, char *err, size_t errlen);

/* End every transfer (logged) and close the listener.  NULL is fine. */
void tftp_server_stop(struct tftp_server *t);

#endif
