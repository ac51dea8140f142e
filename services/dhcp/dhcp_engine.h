/*
 * The DHCP server's decisions, without I/O: a parsed request in, a plan
 * out.  RFC 2131 4.3 while authoritative (the lease store holds every
 * binding), proxyDHCP otherwise.  No socket, no timer, no log and no
 * clock: the caller passes the time, carries out the plan and logs what
 * it says.  The lease store's journal lines wait in memory until the
 * caller syncs it (dhcp_lease.h); a plan that binds a lease says so
 * (DHCP_PLAN_SEND_SYNCED).
 *
 * Per client, keyed by chaddr:
 *
 *   DISCOVER  pick an address (its last one, else the least recently
 *             used free one), hold it, have it ARP-probed (PROBE), then
 *             OFFER it -- at once for its own lease, an address probed
 *             free a moment ago, or a relayed client
 *   REQUEST   SELECTING (server id, requested address), INIT-REBOOT
 *             (requested address only), RENEWING/REBINDING (ciaddr): ACK
 *             when the address is this client's or free, else NAK; a
 *             REQUEST naming another server frees our offer
 *   DECLINE   the address is quarantined (DHCP_QUARANTINE_S)
 *   RELEASE   the address is free again (the client is remembered)
 *   INFORM    ACK with options, no address
 *
 * Proxy (and port 4011 in any mode): boot information only, yiaddr 0, to
 * PXE, HTTP Boot and iPXE clients; nothing to anyone else.
 *
 * Who boots (clients.h): a machine whose decision is "ignore" gets no
 * answer at all in proxy mode, and an address without a boot file while
 * authoritative (its firmware moves on either way); iPXE is told the
 * other decisions in boot.ipxe's URL (?entry=, ?default=local|done|wait).
 */
#ifndef PXESTICK_DHCP_ENGINE_H
#define PXESTICK_DHCP_ENGINE_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "clients/clients.h"
#include "dhcp/dhcp.h"
#include "dhcp/dhcp_lease.h"
#include "dhcp/dhcp_net.h"
#include "dhcp/dhcp_packet.h"
#include "dhcp/dhcp_reply.h"
#include "status/status.h"

/* What the server is doing now (dhcp_auto.c moves between them). */
enum dhcp_state { DHCP_STATE_PROBING, DHCP_STATE_AUTHORITATIVE, DHCP_STATE_PROXY };

struct dhcp_engine {
	enum dhcp_mode configured;
	enum dhcp_state state;
	struct dhcp_subnet net;         /* our address, mask, router, DNS */
	struct in_addr proxy_addr;      /* where proxy replies point (the
					 * interface's address); 0: none known */
	uint32_t lease_time;
	uint16_t http_port, tftp_port;
	const char *efi_boot;
	const struct dhcp_reservation *reserve;
	size_t n_reserve;
	uint8_t own_mac[6];             /* our interface's: our probes loop back */
	struct dhcp_leases *leases;     /* NULL without a pool (proxy only) */
	const struct clients *clients;  /* who boots into what, or NULL: everyone boots */
	/* Proxy: did mac's firmware take another boot server's offer rather
	 * than ours (it never came for the boot file we named)?  Then its
	 * iPXE is left to that server, so no machine boots half from each
	 * of two appliances.  NULL: never asked. */
	int (*went_elsewhere)(void *ctx, const uint8_t mac[6]);
	void *elsewhere_ctx;
};

enum dhcp_plan_kind {
	DHCP_PLAN_IGNORE,       /* nothing to send */
	DHCP_PLAN_DROP,         /* bad input: count it, log `log` (rate-limited) */
	DHCP_PLAN_SEND,         /* send reply to dest, from src */
	DHCP_PLAN_SEND_SYNCED,  /* the same once the lease journal is on disk */
	DHCP_PLAN_PROBE,        /* ARP-probe probe_addr; then dhcp_engine_probed() */
};

enum dhcp_plan_status { DHCP_STATUS_NONE, DHCP_STATUS_BOOT, DHCP_STATUS_ERROR };

struct dhcp_plan {
	enum dhcp_plan_kind kind;
	uint8_t reply[DHCP_REPLY_MAX];
	size_t len;
	struct dhcp_dest dest;
	struct in_addr src;             /* the reply's source address */
	uint32_t probe_addr;            /* PROBE: host order */
	unsigned probe_tries;           /* PROBE: addresses probed before */
	char log[256];                  /* DROP: why; else an event line or "" */
	/* What the client table hears (status.h): one event at most. */
	enum dhcp_plan_status status;
	struct status_dhcp_event ev;    /* BOOT (ev.detail points into detail) */
	char detail[160];
	char policy[48];                /* ev.policy points here */
	uint8_t error_mac[6];           /* ERROR: whose, and why */
	char error[128];
	/* Another DHCP server is on this network (its id), or 0. */
	struct in_addr foreign;
	struct in_addr foreign_client;  /* the address the client asked it for, or 0 */
	const char *foreign_how;
};

/*
 * Decide on m, received on port 4011 when pxe_port (else 67) from from,
 * at now (unix seconds).  plan is filled (kind IGNORE at least).
 */
void dhcp_engine_handle(struct dhcp_engine *e, const struct dhcp_msg *m, int pxe_port,
    const struct sockaddr_in *from, int64_t now, struct dhcp_plan *plan);

/*
 * The ARP probe of addr for the DISCOVER m is over (tries: probes made
 * for it before this one): OFFER it when nobody answered, else probe
 * another address, or give up after DHCP_MAX_PROBE_TRIES.
 */
void dhcp_engine_probed(struct dhcp_engine *e, const struct dhcp_msg *m, uint32_t addr,
    unsigned tries, int64_t now, struct dhcp_plan *plan);

/* ip answered ARP from mac: an address being probed for someone else is
 * quarantined (plan->log says so). */
void dhcp_engine_arp(struct dhcp_engine *e, struct in_addr ip, const uint8_t mac[6],
    int64_t now, struct dhcp_plan *plan);

/* A probe that will never end (the server turned proxy): its address is
 * free again. */
void dhcp_engine_unprobe(struct dhcp_engine *e, uint32_t addr);

/*
 * A reply seen on port 68 (another server's OFFER or ACK): 0 and its
 * server id in *sid when it hands out an address (a DHCP server that is
 * not us); -1 for anything else (a proxyDHCP reply, a request, ours).
 */
int dhcp_engine_foreign_reply(const struct dhcp_engine *e, const struct dhcp_msg *m,
    struct in_addr from, struct in_addr *sid);

/* Another PXE boot server, as its reply shows it. */
struct dhcp_boot_server {
	struct in_addr addr;            /* its server id (or where it came from) */
	char what[112];                 /* "proxyDHCP, boot file pxelinux.0" (printable) */
};

/*
 * A reply seen on port 68, sent from from: 1 with out filled when it is
 * another server's PXE boot information (vendor class "PXEClient", a boot
 * file, or sent from port 4011 -- option 43 alone is not: sites send it
 * to phones and access points); 0 for anything else (a plain DHCP offer,
 * a request, ours).
 */
int dhcp_engine_boot_server(const struct dhcp_engine *e, const struct dhcp_msg *m,
    const struct sockaddr_in *from, struct dhcp_boot_server *out);

/*
 * Where proxy replies point, of an interface's addresses a[0..n): the one
 * on the subnet of client (an address the network's DHCP server gave on
 * this segment: its clients are there and must reach us), else on the
 * subnet of that server site (no relay between), else configured, else
 * the first; 0.0.0.0 when n is 0.  client, site or configured 0: unknown.
 */
struct in_addr dhcp_pick_proxy_addr(const struct dhcp_ifaddr *a, size_t n,
    struct in_addr configured, struct in_addr client, struct in_addr site);

/* Is sid one of our own addresses? */
int dhcp_engine_is_us(const struct dhcp_engine *e, struct in_addr sid);

/*
 * The pool and every reservation lie inside net (the server's own subnet).
 * 0, or -1 with "dhcp: ..." in err.
 */
int dhcp_config_check(const struct dhcp_config *cfg, const struct dhcp_subnet *net, char *err,
    size_t errlen);

#endif
