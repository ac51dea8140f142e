/*
 * RFC 2131 4.3 and proxyDHCP as plans (dhcp_engine.h).  Every function
 * here fills a plan and returns; nothing is sent, logged or synced.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/net.h"
#include "common/util.h"
#include "dhcp/dhcp_engine.h"

static const char *
ip_str(struct in_addr a, char *out)
{
	return inet_ntop(AF_INET, &a, out, INET_ADDRSTRLEN);
}

static struct in_addr
host_addr(uint32_t a)
{
	struct in_addr r = { htonl(a) };

	return r;
}

static void plan_log(struct dhcp_plan *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
plan_log(struct dhcp_plan *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->log, sizeof(p->log), fmt, ap);
	va_end(ap);
}

static void plan_drop(struct dhcp_plan *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Bad peer input: the caller counts and logs it. */
static void
plan_drop(struct dhcp_plan *p, const char *fmt, ...)
{
	va_list ap;

	p->kind = DHCP_PLAN_DROP;
	va_start(ap, fmt);
	vsnprintf(p->log, sizeof(p->log), fmt, ap);
	va_end(ap);
}

static void
plan_error(struct dhcp_plan *p, const uint8_t mac[6], const char *why)
{
	p->status = DHCP_STATUS_ERROR;
	memcpy(p->error_mac, mac, 6);
	snprintf(p->error, sizeof(p->error), "%s", why);
}

static unsigned
firmware_of(const struct dhcp_client_info *ci)
{
	if (ci->http || (ci->has_arch && ci->arch == 16))
		return STATUS_FW_UEFI_HTTP;
	if (!ci->has_arch)
		return STATUS_FW_UNKNOWN;
	if (ci->arch == 0)
		return STATUS_FW_BIOS;
	if (ci->arch == 6 || ci->arch == 7 || ci->arch == 9)
		return STATUS_FW_UEFI;
	return STATUS_FW_OTHER;
}

/* The client table hears what this reply told the client. */
static void
plan_boot_event(struct dhcp_plan *p, const struct dhcp_msg *m, const struct dhcp_client_info *ci,
    const struct dhcp_boot *b, struct in_addr addr, const char *entry)
{
	struct status_dhcp_event *ev = &p->ev;

	p->status = DHCP_STATUS_BOOT;
	memset(ev, 0, sizeof(*ev));
	memcpy(ev->mac, m->chaddr, 6);
	ev->addr = addr;
	ev->netboot = b->netboot;
	ev->ipxe = ci->ipxe;
	ev->firmware = (uint8_t)firmware_of(ci);
	ev->has_arch = ci->has_arch;
	ev->arch = ci->arch;
	ev->arch_name = ci->has_arch ? dhcp_arch_name(ci->arch) : NULL;
	ev->booted = b->kind != DHCP_BOOT_NONE;
	snprintf(p->detail, sizeof(p->detail), "%s", b->why);
	ev->detail = p->detail;
	ev->entry = entry;
}

static const struct dhcp_reservation *
reservation_by_mac(const struct dhcp_engine *e, const uint8_t *mac)
{
	for (size_t i = 0; i < e->n_reserve; i++)
		if (memcmp(e->reserve[i].mac, mac, 6) == 0)
			return &e->reserve[i];
	return NULL;
}

static const struct dhcp_reservation *
reservation_by_addr(const struct dhcp_engine *e, struct in_addr a)
{
	for (size_t i = 0; i < e->n_reserve; i++)
		if (e->reserve[i].addr.s_addr == a.s_addr)
			return &e->reserve[i];
	return NULL;
}

/* The reservation's fixed boot entry, or NULL. */
static const char *
fixed_entry(const struct dhcp_engine *e, const uint8_t *mac)
{
	const struct dhcp_reservation *r = reservation_by_mac(e, mac);

	return r != NULL && r->entry[0] ? r->entry : NULL;
}

static int
in_subnet(const struct dhcp_engine *e, struct in_addr a)
{
	return (a.s_addr & e->net.mask.s_addr) == (e->net.addr.s_addr & e->net.mask.s_addr);
}

int
dhcp_engine_is_us(const struct dhcp_engine *e, struct in_addr sid)
{
	return sid.s_addr == e->net.addr.s_addr || sid.s_addr == e->proxy_addr.s_addr;
}

/* What the client rules give mac: its decision, and the words for
 * boot.ipxe's URL and for the client table. */
static void
decide(const struct dhcp_engine *e, const uint8_t *mac, struct client_decision *d,
    struct dhcp_menu *menu, struct dhcp_plan *p)
{
	static const char *const policies[] = {
		[CLIENT_BOOT] = "boot", [CLIENT_MENU] = "menu (waits for a choice)",
		[CLIENT_LOCAL] = "local disk by default", [CLIENT_IGNORE] = "ignored",
	};

	memset(menu, 0, sizeof(*menu));
	menu->entry = fixed_entry(e, mac);
	if (e->clients == NULL) {
		memset(d, 0, sizeof(*d));
		d->action = CLIENT_BOOT;
		p->policy[0] = '\0';
		return;
	}
	clients_decide(e->clients, mac, e->state == DHCP_STATE_PROXY, d);
	if (d->entry != NULL)
		menu->entry = d->entry;
	if (d->action == CLIENT_LOCAL)
		menu->dflt = d->done ? "done" : "local";
	else if (d->action == CLIENT_MENU)
		menu->dflt = "wait";
	snprintf(p->policy, sizeof(p->policy), "%s%s", d->done ? "done, next boot: " :
	    "", d->done ? "local disk" : policies[d->action <= CLIENT_IGNORE ? d->action : 0]);
}

static void
boot_for(const struct dhcp_engine *e, struct in_addr server, const struct dhcp_client_info *ci,
    const struct dhcp_menu *menu, struct dhcp_boot *b)
{
	struct dhcp_policy_cfg pc;

	pc.server = server;
	pc.http_port = e->http_port;
	pc.tftp_port = e->tftp_port;
	pc.efi_boot = e->efi_boot;
	dhcp_policy_decide(&pc, ci, menu, b);
}

/* The client table's side of a decision. */
static void
plan_policy(struct dhcp_plan *p, const struct client_decision *d)
{
	if (p->status != DHCP_STATUS_BOOT || p->policy[0] == '\0')
		return;
	p->ev.policy = p->policy;
	p->ev.name = d->name;
	p->ev.turned_away = d->action == CLIENT_IGNORE || d->action == CLIENT_LOCAL;
}

/* ---- authoritative ---- */

/* An OFFER (or an ACK, held for the journal when synced) of yiaddr. */
static void
answer(struct dhcp_engine *e, const struct dhcp_msg *m, enum dhcp_type type,
    struct in_addr yiaddr, int synced, struct dhcp_plan *p)
{
	struct client_decision d;
	struct dhcp_menu menu;
	struct dhcp_client_info ci;
	struct dhcp_boot boot;
	struct dhcp_reply_opts ro;
	char mac[NET_MAC_STR], ip[INET_ADDRSTRLEN];

	dhcp_client_classify(m, &ci);
	decide(e, m->chaddr, &d, &menu, p);
	boot_for(e, e->net.addr, &ci, &menu, &boot);
	/* An ignored machine gets an address (as any machine on a network we
	 * own does) but no boot file: its firmware moves on at once. */
	if (d.action == CLIENT_IGNORE && boot.netboot) {
		boot.kind = DHCP_BOOT_NONE;
		snprintf(boot.why, sizeof(boot.why), "ignored (%s)", d.why);
	}
	plan_boot_event(p, m, &ci, &boot, yiaddr, menu.entry);
	plan_policy(p, &d);
	memset(&ro, 0, sizeof(ro));
	ro.type = type;
	ro.yiaddr = yiaddr;
	ro.server = e->net.addr;
	ro.lease_time = type != DHCPACK || m->type != DHCPINFORM ? e->lease_time : 0;
	ro.net = &e->net;
	ro.boot = &boot;
	ro.ci = &ci;
	ro.only_server = 1;
	if ((p->len = dhcp_reply_build(m, &ro, p->reply)) == 0)
		return;
	dhcp_reply_dest(m, type, yiaddr, &p->dest);
	p->src = e->net.addr;
	p->kind = synced ? DHCP_PLAN_SEND_SYNCED : DHCP_PLAN_SEND;
	if (boot.netboot && type == DHCPOFFER)
		plan_log(p, "%s (%s): %s%s", net_mac_str(m->chaddr, mac), ip_str(yiaddr, ip),
		    boot.kind == DHCP_BOOT_NONE ? "no boot file: " : "", boot.why);
}

static void
nak(struct dhcp_engine *e, const struct dhcp_msg *m, const char *why, struct dhcp_plan *p)
{
	struct dhcp_reply_opts ro;
	char mac[NET_MAC_STR];

	memset(&ro, 0, sizeof(ro));
	ro.type = DHCPNAK;
	ro.server = e->net.addr;
	ro.message = why;
	plan_error(p, m->chaddr, why);
	if ((p->len = dhcp_reply_build(m, &ro, p->reply)) == 0)
		return;
	dhcp_reply_dest(m, DHCPNAK, ro.yiaddr, &p->dest);
	p->src = e->net.addr;
	p->kind = DHCP_PLAN_SEND;
	plan_log(p, "NAK to %s: %s", net_mac_str(m->chaddr, mac), why);
}

static void
on_discover(struct dhcp_engine *e, const struct dhcp_msg *m, unsigned tries, int64_t now,
    struct dhcp_plan *p)
{
	const struct dhcp_reservation *r = reservation_by_mac(e, m->chaddr);
	struct dhcp_lease *l;
	char mac[NET_MAC_STR];

	if (r != NULL) {
		answer(e, m, DHCPOFFER, r->addr, 0, p);
		return;
	}
	l = dhcp_leases_pick(e->leases, m->chaddr, now);
	if (l == NULL) {
		plan_log(p, "pool exhausted: no address for %s", net_mac_str(m->chaddr, mac));
		plan_error(p, m->chaddr, "pool exhausted");
		return;
	}
	if (l->probing && l->state == LEASE_OFFERED)
		return; /* a retransmission: the probe in flight answers it */
	/* Its own lease, an address probed free a moment ago, or a relayed
	 * client (ARP does not cross the relay): offer at once. */
	if ((l->has_mac && memcmp(l->mac, m->chaddr, 6) == 0 && l->state != LEASE_FREE) ||
	    (l->probed != 0 && now - l->probed < DHCP_PROBE_VALID_S) ||
	    m->giaddr.s_addr != 0) {
		if (l->state != LEASE_BOUND)
			dhcp_leases_offer(e->leases, l, m->chaddr, now + DHCP_OFFER_HOLD_S);
		answer(e, m, DHCPOFFER, host_addr(dhcp_leases_addr(e->leases, l)), 0, p);
		return;
	}
	dhcp_leases_offer(e->leases, l, m->chaddr, now + DHCP_OFFER_HOLD_S);
	l->probing = 1;
	p->kind = DHCP_PLAN_PROBE;
	p->probe_addr = dhcp_leases_addr(e->leases, l);
	p->probe_tries = tries;
}

/* Bind target to the client of m, or NAK. */
static void
request_target(struct dhcp_engine *e, const struct dhcp_msg *m, struct in_addr target,
    int64_t now, struct dhcp_plan *p)
{
	const struct dhcp_reservation *r = reservation_by_mac(e, m->chaddr);
	struct dhcp_lease *l;
	char ip[INET_ADDRSTRLEN], mac[NET_MAC_STR], why[96];
	int fresh;

	if (r != NULL) {
		if (target.s_addr == r->addr.s_addr) {
			answer(e, m, DHCPACK, target, 0, p);
			return;
		}
		snprintf(why, sizeof(why), "this client's address is %s", ip_str(r->addr, ip));
		nak(e, m, why, p);
		return;
	}
	if (reservation_by_addr(e, target) != NULL) {
		nak(e, m, "address reserved for another client", p);
		return;
	}
	if (!in_subnet(e, target)) {
		nak(e, m, "wrong network", p);
		return;
	}
	l = dhcp_leases_by_addr(e->leases, ntohl(target.s_addr));
	if (l == NULL || l->state == LEASE_RESERVED) {
		nak(e, m, "address not in the pool", p);
		return;
	}
	if (l->state == LEASE_QUARANTINED) {
		nak(e, m, "address in use by another host", p);
		return;
	}
	if ((l->state == LEASE_BOUND || l->state == LEASE_OFFERED) &&
	    memcmp(l->mac, m->chaddr, 6) != 0) {
		nak(e, m, "address leased to another client", p);
		return;
	}
	fresh = !(l->state == LEASE_BOUND && memcmp(l->mac, m->chaddr, 6) == 0);
	l->probing = 0;
	(void)dhcp_leases_bind(e->leases, l, m->chaddr, now + e->lease_time);
	answer(e, m, DHCPACK, target, 1, p);
	if (fresh)
		plan_log(p, "lease %s to %s for %u s", ip_str(target, ip),
		    net_mac_str(m->chaddr, mac), e->lease_time);
}

static void
on_request(struct dhcp_engine *e, const struct dhcp_msg *m, int64_t now, struct dhcp_plan *p)
{
	struct in_addr sid, want;
	int has_sid = dhcp_msg_opt_addr(m, DHCP_OPT_SERVER_ID, &sid) == 0;
	int has_want = dhcp_msg_opt_addr(m, DHCP_OPT_REQUESTED_IP, &want) == 0;

	if (has_sid && sid.s_addr != e->net.addr.s_addr) {
		/* SELECTING another server's offer: ours is free again. */
		struct dhcp_lease *l = dhcp_leases_by_mac(e->leases, m->chaddr);

		if (l != NULL && l->state == LEASE_OFFERED) {
			l->probing = 0;
			dhcp_leases_unoffer(e->leases, l);
		}
		return;
	}
	if (has_want && m->ciaddr.s_addr == 0)
		request_target(e, m, want, now, p);         /* SELECTING or INIT-REBOOT */
	else if (m->ciaddr.s_addr != 0)
		request_target(e, m, m->ciaddr, now, p);    /* RENEWING or REBINDING */
	else
		plan_drop(p, "REQUEST names no address (neither option 50 nor ciaddr)");
}

static void
on_decline(struct dhcp_engine *e, const struct dhcp_msg *m, int64_t now, struct dhcp_plan *p)
{
	struct in_addr sid, a;
	struct dhcp_lease *l;
	char ip[INET_ADDRSTRLEN], mac[NET_MAC_STR];

	if (dhcp_msg_opt_addr(m, DHCP_OPT_SERVER_ID, &sid) == 0 &&
	    sid.s_addr != e->net.addr.s_addr)
		return;
	if (dhcp_msg_opt_addr(m, DHCP_OPT_REQUESTED_IP, &a) != 0) {
		plan_drop(p, "DECLINE without option 50");
		return;
	}
	l = dhcp_leases_by_addr(e->leases, ntohl(a.s_addr));
	if (l == NULL || !l->has_mac || memcmp(l->mac, m->chaddr, 6) != 0 ||
	    (l->state != LEASE_BOUND && l->state != LEASE_OFFERED)) {
		plan_drop(p, "DECLINE of an address that is not this client's");
		return;
	}
	l->probing = 0;
	(void)dhcp_leases_quarantine(e->leases, l, now + DHCP_QUARANTINE_S);
	plan_log(p, "DECLINE: %s says %s is in use: not offered for %d s",
	    net_mac_str(m->chaddr, mac), ip_str(a, ip), DHCP_QUARANTINE_S);
}

static void
on_release(struct dhcp_engine *e, const struct dhcp_msg *m, struct dhcp_plan *p)
{
	struct in_addr sid;
	struct dhcp_lease *l;
	char ip[INET_ADDRSTRLEN], mac[NET_MAC_STR];

	if (dhcp_msg_opt_addr(m, DHCP_OPT_SERVER_ID, &sid) == 0 &&
	    sid.s_addr != e->net.addr.s_addr)
		return;
	l = dhcp_leases_by_addr(e->leases, ntohl(m->ciaddr.s_addr));
	if (l == NULL || l->state != LEASE_BOUND || memcmp(l->mac, m->chaddr, 6) != 0)
		return;
	(void)dhcp_leases_release(e->leases, l);
	plan_log(p, "RELEASE: %s gave back %s", net_mac_str(m->chaddr, mac),
	    ip_str(m->ciaddr, ip));
}

static void
authoritative(struct dhcp_engine *e, const struct dhcp_msg *m, int64_t now,
    struct dhcp_plan *p)
{
	if (m->giaddr.s_addr != 0 && !in_subnet(e, m->giaddr)) {
		plan_drop(p, "relayed from another network (giaddr outside our subnet)");
		return;
	}
	switch (m->type) {
	case DHCPDISCOVER:
		on_discover(e, m, 0, now, p);
		break;
	case DHCPREQUEST:
		on_request(e, m, now, p);
		break;
	case DHCPDECLINE:
		on_decline(e, m, now, p);
		break;
	case DHCPRELEASE:
		on_release(e, m, p);
		break;
	case DHCPINFORM:
		if (m->ciaddr.s_addr == 0)
			plan_drop(p, "INFORM without ciaddr");
		else
			answer(e, m, DHCPACK, (struct in_addr){ 0 }, 0, p);
		break;
	default:
		break;
	}
}

/* ---- proxy ---- */

/* Boot information only: yiaddr 0, on 67 (DISCOVER, REQUEST naming us)
 * and 4011 (any request, answered to where it came from). */
static void
proxy(struct dhcp_engine *e, const struct dhcp_msg *m, int pxe_port,
    const struct sockaddr_in *from, struct dhcp_plan *p)
{
	struct client_decision d;
	struct dhcp_menu menu;
	struct dhcp_client_info ci;
	struct dhcp_boot boot;
	struct dhcp_reply_opts ro;
	struct in_addr sid, server;
	enum dhcp_type type;
	char mac[NET_MAC_STR];

	dhcp_client_classify(m, &ci);
	if (!(ci.pxe || ci.http || ci.ipxe))
		return; /* not ours to answer: the network's server does */
	if (m->type == DHCPRELEASE || m->type == DHCPDECLINE)
		return;
	if (ci.ipxe && !pxe_port && e->state == DHCP_STATE_PROXY && e->went_elsewhere != NULL &&
	    e->went_elsewhere(e->elsewhere_ctx, m->chaddr)) {
		plan_log(p, "proxy: %s: its firmware booted from another boot server: its iPXE "
		    "is left to that one", net_mac_str(m->chaddr, mac));
		return;
	}
	server = e->state == DHCP_STATE_AUTHORITATIVE ? e->net.addr : e->proxy_addr;
	if (server.s_addr == 0)
		return; /* no address to point anyone at (the caller said why) */
	if (pxe_port)
		type = DHCPACK;
	else if (m->type == DHCPDISCOVER)
		type = DHCPOFFER;
	else if (m->type == DHCPREQUEST && dhcp_msg_opt_addr(m, DHCP_OPT_SERVER_ID, &sid) == 0 &&
	    sid.s_addr == server.s_addr)
		type = DHCPACK;
	else
		return;
	decide(e, m->chaddr, &d, &menu, p);
	boot_for(e, server, &ci, &menu, &boot);
	plan_boot_event(p, m, &ci, &boot, m->ciaddr, menu.entry);
	/* Beside the network's DHCP server, an OFFER is one of several. */
	p->ev.offer_only = type == DHCPOFFER && e->state == DHCP_STATE_PROXY;
	plan_policy(p, &d);
	if (d.action == CLIENT_IGNORE) {
		plan_log(p, "proxy: %s: ignored (%s): no answer", net_mac_str(m->chaddr, mac),
		    d.why);
		return;
	}
	if (boot.kind == DHCP_BOOT_NONE) {
		plan_log(p, "proxy: %s: no boot file: %s", net_mac_str(m->chaddr, mac), boot.why);
		return;
	}
	memset(&ro, 0, sizeof(ro));
	ro.type = type;
	ro.server = server;
	ro.boot = &boot;
	ro.ci = &ci;
	if ((p->len = dhcp_reply_build(m, &ro, p->reply)) == 0)
		return;
	if (pxe_port)
		dhcp_reply_dest_pxe(from, &p->dest);
	else
		dhcp_reply_dest(m, type, ro.yiaddr, &p->dest);
	p->src = server;
	p->kind = DHCP_PLAN_SEND;
	if (type == DHCPOFFER || pxe_port)
		plan_log(p, "proxy %s%s: %s", pxe_port ? "(4011) " : "",
		    net_mac_str(m->chaddr, mac), boot.why);
}

/* ---- entry points ---- */

static void
plan_init(struct dhcp_plan *p)
{
	p->kind = DHCP_PLAN_IGNORE;
	p->len = 0;
	p->log[0] = '\0';
	p->status = DHCP_STATUS_NONE;
	p->policy[0] = '\0';
	p->foreign.s_addr = 0;
	p->foreign_client.s_addr = 0;
	p->foreign_how = NULL;
}

void
dhcp_engine_handle(struct dhcp_engine *e, const struct dhcp_msg *m, int pxe_port,
    const struct sockaddr_in *from, int64_t now, struct dhcp_plan *p)
{
	struct in_addr sid;

	plan_init(p);
	if (m->op != BOOTREQUEST)
		return;
	if (m->htype == 1 && m->hlen == 6 && memcmp(m->chaddr, e->own_mac, 6) == 0)
		return; /* our own probe, looped back */
	if (m->type == DHCP_BOOTP) {
		plan_drop(p, "BOOTP request (no option 53): not served");
		return;
	}
	/* A client SELECTING another server's offer shows there is one. */
	if (!pxe_port && m->type == DHCPREQUEST &&
	    dhcp_msg_opt_addr(m, DHCP_OPT_SERVER_ID, &sid) == 0 && sid.s_addr != 0 &&
	    !dhcp_engine_is_us(e, sid) && m->ciaddr.s_addr == 0) {
		p->foreign = sid;
		(void)dhcp_msg_opt_addr(m, DHCP_OPT_REQUESTED_IP, &p->foreign_client);
		p->foreign_how = "a client's REQUEST names it";
	}
	switch (e->state) {
	case DHCP_STATE_PROBING:
		p->kind = DHCP_PLAN_DROP; /* counted, not logged: nobody is served yet */
		return;
	case DHCP_STATE_PROXY:
		proxy(e, m, pxe_port, from, p);
		return;
	case DHCP_STATE_AUTHORITATIVE:
		if (pxe_port)
			proxy(e, m, 1, from, p);
		else
			authoritative(e, m, now, p);
		return;
	}
}

void
dhcp_engine_probed(struct dhcp_engine *e, const struct dhcp_msg *m, uint32_t addr,
    unsigned tries, int64_t now, struct dhcp_plan *p)
{
	struct dhcp_lease *l = dhcp_leases_by_addr(e->leases, addr);
	char mac[NET_MAC_STR];

	plan_init(p);
	if (l != NULL && l->probing && l->state == LEASE_OFFERED &&
	    memcmp(l->mac, m->chaddr, 6) == 0) {
		l->probing = 0;
		l->probed = now;
		answer(e, m, DHCPOFFER, host_addr(addr), 0, p);
		return;
	}
	if (tries + 1 >= DHCP_MAX_PROBE_TRIES) {
		plan_log(p, "%u addresses in a row were in use: no offer to %s",
		    DHCP_MAX_PROBE_TRIES, net_mac_str(m->chaddr, mac));
		return;
	}
	on_discover(e, m, tries + 1, now, p);
}

void
dhcp_engine_arp(struct dhcp_engine *e, struct in_addr ip, const uint8_t mac[6], int64_t now,
    struct dhcp_plan *p)
{
	struct dhcp_lease *l;
	char a[INET_ADDRSTRLEN], m[NET_MAC_STR];

	plan_init(p);
	if (e->leases == NULL || (l = dhcp_leases_by_addr(e->leases, ntohl(ip.s_addr))) == NULL)
		return;
	if (!l->probing || l->state != LEASE_OFFERED || memcmp(l->mac, mac, 6) == 0)
		return;
	l->probing = 0;
	(void)dhcp_leases_quarantine(e->leases, l, now + DHCP_QUARANTINE_S);
	plan_log(p, "ARP: %s is in use by %s, which has no lease: not offered for %d s",
	    ip_str(ip, a), net_mac_str(mac, m), DHCP_QUARANTINE_S);
}

void
dhcp_engine_unprobe(struct dhcp_engine *e, uint32_t addr)
{
	struct dhcp_lease *l = e->leases != NULL ? dhcp_leases_by_addr(e->leases, addr) : NULL;

	if (l != NULL && l->probing) {
		l->probing = 0;
		dhcp_leases_unoffer(e->leases, l);
	}
}

int
dhcp_engine_foreign_reply(const struct dhcp_engine *e, const struct dhcp_msg *m,
    struct in_addr from, struct in_addr *sid)
{
	if (m->op != BOOTREPLY || (m->type != DHCPOFFER && m->type != DHCPACK) ||
	    m->yiaddr.s_addr == 0)
		return -1;
	if (dhcp_msg_opt_addr(m, DHCP_OPT_SERVER_ID, sid) != 0 || sid->s_addr == 0)
		*sid = from;
	return dhcp_engine_is_us(e, *sid) ? -1 : 0;
}

/* Copy a name from the wire as printable ASCII ('?' for the rest). */
static void
printable(char *out, size_t size, const char *in, size_t len)
{
	size_t i;

	for (i = 0; i < len && i + 1 < size && in[i] != '\0'; i++)
		out[i] = in[i] >= 0x20 && in[i] < 0x7f ? in[i] : '?';
	out[i] = '\0';
}

int
dhcp_engine_boot_server(const struct dhcp_engine *e, const struct dhcp_msg *m,
    const struct sockaddr_in *from, struct dhcp_boot_server *out)
{
	const uint8_t *vc, *bf;
	size_t vclen = 0, bflen = 0;
	char file[64] = "";
	int pxe;

	if (m->op != BOOTREPLY || (m->type != DHCPOFFER && m->type != DHCPACK))
		return 0;
	if (dhcp_msg_opt_addr(m, DHCP_OPT_SERVER_ID, &out->addr) != 0 || out->addr.s_addr == 0)
		out->addr = from->sin_addr;
	if (dhcp_engine_is_us(e, out->addr) || dhcp_engine_is_us(e, from->sin_addr))
		return 0;
	vc = dhcp_msg_opt(m, DHCP_OPT_VENDOR_CLASS, &vclen);
	bf = dhcp_msg_opt(m, DHCP_OPT_BOOTFILE, &bflen);
	if (bf != NULL)
		printable(file, sizeof(file), (const char *)bf, bflen);
	else if (!(m->overload & 1))
		printable(file, sizeof(file), m->file, sizeof(m->file));
	pxe = (vc != NULL && vclen >= 9 && memcmp(vc, "PXEClient", 9) == 0) ||
	    ntohs(from->sin_port) == 4011;
	if (!pxe && file[0] == '\0')
		return 0;
	snprintf(out->what, sizeof(out->what), "%s%s%s%s",
	    m->yiaddr.s_addr == 0 ? "proxyDHCP" : "DHCP with boot information",
	    ntohs(from->sin_port) == 4011 ? " (port 4011)" : "",
	    file[0] ? ", boot file " : "", file);
	return 1;
}

/* The index of the address of a[0..n) whose subnet holds x, or n. */
static size_t
on_subnet(const struct dhcp_ifaddr *a, size_t n, struct in_addr x)
{
	for (size_t i = 0; x.s_addr != 0 && i < n; i++)
		if (a[i].mask.s_addr != 0xffffffffu &&
		    (a[i].addr.s_addr & a[i].mask.s_addr) == (x.s_addr & a[i].mask.s_addr))
			return i;
	return n;
}

struct in_addr
dhcp_pick_proxy_addr(const struct dhcp_ifaddr *a, size_t n, struct in_addr configured,
    struct in_addr client, struct in_addr site)
{
	struct in_addr none = { 0 };
	size_t i;

	if ((i = on_subnet(a, n, client)) < n || (i = on_subnet(a, n, site)) < n)
		return a[i].addr;
	for (i = 0; configured.s_addr != 0 && i < n; i++)
		if (a[i].addr.s_addr == configured.s_addr)
			return a[i].addr;
	return n > 0 ? a[0].addr : none;
}
