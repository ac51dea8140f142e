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
 *                  watching, and switch to proxy (loudly) the moment
 *                  another server's OFFER or ACK is seen, until the link
 *                  goes down and comes back (then it looks again)
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

#include "clients/clients.h"
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
	int ntp;                        /* we serve time: option 42 names our address */
	const char *efi_boot;           /* "snponly.efi" or "ipxe.efi" */
	const struct dhcp_reservation *reserve;
	size_t n_reserve;
	uint16_t http_port, tftp_port;  /* 0: that service is off */
	const char *state;              /* the lease journal's directory; also
					 * where dhcp-mode says the mode now */
	struct status *status;          /* the client table, or NULL */
	const struct clients *clients;  /* who boots into what (the caller keeps it
					 * current), or NULL: everyone boots */
	/* Called after each mode entered (and when the network's server is
	 * first known): what unknown-clients = auto means changes with it. */
	void (*on_mode)(void *ctx);
	void *mode_ctx;
};

/* Start as cfg says (cfg is copied; what it points to MUST outlive the
 * server).  The server, or NULL with the reason in err. */
struct dhcp_server *dhcp_server_start(struct loop *l, const struct dhcp_config *cfg, char *err,
    size_t errlen);
/* Sync the journal, close everything.  NULL is fine. */
void dhcp_server_stop(struct dhcp_server *d);
/* "proxy on eth0; the network's DHCP server 10.0.0.1; boot information
 * points at 10.0.0.57", "auto (probing) on eth0", ... */
void dhcp_server_describe(const struct dhcp_server *d, char *out, size_t size);

/* Another PXE boot server seen on the network (dhcp_server_others()). */
struct dhcp_other_server {
	char addr[16];                  /* dotted quad */
	char what[112];                 /* "proxyDHCP, boot file pxelinux.0" */
	uint64_t last;                  /* ms, loop time: last seen */
};
/* The other PXE boot servers seen (at most max, the one first seen last
 * comes first); how many. */
size_t dhcp_server_others(const struct dhcp_server *d, struct dhcp_other_server *out,
    size_t max);
/* Is it proxyDHCP now (another DHCP server owns the network)?  NULL: no. */
int dhcp_server_is_proxy(const struct dhcp_server *d);

#endif
