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
 *
 * The parts: dhcp_packet (codec), dhcp_policy (what a client boots),
 * dhcp_lease (the lease store and its journal), dhcp_engine (RFC 2131 and
 * proxyDHCP as a function from a message to a plan: no I/O), dhcp_reply
 * (building replies and where they go), dhcp_auto (the mode machine),
 * dhcp_probe (ARP probes before an offer), dhcp_net (sockets and frames),
 * dhcp_ra (router advertisements), dhcp_server (the I/O that runs it all).
 */
#ifndef PXESTICK_DHCP_H
#define PXESTICK_DHCP_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "common/loop.h"
#include "status/status.h"

struct dhcp_server;

enum dhcp_mode { DHCP_MODE_AUTO, DHCP_MODE_AUTHORITATIVE, DHCP_MODE_PROXY, DHCP_MODE_OFF };

/* "auto", "authoritative", "proxy", "off". */
const char *dhcp_mode_name(enum dhcp_mode m);

/* A static lease: MAC -> address (and an optional fixed boot entry). */
struct dhcp_reservation {
	uint8_t mac[6];
	struct in_addr addr;
	char entry[64];         /* "ISONAME[:N]", or "" */
};

struct dhcp_config {
	enum dhcp_mode mode;            /* not OFF */
	const char *interface;          /* MUST be set */
	struct in_addr address;         /* ours (authoritative) */
	unsigned prefix;                /* its prefix length */
	struct in_addr pool_start, pool_end;
	uint32_t lease_time;            /* seconds */
	struct in_addr router, dns;     /* 0: not sent */
	const char *efi_boot;           /* "ipxe.efi" or "snponly.efi" */
	const struct dhcp_reservation *reserve;
	size_t n_reserve;
	uint16_t http_port, tftp_port;  /* 0: that service is off */
	const char *state;              /* the lease journal's directory */
	struct status *status;          /* the client table, or NULL */
};

/* Start as cfg says (cfg is copied; what it points to MUST outlive the
 * server).  The server, or NULL with the reason in err. */
struct dhcp_server *dhcp_server_start(struct loop *l, const struct dhcp_config *cfg, char *err,
    size_t errlen);
/* Sync the journal, close everything.  NULL is fine. */
void dhcp_server_stop(struct dhcp_server *d);
/* "proxy on eth0", "auto (probing) on eth0", ... */
void dhcp_server_describe(const struct dhcp_server *d, char *out, size_t size);

#endif
