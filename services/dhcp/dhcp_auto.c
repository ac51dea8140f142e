/*
 * The mode machine (dhcp.h).  One transition function, dhcp_auto_enter(),
 * owns each state's entry actions:
 *
 *   state          entered                          on entry
 *   PROBING        at start, dhcp = auto            send a DISCOVER of our own;
 *                                                   the timer sends PROBE_SENDS in
 *                                                   DHCP_AUTO_PROBE_MS
 *   AUTHORITATIVE  at start (dhcp = authoritative), warn when the interface lacks our
 *                  or no answer while PROBING       address; answer router
 *                                                   solicitations; re-probe every
 *                                                   DHCP_REPROBE_S
 *   PROXY          at start (dhcp = proxy), or      drop probes and waiting ACKs
 *                  another server seen (auto)       (their clients turn to the other
 *                                                   server), stop RAs, say so loudly;
 *                                                   for good
 *
 * Another server seen while dhcp = authoritative changes nothing: it is
 * logged as a warning (two servers hand out addresses there).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "dhcp/dhcp_internal.h"

#define PROBE_SENDS 3

static const char *const state_names[] = {
	[DHCP_STATE_PROBING] = "auto (probing)",
	[DHCP_STATE_AUTHORITATIVE] = "authoritative",
	[DHCP_STATE_PROXY] = "proxy",
};

const char *
dhcp_auto_state_name(enum dhcp_state st)
{
	return state_names[st];
}

/* Serving addresses from a subnet the interface is not on helps nobody. */
static void
warn_address(struct dhcp_server *s)
{
	struct in_addr have[16], a = s->eng.net.addr;
	size_t n = dhcp_iface_addrs(s->ifc.name, have, 16);
	char ip[INET_ADDRSTRLEN];

	for (size_t i = 0; i < n; i++)
		if (have[i].s_addr == a.s_addr)
			return;
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	log_msg("dhcp: warning: %s does not carry %s/%u: clients given addresses will not "
	    "reach this server (ip addr add %s/%u dev %s)", s->ifc.name, ip, s->cfg.prefix, ip,
	    s->cfg.prefix, s->ifc.name);
}

/* A DISCOVER of our own, broadcast: another server answers it on 68. */
static void
probe_send(struct dhcp_server *s)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t params[] = { DHCP_OPT_SUBNET_MASK, DHCP_OPT_ROUTER, DHCP_OPT_DNS };
	struct dhcp_out o;
	uint8_t pkt[DHCP_REPLY_MAX];
	struct in_addr any = { 0 }, all = { INADDR_BROADCAST };
	size_t len;

	dhcp_out_request(&o, pkt, sizeof(pkt), s->probe_xid, s->ifc.mac, DHCPDISCOVER);
	/* Ask for a broadcast answer: we have no address to unicast to. */
	pkt[DHCP_OFF_FLAGS] = 0x80;
	dhcp_out_opt(&o, DHCP_OPT_PARAM_LIST, params, sizeof(params));
	dhcp_out_opt(&o, DHCP_OPT_VENDOR_CLASS, "pxestick-probe", 14);
	len = dhcp_out_finish(&o);
	if (len > 0 && dhcp_send_frame(s->frame_fd, s->ifc.ifindex, bcast, any, DHCP_PORT_CLIENT,
	    all, DHCP_PORT_SERVER, pkt, len) != 0)
		log_msg("dhcp: sending the probe DISCOVER: %s", strerror(errno));
	s->probe_sent++;
}

static void
enter_probing(struct dhcp_server *s)
{
	log_msg("dhcp: auto: looking for another DHCP server on %s for %d ms", s->ifc.name,
	    DHCP_AUTO_PROBE_MS);
	probe_send(s);
	(void)loop_timer_set(s->loop, &s->auto_timer, DHCP_AUTO_PROBE_MS / PROBE_SENDS);
}

static void
enter_authoritative(struct dhcp_server *s, const char *why)
{
	if (why != NULL)
		log_msg("dhcp: %s: authoritative on %s", why, s->ifc.name);
	warn_address(s);
	dhcp_ra_enable(&s->ra);
	(void)loop_timer_set(s->loop, &s->auto_timer, DHCP_REPROBE_S * 1000ull);
}

static void
enter_proxy(struct dhcp_server *s, const char *why)
{
	/* Nothing already promised leaves: offers and ACKs waiting are
	 * dropped, the clients turn to the other server. */
	dhcp_probes_clear(s);
	dhcp_pending_discard(s);
	dhcp_ra_close(&s->ra);
	loop_timer_cancel(s->loop, &s->auto_timer);
	s->proxy_addr_checked = 0;
	if (why != NULL)
		log_msg("dhcp: *** %s: now proxyDHCP on %s -- pxestick hands out NO addresses, "
		    "only boot information ***", why, s->ifc.name);
}

/* The one transition: leave the current state for next, run its entry
 * actions.  why: the reason for the log (NULL at start). */
static void
dhcp_auto_enter(struct dhcp_server *s, enum dhcp_state next, const char *why)
{
	s->eng.state = next;
	switch (next) {
	case DHCP_STATE_PROBING:
		enter_probing(s);
		break;
	case DHCP_STATE_AUTHORITATIVE:
		enter_authoritative(s, why);
		break;
	case DHCP_STATE_PROXY:
		enter_proxy(s, why);
		break;
	}
}

void
dhcp_auto_start(struct dhcp_server *s)
{
	switch (s->cfg.mode) {
	case DHCP_MODE_AUTO:
		dhcp_auto_enter(s, DHCP_STATE_PROBING, NULL);
		break;
	case DHCP_MODE_PROXY:
		dhcp_auto_enter(s, DHCP_STATE_PROXY, NULL);
		break;
	default:
		dhcp_auto_enter(s, DHCP_STATE_AUTHORITATIVE, NULL);
		break;
	}
}

void
dhcp_auto_foreign(struct dhcp_server *s, struct in_addr sid, const char *how)
{
	char ip[INET_ADDRSTRLEN], why[256];

	if (dhcp_engine_is_us(&s->eng, sid))
		return;
	inet_ntop(AF_INET, &sid, ip, sizeof(ip));
	if (s->cfg.mode == DHCP_MODE_AUTO && s->eng.state != DHCP_STATE_PROXY) {
		snprintf(why, sizeof(why), "ANOTHER DHCP SERVER (%s) IS ON THIS NETWORK (%s)", ip,
		    how);
		dhcp_auto_enter(s, DHCP_STATE_PROXY, why);
	} else if (s->cfg.mode == DHCP_MODE_AUTHORITATIVE) {
		ratelog_msg(&s->drop_log, loop_now(s->loop), "dhcp: *** WARNING: another DHCP "
		    "server (%s) is on %s (%s), and dhcp = authoritative: two servers hand out "
		    "addresses here ***", ip, s->ifc.name, how);
	}
}

/* PROBING: send the next probe, or become authoritative; AUTHORITATIVE:
 * probe again. */
void
dhcp_auto_on_timer(struct loop *l, struct loop_timer *t)
{
	struct dhcp_server *s = t->ctx;
	char why[96];

	(void)l;
	if (s->eng.state == DHCP_STATE_PROBING) {
		if (s->probe_sent < PROBE_SENDS) {
			probe_send(s);
			(void)loop_timer_set(s->loop, t, DHCP_AUTO_PROBE_MS / PROBE_SENDS);
			return;
		}
		snprintf(why, sizeof(why), "auto: no other DHCP server answered in %d ms: "
		    "serving addresses", DHCP_AUTO_PROBE_MS);
		dhcp_auto_enter(s, DHCP_STATE_AUTHORITATIVE, why);
	} else if (s->eng.state == DHCP_STATE_AUTHORITATIVE) {
		if (++s->probe_xid == 0)
			s->probe_xid = 1;
		probe_send(s);
		(void)loop_timer_set(s->loop, t, DHCP_REPROBE_S * 1000ull);
	}
}
