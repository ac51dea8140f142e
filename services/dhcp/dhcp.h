/*
 * The DHCP and proxyDHCP service of `pxestick serve`.
 *
 * dhcp_server_start() opens everything it needs while the process is
 * still privileged -- UDP 67, 4011 and 68 held to the interface, the
 * packet sockets, the lease journal in the state directory -- and only
 * then the privileges are dropped.  Modes (settings key `dhcp`):
 *
 *   authoritative  hand out addresses from the pool, and boot information
 *   proxy          boot information only, never an address (yiaddr 0),
 *                  on 67 and 4011
 *   auto           listen for another DHCP server for DHCP_AUTO_PROBE_MS:
 *                  proxy if one answers, else authoritative; keep
 *                  watching, and switch to proxy (loudly, for good) the
 *                  moment another server's OFFER or ACK is seen
 */
#ifndef PXESTICK_DHCP_H
#define PXESTICK_DHCP_H

#include <stddef.h>

struct serve;
struct dhcp_server;

/* Start on srv->cfg.interface (which MUST be set).  The server, or NULL
 * with the reason in err. */
struct dhcp_server *dhcp_server_start(struct serve *srv, char *err, size_t errlen);
/* Sync the journal, close everything.  NULL is fine. */
void dhcp_server_stop(struct dhcp_server *d);
/* "proxy on eth0", "auto (probing) on eth0", ... */
void dhcp_server_describe(const struct dhcp_server *d, char *out, size_t size);

#endif
