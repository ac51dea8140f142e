/*
 * The DHCP server: sockets, modes, and the RFC 2131 server state machine.
 *
 * Modes (dhcp.h) form one small machine:
 *
 *   PROBING --no other server within DHCP_AUTO_PROBE_MS--> AUTHORITATIVE
 *   PROBING --another server's OFFER/ACK-----------------> PROXY
 *   AUTHORITATIVE --another server seen (auto mode)------> PROXY (for good)
 *
 * Per client, RFC 2131 4.3 (server side), keyed by chaddr:
 *
 *   DISCOVER  pick an address (its last one, else the least recently
 *             used free one), hold it, ARP-probe it (DHCP_ARP_PROBE_MS,
 *             without blocking), OFFER it
 *   REQUEST   SELECTING (server id, requested address), INIT-REBOOT
 *             (requested address only), RENEWING/REBINDING (ciaddr): ACK
 *             when the address is this client's or free, else NAK; a
 *             REQUEST naming another server frees our offer
 *   DECLINE   the address is quarantined (DHCP_QUARANTINE_S)
 *   RELEASE   the address is free again (the client is remembered)
 *   INFORM    ACK with options, no address
 *
 * An ACK that binds a lease leaves only after the journal line that
 * records it is on disk: ACKs wait in a queue, and one fdatasync covers
 * them all (group commit, DHCP_SYNC_DELAY_MS).
 *
 * Replies go where RFC 2131 4.1 says: to giaddr:67 when relayed, to
 * ciaddr:68 when the client has an address, else broadcast (NAK, or the
 * broadcast flag) or a frame to chaddr at yiaddr (dhcp_net.h: how).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "common/limits.h"
#include "common/log.h"
#include "dhcp/dhcp.h"
#include "dhcp/dhcp_lease.h"
#include "dhcp/dhcp_net.h"
#include "dhcp/dhcp_packet.h"
#include "dhcp/dhcp_policy.h"
#include "dhcp/dhcp_ra.h"
#include "serve/serve.h"
#include "status/status.h"

#define PORT_SERVER     67
#define PORT_CLIENT     68
#define PORT_PXE        4011
/* A reply fits the 576-byte datagram every client accepts. */
#define REPLY_MAX       (DHCP_MIN_MAX_SIZE - 28)
#define JOURNAL_NAME    "dhcp-leases"
#define PROBE_SENDS     3

enum mode { MODE_PROBING, MODE_AUTHORITATIVE, MODE_PROXY };

static const char *const mode_names[] = {
	[MODE_PROBING] = "auto (probing)",
	[MODE_AUTHORITATIVE] = "authoritative",
	[MODE_PROXY] = "proxy",
};

/* Where a reply goes. */
struct dest {
	int frame;              /* 1: Ethernet frame via the packet socket */
	int fd;                 /* UDP socket otherwise */
	struct in_addr ip;
	uint16_t port, sport;
	uint8_t mac[6];
};

struct pending {
	uint8_t pkt[REPLY_MAX];
	size_t len;
	struct dest d;
};

/* A DISCOVER waiting for the ARP probe of the address it will be offered. */
struct probe {
	uint8_t pkt[DHCP_MAX_PACKET];
	size_t len;
	uint32_t addr;
	uint64_t deadline;
	unsigned tries;
};

struct ratelog {
	uint64_t start;
	unsigned n;
	unsigned long suppressed;
};

struct dhcp_server {
	struct serve *srv;
	struct loop *loop;
	enum dhcp_mode configured;
	enum mode mode;
	struct dhcp_iface ifc;
	/* Our address and subnet (authoritative); the address we point
	 * clients at in proxy mode (the interface's, found at run time). */
	struct in_addr addr, mask;
	struct in_addr proxy_addr;
	uint64_t proxy_addr_checked;
	uint16_t http_port, tftp_port;
	char efi_boot[32];
	uint32_t lease_time;
	struct in_addr router, dns;
	const struct settings_reservation *reserve;
	size_t n_reserve;

	struct loop_fd udp67, udp4011, udp68, arp;
	int frame_fd;
	struct dhcp_ra ra;      /* only ever enabled while authoritative */
	struct dhcp_leases leases;
	int have_leases;

	struct pending *pending;
	size_t n_pending;
	struct loop_timer sync_timer;

	struct probe *probes;
	size_t probe_head, n_probes;
	struct loop_timer probe_timer;

	uint32_t probe_xid;
	unsigned probe_sent;
	struct loop_timer auto_timer;
	char foreign[INET_ADDRSTRLEN];

	struct ratelog drop_log, event_log;
	unsigned long rx[DHCPINFORM + 1], tx[DHCPINFORM + 1], dropped;

	uint8_t buf[DHCP_MAX_PACKET];
	struct dhcp_msg msg;
};

/* ---- logging ---- */

static int
ratelog_ok(struct dhcp_server *s, struct ratelog *r, uint64_t window_ms, unsigned max)
{
	uint64_t now = loop_now(s->loop);

	if (now - r->start >= window_ms) {
		if (r->suppressed > 0)
			log_msg("dhcp: (%lu similar log lines suppressed)", r->suppressed);
		r->start = now;
		r->n = 0;
		r->suppressed = 0;
	}
	if (r->n >= max) {
		r->suppressed++;
		return 0;
	}
	r->n++;
	return 1;
}

static void drop(struct dhcp_server *s, const struct dhcp_rx *rx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Bad peer input: count it, log it (rate-limited), go on. */
static void
drop(struct dhcp_server *s, const struct dhcp_rx *rx, const char *fmt, ...)
{
	char why[256], ip[INET_ADDRSTRLEN];
	va_list ap;

	s->dropped++;
	if (!ratelog_ok(s, &s->drop_log, 60000, DHCP_MAX_DROP_LOGS))
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	inet_ntop(AF_INET, &rx->from.sin_addr, ip, sizeof(ip));
	log_msg("dhcp: dropped a packet from %s:%u: %s", ip, ntohs(rx->from.sin_port), why);
}

static void event(struct dhcp_server *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
event(struct dhcp_server *s, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!ratelog_ok(s, &s->event_log, 1000, DHCP_MAX_EVENT_LOGS))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_msg("dhcp: %s", line);
}

static const char *
ip_str(struct in_addr a, char *out)
{
	return inet_ntop(AF_INET, &a, out, INET_ADDRSTRLEN);
}

static int64_t
wall(void)
{
	return (int64_t)time(NULL);
}

static struct in_addr
host_addr(uint32_t a)
{
	struct in_addr r = { htonl(a) };

	return r;
}

/* ---- modes ---- */

/* Serving addresses from a subnet the interface is not on helps nobody. */
static void
warn_address(struct dhcp_server *s)
{
	struct in_addr have[16];
	size_t n = dhcp_iface_addrs(s->ifc.name, have, 16);
	char ip[INET_ADDRSTRLEN];
	unsigned prefix = 0;

	for (size_t i = 0; i < n; i++)
		if (have[i].s_addr == s->addr.s_addr)
			return;
	for (uint32_t m = ntohl(s->mask.s_addr); m & 0x80000000u; m <<= 1)
		prefix++;
	ip_str(s->addr, ip);
	log_msg("dhcp: warning: %s does not carry %s/%u: clients given addresses will not "
	    "reach this server (ip addr add %s/%u dev %s)", s->ifc.name, ip, prefix, ip, prefix,
	    s->ifc.name);
}

static void probes_clear(struct dhcp_server *s);
static void pending_discard(struct dhcp_server *s);

static void
mode_set(struct dhcp_server *s, enum mode m, const char *why)
{
	if (s->mode == m)
		return;
	s->mode = m;
	if (m == MODE_PROXY) {
		/* Nothing already promised leaves: offers and ACKs waiting
		 * are dropped, the clients turn to the other server. */
		probes_clear(s);
		pending_discard(s);
		dhcp_ra_close(&s->ra);
		s->proxy_addr_checked = 0;
		log_msg("dhcp: *** %s: now proxyDHCP on %s -- pxestick hands out NO addresses, "
		    "only boot information ***", why, s->ifc.name);
	} else {
		log_msg("dhcp: %s: %s on %s", why, mode_names[m], s->ifc.name);
		if (m == MODE_AUTHORITATIVE) {
			warn_address(s);
			dhcp_ra_enable(&s->ra);
		}
	}
}

/* Another server was seen (sid: its identifier, or where it came from). */
static void
foreign_server(struct dhcp_server *s, struct in_addr sid, const char *how)
{
	char ip[INET_ADDRSTRLEN], why[256];

	if (sid.s_addr == s->addr.s_addr || sid.s_addr == s->proxy_addr.s_addr)
		return;
	ip_str(sid, ip);
	if (s->configured == DHCP_MODE_AUTO) {
		if (s->mode == MODE_PROXY)
			return;
		snprintf(s->foreign, sizeof(s->foreign), "%s", ip);
		snprintf(why, sizeof(why), "ANOTHER DHCP SERVER (%s) IS ON THIS NETWORK (%s)", ip,
		    how);
		mode_set(s, MODE_PROXY, why);
	} else if (s->configured == DHCP_MODE_AUTHORITATIVE) {
		if (ratelog_ok(s, &s->drop_log, 60000, DHCP_MAX_DROP_LOGS))
			log_msg("dhcp: *** WARNING: another DHCP server (%s) is on %s (%s), and "
			    "dhcp = authoritative: two servers hand out addresses here ***", ip,
			    s->ifc.name, how);
	}
}

/* The address clients reach us at in proxy mode: the configured one when
 * the interface carries it, else the interface's first. */
static int
proxy_address(struct dhcp_server *s)
{
	struct in_addr a[16];
	uint64_t now = loop_now(s->loop);
	size_t n;

	if (s->proxy_addr.s_addr != 0 && now - s->proxy_addr_checked < 10000)
		return 0;
	if (s->proxy_addr.s_addr == 0 && s->proxy_addr_checked != 0 &&
	    now - s->proxy_addr_checked < 1000)
		return -1;
	s->proxy_addr_checked = now ? now : 1;
	n = dhcp_iface_addrs(s->ifc.name, a, 16);
	s->proxy_addr.s_addr = 0;
	for (size_t i = 0; i < n; i++)
		if (a[i].s_addr == s->addr.s_addr)
			s->proxy_addr = a[i];
	if (s->proxy_addr.s_addr == 0 && n > 0)
		s->proxy_addr = a[0];
	if (s->proxy_addr.s_addr == 0) {
		if (ratelog_ok(s, &s->drop_log, 60000, DHCP_MAX_DROP_LOGS))
			log_msg("dhcp: proxy: %s has no IPv4 address: no boot information can "
			    "point anywhere", s->ifc.name);
		return -1;
	}
	return 0;
}

/* ---- sending ---- */

static void
send_reply(struct dhcp_server *s, const uint8_t *pkt, size_t len, const struct dest *d,
    struct in_addr src)
{
	int r;

	if (d->frame)
		r = dhcp_send_frame(s->frame_fd, s->ifc.ifindex, d->mac, src, d->sport, d->ip,
		    d->port, pkt, len);
	else
		r = dhcp_send_udp(d->fd, s->ifc.ifindex, src, d->ip, d->port, pkt, len);
	if (r != 0 && ratelog_ok(s, &s->drop_log, 60000, DHCP_MAX_DROP_LOGS)) {
		char ip[INET_ADDRSTRLEN];

		log_msg("dhcp: sending %s to %s:%u: %s", dhcp_type_name(pkt[242]),
		    ip_str(d->ip, ip), d->port, strerror(errno));
	}
	if (pkt[242] <= DHCPINFORM)
		s->tx[pkt[242]]++;
}

/* RFC 2131 4.1, "If the 'giaddr' field in a DHCP message from a client is
 * non-zero ..." */
static void
reply_dest(struct dhcp_server *s, const struct dhcp_msg *m, enum dhcp_type type,
    struct in_addr yiaddr, struct dest *d)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	memset(d, 0, sizeof(*d));
	d->fd = s->udp67.fd;
	d->sport = PORT_SERVER;
	d->port = PORT_CLIENT;
	if (m->giaddr.s_addr != 0) {
		d->ip = m->giaddr;
		d->port = PORT_SERVER;
		return;
	}
	if (type != DHCPNAK && m->ciaddr.s_addr != 0) {
		d->ip = m->ciaddr;
		return;
	}
	d->frame = 1;
	if (type != DHCPNAK && !(m->flags & DHCP_FLAG_BROADCAST) && yiaddr.s_addr != 0 &&
	    m->htype == 1 && m->hlen == 6) {
		d->ip = yiaddr;
		memcpy(d->mac, m->chaddr, 6);
		return;
	}
	d->ip.s_addr = INADDR_BROADCAST;
	memcpy(d->mac, bcast, 6);
}

/* ---- building replies ---- */

struct reply_opts {
	enum dhcp_type type;
	struct in_addr yiaddr;
	struct in_addr server;          /* option 54 and siaddr */
	int lease;                      /* lease time, T1, T2 */
	int net;                        /* mask, broadcast, router, DNS */
	const struct dhcp_boot *boot;   /* or NULL */
	const struct dhcp_client_info *ci;
	int only_server;                /* tell iPXE not to wait for proxyDHCP */
	const char *message;            /* option 56 (NAK) */
};

static size_t
reply_build(struct dhcp_server *s, const struct dhcp_msg *m, const struct reply_opts *ro,
    uint8_t *buf)
{
	struct dhcp_out o;
	const uint8_t *p;
	size_t len, cap = REPLY_MAX;

	/* Option 57 may only raise the size: we never need more. */
	dhcp_out_reply(&o, buf, cap, m, ro->type);
	dhcp_out_opt_addr(&o, DHCP_OPT_SERVER_ID, ro->server);
	if (ro->type == DHCPNAK) {
		if (m->giaddr.s_addr != 0) /* 4.3.2: the relay broadcasts it */
			buf[DHCP_OFF_FLAGS] |= 0x80;
		if (ro->message)
			dhcp_out_opt(&o, DHCP_OPT_MESSAGE, ro->message, strlen(ro->message));
		goto relay;
	}
	dhcp_out_addr(&o, DHCP_OFF_YIADDR, ro->yiaddr);
	if (ro->lease) {
		dhcp_out_opt_u32(&o, DHCP_OPT_LEASE_TIME, s->lease_time);
		dhcp_out_opt_u32(&o, DHCP_OPT_T1, s->lease_time / 2);
		dhcp_out_opt_u32(&o, DHCP_OPT_T2, (uint32_t)((uint64_t)s->lease_time * 7 / 8));
	}
	if (ro->net) {
		struct in_addr b = { (s->addr.s_addr & s->mask.s_addr) | ~s->mask.s_addr };

		dhcp_out_opt_addr(&o, DHCP_OPT_SUBNET_MASK, s->mask);
		dhcp_out_opt_addr(&o, DHCP_OPT_BROADCAST, b);
		if (s->router.s_addr != 0)
			dhcp_out_opt_addr(&o, DHCP_OPT_ROUTER, s->router);
		if (s->dns.s_addr != 0)
			dhcp_out_opt_addr(&o, DHCP_OPT_DNS, s->dns);
	}
	if (ro->boot != NULL && ro->boot->kind != DHCP_BOOT_NONE) {
		const struct dhcp_boot *b = ro->boot;

		dhcp_out_addr(&o, DHCP_OFF_SIADDR, ro->server);
		dhcp_out_field(&o, DHCP_OFF_FILE, DHCP_FILE_LEN, b->file);
		dhcp_out_opt(&o, DHCP_OPT_BOOTFILE, b->file, strlen(b->file));
		if (b->vendor_class)
			dhcp_out_opt(&o, DHCP_OPT_VENDOR_CLASS, b->vendor_class,
			    strlen(b->vendor_class));
		if (ro->ci->pxe) {
			/* PXE 2.1: discovery control bit 3, "boot the file
			 * named in this offer" -- no 4011 round trip needed. */
			static const uint8_t pxe43[] = { PXE_DISCOVERY_CONTROL, 1,
				PXE_DISCOVERY_USE_BOOTFILE, DHCP_OPT_END };

			dhcp_out_opt(&o, DHCP_OPT_VENDOR, pxe43, sizeof(pxe43));
		}
		if (ro->ci->uuid != NULL)
			dhcp_out_opt(&o, DHCP_OPT_CLIENT_UUID, ro->ci->uuid, ro->ci->uuid_len);
		if (b->ipxe && ro->only_server) {
			static const uint8_t nopxe[] = { IPXE_NO_PXEDHCP, 1, 1 };

			dhcp_out_opt(&o, DHCP_OPT_IPXE_ENCAP, nopxe, sizeof(nopxe));
		}
	}
relay:
	/* RFC 3046 2.2: echo the relay agent's option, last. */
	if ((p = dhcp_msg_opt(m, DHCP_OPT_RELAY_AGENT, &len)) != NULL && m->giaddr.s_addr != 0)
		dhcp_out_opt(&o, DHCP_OPT_RELAY_AGENT, p, len);
	return dhcp_out_finish(&o);
}

/* ---- group commit ---- */

static void
pending_flush(struct dhcp_server *s)
{
	if (dhcp_leases_dirty(&s->leases) && dhcp_leases_sync(&s->leases) != 0 &&
	    ratelog_ok(s, &s->drop_log, 60000, DHCP_MAX_DROP_LOGS))
		log_msg("dhcp: *** cannot write the lease journal: %s -- leases given now are "
		    "forgotten at a restart ***", strerror(errno));
	for (size_t i = 0; i < s->n_pending; i++)
		send_reply(s, s->pending[i].pkt, s->pending[i].len, &s->pending[i].d, s->addr);
	s->n_pending = 0;
	loop_timer_cancel(s->loop, &s->sync_timer);
	if (dhcp_leases_want_compact(&s->leases) && dhcp_leases_compact(&s->leases) != 0)
		log_msg("dhcp: compacting the lease journal: %s", strerror(errno));
}

static void
on_sync_timer(struct loop *l, struct loop_timer *t)
{
	(void)l;
	pending_flush(t->ctx);
}

static void
pending_discard(struct dhcp_server *s)
{
	s->n_pending = 0;
	if (s->have_leases)
		(void)dhcp_leases_sync(&s->leases);
	loop_timer_cancel(s->loop, &s->sync_timer);
}

/* The journal has lines waiting: make sure a sync comes. */
static void
sync_soon(struct dhcp_server *s)
{
	if (!loop_timer_armed(&s->sync_timer))
		(void)loop_timer_set(s->loop, &s->sync_timer, DHCP_SYNC_DELAY_MS);
}

static void
queue_ack(struct dhcp_server *s, const uint8_t *pkt, size_t len, const struct dest *d)
{
	struct pending *p;

	if (s->n_pending == DHCP_MAX_PENDING_ACKS)
		pending_flush(s);
	p = &s->pending[s->n_pending++];
	memcpy(p->pkt, pkt, len);
	p->len = len;
	p->d = *d;
	sync_soon(s);
}

/* ---- authoritative ---- */

static const struct settings_reservation *
reservation_by_mac(const struct dhcp_server *s, const uint8_t *mac)
{
	for (size_t i = 0; i < s->n_reserve; i++)
		if (memcmp(s->reserve[i].mac, mac, 6) == 0)
			return &s->reserve[i];
	return NULL;
}

static const struct settings_reservation *
reservation_by_addr(const struct dhcp_server *s, struct in_addr a)
{
	for (size_t i = 0; i < s->n_reserve; i++)
		if (s->reserve[i].addr.s_addr == a.s_addr)
			return &s->reserve[i];
	return NULL;
}

static int
in_subnet(const struct dhcp_server *s, struct in_addr a)
{
	return (a.s_addr & s->mask.s_addr) == (s->addr.s_addr & s->mask.s_addr);
}

static void
boot_for(struct dhcp_server *s, struct in_addr server, const struct dhcp_client_info *ci,
    const char *entry, struct dhcp_boot *b)
{
	struct dhcp_policy_cfg pc;

	pc.server = server;
	pc.http_port = s->http_port;
	pc.tftp_port = s->tftp_port;
	pc.efi_boot = s->efi_boot;
	dhcp_policy_decide(&pc, ci, entry, b);
}

/* Send an OFFER (or queue an ACK) of yiaddr to the client of m. */
static void
answer(struct dhcp_server *s, const struct dhcp_msg *m, enum dhcp_type type,
    struct in_addr yiaddr, int queue)
{
	const struct settings_reservation *r = reservation_by_mac(s, m->chaddr);
	struct dhcp_client_info ci;
	struct dhcp_boot boot;
	struct reply_opts ro;
	struct dest d;
	uint8_t pkt[REPLY_MAX];
	size_t len;

	dhcp_client_classify(m, &ci);
	boot_for(s, s->addr, &ci, r && r->entry[0] ? r->entry : NULL, &boot);
	status_dhcp(s->srv->status, m->chaddr, &ci, &boot, yiaddr, r && r->entry[0] ? r->entry :
	    NULL, loop_now(s->loop));
	memset(&ro, 0, sizeof(ro));
	ro.type = type;
	ro.yiaddr = yiaddr;
	ro.server = s->addr;
	ro.lease = type != DHCPACK || m->type != DHCPINFORM;
	ro.net = 1;
	ro.boot = &boot;
	ro.ci = &ci;
	ro.only_server = 1;
	len = reply_build(s, m, &ro, pkt);
	if (len == 0)
		return;
	reply_dest(s, m, type, yiaddr, &d);
	if (boot.netboot && type == DHCPOFFER) {
		char mac[18], ip[INET_ADDRSTRLEN];

		if (boot.kind == DHCP_BOOT_NONE)
			event(s, "%s (%s): no boot file: %s", dhcp_mac_str(m->chaddr, mac),
			    ip_str(yiaddr, ip), boot.why);
		else
			event(s, "%s (%s): %s", dhcp_mac_str(m->chaddr, mac), ip_str(yiaddr, ip),
			    boot.why);
	}
	if (queue)
		queue_ack(s, pkt, len, &d);
	else
		send_reply(s, pkt, len, &d, s->addr);
}

static void
nak(struct dhcp_server *s, const struct dhcp_msg *m, const char *why)
{
	struct reply_opts ro;
	struct dest d;
	uint8_t pkt[REPLY_MAX];
	size_t len;
	char mac[18];

	memset(&ro, 0, sizeof(ro));
	ro.type = DHCPNAK;
	ro.server = s->addr;
	ro.message = why;
	len = reply_build(s, m, &ro, pkt);
	if (len == 0)
		return;
	reply_dest(s, m, DHCPNAK, ro.yiaddr, &d);
	event(s, "NAK to %s: %s", dhcp_mac_str(m->chaddr, mac), why);
	status_dhcp_error(s->srv->status, m->chaddr, why, loop_now(s->loop));
	send_reply(s, pkt, len, &d, s->addr);
}

static int probe_start(struct dhcp_server *s, const uint8_t *pkt, size_t len,
    struct dhcp_lease *e, unsigned tries);

static void
on_discover(struct dhcp_server *s, const struct dhcp_msg *m, const uint8_t *pkt, size_t len,
    unsigned tries)
{
	const struct settings_reservation *r = reservation_by_mac(s, m->chaddr);
	struct dhcp_lease *e;
	int64_t now = wall();
	char mac[18];

	if (r != NULL) {
		answer(s, m, DHCPOFFER, r->addr, 0);
		return;
	}
	e = dhcp_leases_pick(&s->leases, m->chaddr, now);
	if (e == NULL) {
		event(s, "pool exhausted: no address for %s", dhcp_mac_str(m->chaddr, mac));
		status_dhcp_error(s->srv->status, m->chaddr, "pool exhausted", loop_now(s->loop));
		return;
	}
	if (e->probing && e->state == LEASE_OFFERED)
		return; /* a retransmission: the probe in flight answers it */
	/* Its own lease, an address probed free a moment ago, or a relayed
	 * client (ARP does not cross the relay): offer at once. */
	if ((e->has_mac && memcmp(e->mac, m->chaddr, 6) == 0 && e->state != LEASE_FREE) ||
	    (e->probed != 0 && now - e->probed < DHCP_PROBE_VALID_S) ||
	    m->giaddr.s_addr != 0) {
		if (e->state != LEASE_BOUND)
			dhcp_leases_offer(&s->leases, e, m->chaddr, now + DHCP_OFFER_HOLD_S);
		answer(s, m, DHCPOFFER, host_addr(dhcp_leases_addr(&s->leases, e)), 0);
		return;
	}
	dhcp_leases_offer(&s->leases, e, m->chaddr, now + DHCP_OFFER_HOLD_S);
	if (probe_start(s, pkt, len, e, tries) != 0) {
		dhcp_leases_unoffer(&s->leases, e);
		event(s, "too many address probes in flight: DISCOVER from %s dropped",
		    dhcp_mac_str(m->chaddr, mac));
	}
}

/* Bind target to the client of m, or NAK. */
static void
request_target(struct dhcp_server *s, const struct dhcp_msg *m, struct in_addr target)
{
	const struct settings_reservation *r = reservation_by_mac(s, m->chaddr);
	const struct settings_reservation *other = reservation_by_addr(s, target);
	struct dhcp_lease *e;
	char ip[INET_ADDRSTRLEN], mac[18], why[96];
	int fresh;

	if (r != NULL) {
		if (target.s_addr == r->addr.s_addr) {
			answer(s, m, DHCPACK, target, 0);
			return;
		}
		snprintf(why, sizeof(why), "this client's address is %s", ip_str(r->addr, ip));
		nak(s, m, why);
		return;
	}
	if (other != NULL) {
		nak(s, m, "address reserved for another client");
		return;
	}
	if (!in_subnet(s, target)) {
		nak(s, m, "wrong network");
		return;
	}
	e = dhcp_leases_by_addr(&s->leases, ntohl(target.s_addr));
	if (e == NULL || e->state == LEASE_RESERVED) {
		nak(s, m, "address not in the pool");
		return;
	}
	if (e->state == LEASE_QUARANTINED) {
		nak(s, m, "address in use by another host");
		return;
	}
	if ((e->state == LEASE_BOUND || e->state == LEASE_OFFERED) &&
	    memcmp(e->mac, m->chaddr, 6) != 0) {
		nak(s, m, "address leased to another client");
		return;
	}
	fresh = !(e->state == LEASE_BOUND && memcmp(e->mac, m->chaddr, 6) == 0);
	e->probing = 0;
	(void)dhcp_leases_bind(&s->leases, e, m->chaddr, wall() + s->lease_time);
	if (fresh)
		event(s, "lease %s to %s for %u s", ip_str(target, ip), dhcp_mac_str(m->chaddr, mac),
		    s->lease_time);
	answer(s, m, DHCPACK, target, 1);
}

static void
on_request(struct dhcp_server *s, const struct dhcp_msg *m, const struct dhcp_rx *rx)
{
	struct in_addr sid, want;
	int has_sid = dhcp_msg_opt_addr(m, DHCP_OPT_SERVER_ID, &sid) == 0;
	int has_want = dhcp_msg_opt_addr(m, DHCP_OPT_REQUESTED_IP, &want) == 0;

	if (has_sid && sid.s_addr != s->addr.s_addr) {
		/* SELECTING another server's offer: ours is free again. */
		struct dhcp_lease *e = dhcp_leases_by_mac(&s->leases, m->chaddr);

		if (e != NULL && e->state == LEASE_OFFERED) {
			e->probing = 0;
			dhcp_leases_unoffer(&s->leases, e);
		}
		return;
	}
	if (has_want && m->ciaddr.s_addr == 0) {
		request_target(s, m, want);         /* SELECTING or INIT-REBOOT */
		return;
	}
	if (m->ciaddr.s_addr != 0) {
		request_target(s, m, m->ciaddr);    /* RENEWING or REBINDING */
		return;
	}
	drop(s, rx, "REQUEST names no address (neither option 50 nor ciaddr)");
}

static void
on_decline(struct dhcp_server *s, const struct dhcp_msg *m, const struct dhcp_rx *rx)
{
	struct in_addr sid, a;
	struct dhcp_lease *e;
	char ip[INET_ADDRSTRLEN], mac[18];

	if (dhcp_msg_opt_addr(m, DHCP_OPT_SERVER_ID, &sid) == 0 && sid.s_addr != s->addr.s_addr)
		return;
	if (dhcp_msg_opt_addr(m, DHCP_OPT_REQUESTED_IP, &a) != 0) {
		drop(s, rx, "DECLINE without option 50");
		return;
	}
	e = dhcp_leases_by_addr(&s->leases, ntohl(a.s_addr));
	if (e == NULL || !e->has_mac || memcmp(e->mac, m->chaddr, 6) != 0 ||
	    (e->state != LEASE_BOUND && e->state != LEASE_OFFERED)) {
		drop(s, rx, "DECLINE of an address that is not this client's");
		return;
	}
	e->probing = 0;
	(void)dhcp_leases_quarantine(&s->leases, e, wall() + DHCP_QUARANTINE_S);
	sync_soon(s);
	event(s, "DECLINE: %s says %s is in use: not offered for %d s",
	    dhcp_mac_str(m->chaddr, mac), ip_str(a, ip), DHCP_QUARANTINE_S);
}

static void
on_release(struct dhcp_server *s, const struct dhcp_msg *m)
{
	struct in_addr sid;
	struct dhcp_lease *e;
	char ip[INET_ADDRSTRLEN], mac[18];

	if (dhcp_msg_opt_addr(m, DHCP_OPT_SERVER_ID, &sid) == 0 && sid.s_addr != s->addr.s_addr)
		return;
	e = dhcp_leases_by_addr(&s->leases, ntohl(m->ciaddr.s_addr));
	if (e == NULL || e->state != LEASE_BOUND || memcmp(e->mac, m->chaddr, 6) != 0)
		return;
	(void)dhcp_leases_release(&s->leases, e);
	sync_soon(s);
	event(s, "RELEASE: %s gave back %s", dhcp_mac_str(m->chaddr, mac), ip_str(m->ciaddr, ip));
}

static void
authoritative(struct dhcp_server *s, const struct dhcp_msg *m, const uint8_t *pkt, size_t len,
    const struct dhcp_rx *rx)
{
	if (m->giaddr.s_addr != 0 && !in_subnet(s, m->giaddr)) {
		drop(s, rx, "relayed from another network (giaddr outside our subnet)");
		return;
	}
	switch (m->type) {
	case DHCPDISCOVER:
		on_discover(s, m, pkt, len, 0);
		break;
	case DHCPREQUEST:
		on_request(s, m, rx);
		break;
	case DHCPDECLINE:
		on_decline(s, m, rx);
		break;
	case DHCPRELEASE:
		on_release(s, m);
		break;
	case DHCPINFORM:
		if (m->ciaddr.s_addr == 0)
			drop(s, rx, "INFORM without ciaddr");
		else
			answer(s, m, DHCPACK, (struct in_addr){ 0 }, 0);
		break;
	default:
		break;
	}
}

/* ---- ARP probes ---- */

static void
probe_arm(struct dhcp_server *s)
{
	if (s->n_probes == 0) {
		loop_timer_cancel(s->loop, &s->probe_timer);
		return;
	}
	{
		uint64_t now = loop_now(s->loop), dl = s->probes[s->probe_head].deadline;

		(void)loop_timer_set(s->loop, &s->probe_timer, dl > now ? dl - now : 0);
	}
}

static int
probe_start(struct dhcp_server *s, const uint8_t *pkt, size_t len, struct dhcp_lease *e,
    unsigned tries)
{
	struct probe *p;

	if (s->n_probes == DHCP_MAX_PROBES)
		return -1;
	p = &s->probes[(s->probe_head + s->n_probes) % DHCP_MAX_PROBES];
	if (p->pkt != pkt)
		memmove(p->pkt, pkt, len);
	p->len = len;
	p->addr = dhcp_leases_addr(&s->leases, e);
	p->deadline = loop_now(s->loop) + DHCP_ARP_PROBE_MS;
	p->tries = tries;
	s->n_probes++;
	e->probing = 1;
	if (dhcp_arp_probe(s->arp.fd, &s->ifc, host_addr(p->addr)) != 0 &&
	    ratelog_ok(s, &s->drop_log, 60000, DHCP_MAX_DROP_LOGS))
		log_msg("dhcp: ARP probe: %s", strerror(errno));
	if (s->n_probes == 1)
		probe_arm(s);
	return 0;
}

static void
probes_clear(struct dhcp_server *s)
{
	for (size_t i = 0; i < s->n_probes; i++) {
		struct probe *p = &s->probes[(s->probe_head + i) % DHCP_MAX_PROBES];
		struct dhcp_lease *e = dhcp_leases_by_addr(&s->leases, p->addr);

		if (e != NULL && e->probing) {
			e->probing = 0;
			dhcp_leases_unoffer(&s->leases, e);
		}
	}
	s->n_probes = 0;
	loop_timer_cancel(s->loop, &s->probe_timer);
}

/* A probe's time is up: nobody answered (offer), or somebody did (the
 * address is quarantined already: try another one). */
static void
probe_done(struct dhcp_server *s, struct probe *p)
{
	struct dhcp_msg *m = &s->msg;
	struct dhcp_lease *e = dhcp_leases_by_addr(&s->leases, p->addr);
	const char *why;
	char mac[18];

	if (dhcp_msg_parse(m, p->pkt, p->len, &why) != 0)
		return; /* cannot happen: it parsed before */
	if (e != NULL && e->probing && e->state == LEASE_OFFERED &&
	    memcmp(e->mac, m->chaddr, 6) == 0) {
		e->probing = 0;
		e->probed = wall();
		answer(s, m, DHCPOFFER, host_addr(p->addr), 0);
		return;
	}
	if (p->tries + 1 >= DHCP_MAX_PROBE_TRIES) {
		event(s, "%u addresses in a row were in use: no offer to %s", DHCP_MAX_PROBE_TRIES,
		    dhcp_mac_str(m->chaddr, mac));
		return;
	}
	on_discover(s, m, p->pkt, p->len, p->tries + 1);
}

static void
on_probe_timer(struct loop *l, struct loop_timer *t)
{
	struct dhcp_server *s = t->ctx;
	uint64_t now = loop_now(l);

	while (s->n_probes > 0 && s->probes[s->probe_head].deadline <= now) {
		struct probe *p = &s->probes[s->probe_head];

		s->probe_head = (s->probe_head + 1) % DHCP_MAX_PROBES;
		s->n_probes--;
		if (s->mode == MODE_AUTHORITATIVE)
			probe_done(s, p);
	}
	probe_arm(s);
}

static void
on_arp(struct loop *l, struct loop_fd *h, uint32_t events)
{
	struct dhcp_server *s = h->ctx;
	struct in_addr ip;
	uint8_t mac[6];

	(void)l;
	(void)events;
	for (int i = 0; i < DHCP_RECV_PER_TURN && dhcp_arp_recv(h->fd, &ip, mac) == 0; i++) {
		struct dhcp_lease *e;
		char a[INET_ADDRSTRLEN], m[18];

		if (!s->have_leases || (e = dhcp_leases_by_addr(&s->leases, ntohl(ip.s_addr))) == NULL)
			continue;
		if (!e->probing || e->state != LEASE_OFFERED || memcmp(e->mac, mac, 6) == 0)
			continue;
		e->probing = 0;
		(void)dhcp_leases_quarantine(&s->leases, e, wall() + DHCP_QUARANTINE_S);
		sync_soon(s);
		event(s, "ARP: %s is in use by %s, which has no lease: not offered for %d s",
		    ip_str(ip, a), dhcp_mac_str(mac, m), DHCP_QUARANTINE_S);
	}
}

/* ---- proxy ---- */

/* Boot information only: yiaddr 0, on 67 (DISCOVER, REQUEST naming us)
 * and 4011 (any request, answered to where it came from). */
static void
proxy(struct dhcp_server *s, const struct dhcp_msg *m, const struct dhcp_rx *rx, int pxe_port)
{
	const struct settings_reservation *r;
	struct dhcp_client_info ci;
	struct dhcp_boot boot;
	struct reply_opts ro;
	struct dest d;
	struct in_addr sid, server;
	uint8_t pkt[REPLY_MAX];
	size_t len;
	enum dhcp_type type;
	char mac[18];

	dhcp_client_classify(m, &ci);
	if (!(ci.pxe || ci.http || ci.ipxe))
		return; /* not ours to answer: the network's server does */
	if (m->type == DHCPRELEASE || m->type == DHCPDECLINE)
		return;
	if (s->mode == MODE_AUTHORITATIVE)
		server = s->addr;
	else if (proxy_address(s) == 0)
		server = s->proxy_addr;
	else
		return;
	if (pxe_port)
		type = DHCPACK;
	else if (m->type == DHCPDISCOVER)
		type = DHCPOFFER;
	else if (m->type == DHCPREQUEST && dhcp_msg_opt_addr(m, DHCP_OPT_SERVER_ID, &sid) == 0 &&
	    sid.s_addr == server.s_addr)
		type = DHCPACK;
	else
		return;
	r = reservation_by_mac(s, m->chaddr);
	boot_for(s, server, &ci, r && r->entry[0] ? r->entry : NULL, &boot);
	status_dhcp(s->srv->status, m->chaddr, &ci, &boot, m->ciaddr, r && r->entry[0] ? r->entry :
	    NULL, loop_now(s->loop));
	if (boot.kind == DHCP_BOOT_NONE) {
		event(s, "proxy: %s: no boot file: %s", dhcp_mac_str(m->chaddr, mac), boot.why);
		return;
	}
	memset(&ro, 0, sizeof(ro));
	ro.type = type;
	ro.server = server;
	ro.boot = &boot;
	ro.ci = &ci;
	len = reply_build(s, m, &ro, pkt);
	if (len == 0)
		return;
	if (pxe_port) {
		static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

		memset(&d, 0, sizeof(d));
		d.fd = s->udp4011.fd;
		d.sport = PORT_PXE;
		d.ip = rx->from.sin_addr;
		d.port = ntohs(rx->from.sin_port);
		if (d.ip.s_addr == 0) {
			d.frame = 1;
			d.ip.s_addr = INADDR_BROADCAST;
			memcpy(d.mac, bcast, 6);
		}
	} else {
		reply_dest(s, m, type, ro.yiaddr, &d);
	}
	if (type == DHCPOFFER || pxe_port)
		event(s, "proxy %s%s: %s", pxe_port ? "(4011) " : "", dhcp_mac_str(m->chaddr, mac),
		    boot.why);
	send_reply(s, pkt, len, &d, server);
}

/* ---- receiving ---- */

static void
handle(struct dhcp_server *s, size_t len, const struct dhcp_rx *rx, int pxe_port)
{
	struct dhcp_msg *m = &s->msg;
	struct in_addr sid;
	const char *why;

	if (rx->ifindex != 0 && rx->ifindex != s->ifc.ifindex)
		return; /* SO_BINDTODEVICE makes this impossible; be sure */
	if (dhcp_msg_parse(m, s->buf, len, &why) != 0) {
		drop(s, rx, "%s", why);
		return;
	}
	if (m->op != BOOTREQUEST)
		return;
	if (m->htype == 1 && m->hlen == 6 && memcmp(m->chaddr, s->ifc.mac, 6) == 0)
		return; /* our own probe, looped back */
	if (m->type == DHCP_BOOTP) {
		drop(s, rx, "BOOTP request (no option 53): not served");
		return;
	}
	s->rx[m->type]++;
	/* A client SELECTING another server's offer shows there is one. */
	if (!pxe_port && m->type == DHCPREQUEST &&
	    dhcp_msg_opt_addr(m, DHCP_OPT_SERVER_ID, &sid) == 0 && sid.s_addr != 0 &&
	    sid.s_addr != s->addr.s_addr && sid.s_addr != s->proxy_addr.s_addr &&
	    m->ciaddr.s_addr == 0)
		foreign_server(s, sid, "a client's REQUEST names it");
	switch (s->mode) {
	case MODE_PROBING:
		s->dropped++;
		return;
	case MODE_PROXY:
		proxy(s, m, rx, pxe_port);
		return;
	case MODE_AUTHORITATIVE:
		if (pxe_port)
			proxy(s, m, rx, 1);
		else
			authoritative(s, m, s->buf, len, rx);
		return;
	}
}

static void
on_udp(struct loop *l, struct loop_fd *h, uint32_t events)
{
	struct dhcp_server *s = h->ctx;
	struct dhcp_rx rx;

	(void)l;
	(void)events;
	for (int i = 0; i < DHCP_RECV_PER_TURN; i++) {
		ssize_t n = dhcp_recv(h->fd, s->buf, sizeof(s->buf), &rx);

		if (n == -2) {
			drop(s, &rx, "longer than DHCP_MAX_PACKET (%d bytes)", DHCP_MAX_PACKET);
			continue;
		}
		if (n < 0)
			return;
		handle(s, (size_t)n, &rx, h == &s->udp4011);
	}
}

/* Port 68: other servers' OFFERs and ACKs (to our probes, or broadcast to
 * their clients).  One that hands out an address (yiaddr set) is another
 * DHCP server; a proxyDHCP reply (yiaddr 0) is not. */
static void
on_watch(struct loop *l, struct loop_fd *h, uint32_t events)
{
	struct dhcp_server *s = h->ctx;
	struct dhcp_msg *m = &s->msg;
	struct dhcp_rx rx;
	struct in_addr sid;
	const char *why;

	(void)l;
	(void)events;
	for (int i = 0; i < DHCP_RECV_PER_TURN; i++) {
		ssize_t n = dhcp_recv(h->fd, s->buf, sizeof(s->buf), &rx);

		if (n == -2)
			continue;
		if (n < 0)
			return;
		if (dhcp_msg_parse(m, s->buf, (size_t)n, &why) != 0 || m->op != BOOTREPLY ||
		    (m->type != DHCPOFFER && m->type != DHCPACK) || m->yiaddr.s_addr == 0)
			continue;
		if (dhcp_msg_opt_addr(m, DHCP_OPT_SERVER_ID, &sid) != 0 || sid.s_addr == 0)
			sid = rx.from.sin_addr;
		foreign_server(s, sid, m->xid == s->probe_xid ? "it answered our probe" :
		    "its OFFER/ACK was seen");
	}
}

/* ---- auto mode: looking for another server ---- */

static void
probe_send(struct dhcp_server *s)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t params[] = { DHCP_OPT_SUBNET_MASK, DHCP_OPT_ROUTER, DHCP_OPT_DNS };
	struct dhcp_out o;
	uint8_t pkt[REPLY_MAX];
	struct in_addr any = { 0 }, all = { INADDR_BROADCAST };
	size_t len;

	dhcp_out_request(&o, pkt, sizeof(pkt), s->probe_xid, s->ifc.mac, DHCPDISCOVER);
	/* Ask for a broadcast answer: we have no address to unicast to. */
	pkt[DHCP_OFF_FLAGS] = 0x80;
	dhcp_out_opt(&o, DHCP_OPT_PARAM_LIST, params, sizeof(params));
	dhcp_out_opt(&o, DHCP_OPT_VENDOR_CLASS, "pxestick-probe", 14);
	len = dhcp_out_finish(&o);
	if (len > 0 && dhcp_send_frame(s->frame_fd, s->ifc.ifindex, bcast, any, PORT_CLIENT, all,
	    PORT_SERVER, pkt, len) != 0)
		log_msg("dhcp: sending the probe DISCOVER: %s", strerror(errno));
	s->probe_sent++;
}

static void
on_auto_timer(struct loop *l, struct loop_timer *t)
{
	struct dhcp_server *s = t->ctx;
	char why[96];

	if (s->mode == MODE_PROXY)
		return; /* for good */
	if (s->mode == MODE_PROBING) {
		if (s->probe_sent < PROBE_SENDS) {
			probe_send(s);
			(void)loop_timer_set(l, t, DHCP_AUTO_PROBE_MS / PROBE_SENDS);
			return;
		}
		snprintf(why, sizeof(why), "auto: no other DHCP server answered in %d ms: "
		    "serving addresses", DHCP_AUTO_PROBE_MS);
		mode_set(s, MODE_AUTHORITATIVE, why);
	} else {
		if (++s->probe_xid == 0)
			s->probe_xid = 1;
		probe_send(s);
	}
	(void)loop_timer_set(l, t, DHCP_REPROBE_S * 1000ull);
}

/* ---- start and stop ---- */

static int
check_config(struct dhcp_server *s, const struct settings *cfg, char *err, size_t errlen)
{
	uint32_t a = ntohl(cfg->address.s_addr), m = ntohl(s->mask.s_addr);
	uint32_t lo = ntohl(cfg->pool_start.s_addr), hi = ntohl(cfg->pool_end.s_addr);
	char ip[INET_ADDRSTRLEN];

	if ((lo & m) != (a & m) || (hi & m) != (a & m)) {
		snprintf(err, errlen, "dhcp: the pool %s-... is not inside %s/%u",
		    ip_str(cfg->pool_start, ip), inet_ntoa(cfg->address), cfg->prefix);
		return -1;
	}
	for (size_t i = 0; i < cfg->n_reserve; i++)
		if (!in_subnet(s, cfg->reserve[i].addr)) {
			snprintf(err, errlen, "dhcp: reservation %s is not inside %s/%u",
			    ip_str(cfg->reserve[i].addr, ip), inet_ntoa(cfg->address), cfg->prefix);
			return -1;
		}
	return 0;
}

static int
open_leases(struct dhcp_server *s, const struct settings *cfg, char *err, size_t errlen)
{
	uint32_t a = ntohl(cfg->address.s_addr), m = ntohl(s->mask.s_addr);
	uint32_t *res = calloc(cfg->n_reserve + 3, sizeof(*res));
	size_t n = 0;
	int dirfd, rc;

	if (res == NULL) {
		snprintf(err, errlen, "dhcp: out of memory");
		return -1;
	}
	res[n++] = a;
	res[n++] = a & m;               /* the network */
	res[n++] = (a & m) | ~m;        /* its broadcast */
	for (size_t i = 0; i < cfg->n_reserve; i++)
		res[n++] = ntohl(cfg->reserve[i].addr.s_addr);
	dirfd = open(cfg->state, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		snprintf(err, errlen, "dhcp: state directory %s: %s", cfg->state, strerror(errno));
		free(res);
		return -1;
	}
	rc = dhcp_leases_open(&s->leases, ntohl(cfg->pool_start.s_addr),
	    ntohl(cfg->pool_end.s_addr), res, n, dirfd, JOURNAL_NAME, wall(), err, errlen);
	free(res);
	if (rc != 0)
		return -1;
	s->have_leases = 1;
	{
		uint32_t bound = s->leases.bound.n;

		log_msg("dhcp: %u lease(s) kept from %s/%s%s", bound, cfg->state, JOURNAL_NAME,
		    s->leases.skipped ? " (some unreadable lines skipped)" : "");
	}
	return 0;
}

static int
add_fd(struct dhcp_server *s, struct loop_fd *h,
    void (*cb)(struct loop *, struct loop_fd *, uint32_t), char *err, size_t errlen)
{
	h->cb = cb;
	h->ctx = s;
	if (h->fd >= 0 && loop_add(s->loop, h, EPOLLIN) != 0) {
		snprintf(err, errlen, "dhcp: epoll: %s", strerror(errno));
		return -1;
	}
	return 0;
}

struct dhcp_server *
dhcp_server_start(struct serve *srv, char *err, size_t errlen)
{
	const struct settings *cfg = &srv->cfg;
	struct dhcp_server *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		snprintf(err, errlen, "dhcp: out of memory");
		return NULL;
	}
	s->srv = srv;
	s->loop = &srv->loop;
	s->frame_fd = -1;
	s->udp67.fd = s->udp4011.fd = s->udp68.fd = s->arp.fd = s->ra.h.fd = -1;
	s->configured = cfg->dhcp;
	s->addr = cfg->address;
	s->mask.s_addr = htonl(cfg->prefix == 0 ? 0 : ~0u << (32 - cfg->prefix));
	s->http_port = cfg->http_port;
	s->tftp_port = cfg->tftp_port;
	snprintf(s->efi_boot, sizeof(s->efi_boot), "%s", cfg->efi_boot);
	s->lease_time = cfg->lease_time;
	s->router = cfg->router;
	s->dns = cfg->dns;
	s->reserve = cfg->reserve;
	s->n_reserve = cfg->n_reserve;
	s->sync_timer.cb = on_sync_timer;
	s->sync_timer.ctx = s;
	s->probe_timer.cb = on_probe_timer;
	s->probe_timer.ctx = s;
	s->auto_timer.cb = on_auto_timer;
	s->auto_timer.ctx = s;
	if (getentropy(&s->probe_xid, sizeof(s->probe_xid)) != 0 || s->probe_xid == 0)
		s->probe_xid = 0x70787374;
	if (dhcp_iface_get(cfg->interface, &s->ifc, err, errlen) != 0)
		goto fail;
	if (cfg->dhcp != DHCP_MODE_PROXY) {
		if (check_config(s, cfg, err, errlen) != 0 || open_leases(s, cfg, err, errlen) != 0)
			goto fail;
		s->pending = calloc(DHCP_MAX_PENDING_ACKS, sizeof(*s->pending));
		s->probes = calloc(DHCP_MAX_PROBES, sizeof(*s->probes));
		if (s->pending == NULL || s->probes == NULL) {
			snprintf(err, errlen, "dhcp: out of memory");
			goto fail;
		}
	}
	/* Each descriptor goes into its handle at once: stop closes them. */
	if ((s->udp67.fd = dhcp_udp_socket(cfg->interface, PORT_SERVER, 0, err, errlen)) < 0 ||
	    (s->udp4011.fd = dhcp_udp_socket(cfg->interface, PORT_PXE, 0, err, errlen)) < 0 ||
	    (s->frame_fd = dhcp_packet_socket(s->ifc.ifindex, 0, err, errlen)) < 0)
		goto fail;
	if (cfg->dhcp != DHCP_MODE_PROXY) {
		if ((s->arp.fd = dhcp_packet_socket(s->ifc.ifindex, 0x0806, err, errlen)) < 0)
			goto fail;
		/* Port 68 may be taken by a DHCP client on this host: then
		 * we watch through 67 only (REQUESTs naming other servers). */
		if ((s->udp68.fd = dhcp_udp_socket(cfg->interface, PORT_CLIENT, 1, err, errlen)) < 0)
			log_msg("%s: watching for other servers through port 67 only", err);
		err[0] = '\0';
		dhcp_ra_open(&s->ra, s->loop, &s->ifc);
	}
	if (add_fd(s, &s->udp67, on_udp, err, errlen) != 0 ||
	    add_fd(s, &s->udp4011, on_udp, err, errlen) != 0 ||
	    add_fd(s, &s->udp68, on_watch, err, errlen) != 0 ||
	    add_fd(s, &s->arp, on_arp, err, errlen) != 0)
		goto fail;
	switch (cfg->dhcp) {
	case DHCP_MODE_AUTO:
		s->mode = MODE_PROBING;
		log_msg("dhcp: auto: looking for another DHCP server on %s for %d ms",
		    cfg->interface, DHCP_AUTO_PROBE_MS);
		probe_send(s);
		(void)loop_timer_set(s->loop, &s->auto_timer, DHCP_AUTO_PROBE_MS / PROBE_SENDS);
		break;
	case DHCP_MODE_PROXY:
		s->mode = MODE_PROXY;
		break;
	default:
		s->mode = MODE_AUTHORITATIVE;
		warn_address(s);
		dhcp_ra_enable(&s->ra);
		(void)loop_timer_set(s->loop, &s->auto_timer, DHCP_REPROBE_S * 1000ull);
		break;
	}
	if (s->tftp_port != 0 && s->tftp_port != 69)
		log_msg("dhcp: note: TFTP is on port %u, PXE firmware only asks port 69",
		    s->tftp_port);
	return s;
fail:
	dhcp_server_stop(s);
	return NULL;
}

static void
close_fd(struct dhcp_server *s, struct loop_fd *h)
{
	if (h->fd < 0)
		return;
	if (h->added)
		loop_del(s->loop, h);
	close(h->fd);
	h->fd = -1;
}

void
dhcp_server_stop(struct dhcp_server *s)
{
	if (s == NULL)
		return;
	if (s->have_leases) {
		if (s->n_pending > 0)
			pending_flush(s);
		probes_clear(s);
		log_msg("dhcp: %u lease(s) in %s; DISCOVER %lu, REQUEST %lu, OFFER %lu, ACK %lu, "
		    "NAK %lu, dropped %lu", s->leases.bound.n, JOURNAL_NAME, s->rx[DHCPDISCOVER],
		    s->rx[DHCPREQUEST], s->tx[DHCPOFFER], s->tx[DHCPACK], s->tx[DHCPNAK], s->dropped);
		dhcp_leases_close(&s->leases);
	}
	loop_timer_cancel(s->loop, &s->sync_timer);
	loop_timer_cancel(s->loop, &s->probe_timer);
	loop_timer_cancel(s->loop, &s->auto_timer);
	close_fd(s, &s->udp67);
	close_fd(s, &s->udp4011);
	close_fd(s, &s->udp68);
	close_fd(s, &s->arp);
	dhcp_ra_close(&s->ra);
	if (s->frame_fd >= 0)
		close(s->frame_fd);
	free(s->pending);
	free(s->probes);
	free(s);
}

void
dhcp_server_describe(const struct dhcp_server *s, char *out, size_t size)
{
	snprintf(out, size, "%s on %s", mode_names[s->mode], s->ifc.name);
}
