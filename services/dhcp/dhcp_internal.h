/*
 * The DHCP server's I/O side, shared by dhcp_server.c (sockets, receive,
 * lifecycle), dhcp_plan.c (carrying out plans: sending, group commit, ARP
 * probes) and dhcp_auto.c (the mode machine).  Files call downwards only:
 * server -> auto -> plan.
 */
#ifndef PXESTICK_DHCP_INTERNAL_H
#define PXESTICK_DHCP_INTERNAL_H

#include <netinet/in.h>
#include <stdint.h>

#include "common/loop.h"
#include "common/ratelog.h"
#include "dhcp/dhcp.h"
#include "dhcp/dhcp_engine.h"
#include "dhcp/dhcp_lease.h"
#include "dhcp/dhcp_net.h"
#include "dhcp/dhcp_packet.h"
#include "dhcp/dhcp_ra.h"

/* An ACK waiting for the journal sync that records its lease. */
struct dhcp_pending {
	uint8_t pkt[DHCP_REPLY_MAX];
	size_t len;
	struct dhcp_dest d;
	struct in_addr src;
};

/* A DISCOVER waiting for the ARP probe of the address it will be offered. */
struct dhcp_probe {
	uint8_t pkt[DHCP_MAX_PACKET];
	size_t len;
	uint32_t addr;
	uint64_t deadline;
	unsigned tries;
};

struct dhcp_server {
	struct dhcp_config cfg;
	struct loop *loop;
	struct dhcp_engine eng;
	struct dhcp_iface ifc;
	uint64_t proxy_addr_checked;    /* when the interface's address was read */
	struct in_addr site_server;     /* the network's DHCP server, or 0 */
	struct in_addr site_client;     /* an address it gave a client here, or 0 */

	/* Other PXE boot servers seen on port 68 (warned about once each). */
	struct dhcp_other {
		struct dhcp_boot_server bs;
		uint64_t last;
	} others[DHCP_MAX_OTHER_SERVERS];
	size_t n_others;

	struct loop_fd udp67, udp4011, udp68, arp;
	struct loop_timer link_timer;   /* polls the link going down and up */
	int link_up;
	int frame_fd;
	int state_fd;                   /* the state directory (dhcp-mode), or -1 */
	struct dhcp_ra ra;              /* only ever enabled while authoritative */
	struct dhcp_leases leases;
	int have_leases;

	struct dhcp_pending *pending;   /* group commit */
	size_t n_pending;
	struct loop_timer sync_timer;

	struct dhcp_probe *probes;      /* a ring of DHCP_MAX_PROBES */
	size_t probe_head, n_probes;
	struct loop_timer probe_timer;

	uint32_t probe_xid;             /* auto mode: our own DISCOVERs */
	unsigned probe_sent;
	struct loop_timer auto_timer;

	struct ratelog drop_log, event_log, others_log;
	unsigned long rx[DHCPINFORM + 1], tx[DHCPINFORM + 1], dropped;

	uint8_t buf[DHCP_MAX_PACKET];
	struct dhcp_msg msg;
};

/* dhcp_plan.c: carry out a plan (report, send or queue, probe, log). */
void dhcp_plan_run(struct dhcp_server *s, const struct dhcp_plan *p, const uint8_t *pkt,
    size_t len);
/* Group commit: sync the journal, then send the ACKs that waited for it. */
void dhcp_pending_flush(struct dhcp_server *s);
void dhcp_on_sync_timer(struct loop *l, struct loop_timer *t);
/* Drop the ACKs waiting for the journal (their clients turn elsewhere). */
void dhcp_pending_discard(struct dhcp_server *s);
/* ARP-probe addr for the DISCOVER pkt; 0, or -1 (too many in flight).
 * The probe ring is in order of deadlines; s->probe_timer follows its
 * head (dhcp_probe_arm). */
int dhcp_probe_start(struct dhcp_server *s, const uint8_t *pkt, size_t len, uint32_t addr,
    unsigned tries);
struct dhcp_probe *dhcp_probe_at(struct dhcp_server *s, size_t i);
void dhcp_probe_arm(struct dhcp_server *s);
/* Forget every probe (their addresses are free again). */
void dhcp_probes_clear(struct dhcp_server *s);

/* dhcp_auto.c: the mode machine. */
void dhcp_auto_start(struct dhcp_server *s);
/* Another server was seen (sid: its identifier; client: an address it
 * gave or was asked for on this segment, or 0; how: how we know). */
void dhcp_auto_foreign(struct dhcp_server *s, struct in_addr sid, struct in_addr client,
    const char *how);
/* The link came back (maybe on another network): look again. */
void dhcp_auto_link_back(struct dhcp_server *s);
/* The probe / re-probe timer (s->auto_timer). */
void dhcp_auto_on_timer(struct loop *l, struct loop_timer *t);
/* "auto (probing)", "authoritative", "proxy". */
const char *dhcp_auto_state_name(enum dhcp_state st);

#endif
