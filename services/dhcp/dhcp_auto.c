/*
 * The mode machine (dhcp.h).  One transition function, dhcp_auto_enter(),
 * owns each state's entry actions:
 *
 *   state          entered                          on entry
 *   PROBING        at start, dhcp = auto; or the    send a DISCOVER of our own;
 *                  link came back (auto)            the timer sends PROBE_SENDS in
 *                                                   DHCP_AUTO_PROBE_MS
 *   AUTHORITATIVE  at start (dhcp = authoritative), warn when the interface lacks our
 *                  or no answer while PROBING       address; answer router
 *                                                   solicitations; re-probe every
 *                                                   DHCP_REPROBE_S
 *   PROXY          at start (dhcp = proxy), or      drop probes and waiting ACKs
 *                  another server seen (auto)       (their clients turn to the other
 *                                                   server), stop RAs, say so loudly;
 *                                                   a PXE-shaped DISCOVER now and every
 *                                                   DHCP_REPROBE_S finds the network's
 *                                                   server and other boot servers
 *
 * PROXY holds until the link goes down and comes back: the appliance may
 * have been moved to another network, so auto looks again.  Another
 * server seen while dhcp = authoritative changes nothing: it is logged as
 * a warning (two servers hand out addresses there).
 *
 * Every state entered is written to STATE/dhcp-mode ("probing",
 * "authoritative", "proxy [SERVER]"): the appliance follows it, taking a
 * lease from the network's server when pxestick turns proxy, so that the
 * boot information can point at an address the clients reach.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
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
	struct dhcp_ifaddr have[16];
	struct in_addr a = s->eng.net.addr;
	size_t n = dhcp_iface_addrs(s->ifc.name, have, 16);
	char ip[INET_ADDRSTRLEN];

	for (size_t i = 0; i < n; i++)
		if (have[i].addr.s_addr == a.s_addr)
			return;
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	log_msg("dhcp: warning: %s does not carry %s/%u: clients given addresses will not "
	    "reach this server (ip addr add %s/%u dev %s)", s->ifc.name, ip, s->cfg.prefix, ip,
	    s->cfg.prefix, s->ifc.name);
}

#define PXE_VENDOR_CLASS "PXEClient:Arch:00000:UNDI:002001"

/* A DISCOVER of our own, broadcast: another server answers it on 68.
 * pxe: shaped like a BIOS PXE ROM's (vendor class, options 93, 94, 97),
 * so that proxyDHCP servers answer it too. */
static void
probe_send(struct dhcp_server *s, int pxe)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t params[] = { DHCP_OPT_SUBNET_MASK, DHCP_OPT_ROUTER, DHCP_OPT_DNS,
		DHCP_OPT_VENDOR_CLASS, DHCP_OPT_VENDOR, DHCP_OPT_TFTP_SERVER, DHCP_OPT_BOOTFILE };
	static const uint8_t arch[2] = { 0, 0 }, undi[3] = { 1, 2, 1 };
	uint8_t guid[17] = { 0 };
	struct dhcp_out o;
	uint8_t pkt[DHCP_REPLY_MAX];
	struct in_addr any = { 0 }, all = { INADDR_BROADCAST };
	size_t len;

	dhcp_out_request(&o, pkt, sizeof(pkt), s->probe_xid, s->ifc.mac, DHCPDISCOVER);
	/* Ask for a broadcast answer: we have no address to unicast to. */
	pkt[DHCP_OFF_FLAGS] = 0x80;
	dhcp_out_opt(&o, DHCP_OPT_PARAM_LIST, params, sizeof(params));
	if (pxe) {
		memcpy(guid + 11, s->ifc.mac, 6); /* a stable UUID of ours, type 0 */
		dhcp_out_opt(&o, DHCP_OPT_VENDOR_CLASS, PXE_VENDOR_CLASS,
		    sizeof(PXE_VENDOR_CLASS) - 1);
		dhcp_out_opt(&o, DHCP_OPT_CLIENT_ARCH, arch, sizeof(arch));
		dhcp_out_opt(&o, DHCP_OPT_CLIENT_NDI, undi, sizeof(undi));
		dhcp_out_opt(&o, DHCP_OPT_CLIENT_UUID, guid, sizeof(guid));
	} else {
		dhcp_out_opt(&o, DHCP_OPT_VENDOR_CLASS, "pxestick-probe", 14);
	}
	len = dhcp_out_finish(&o);
	if (len > 0 && dhcp_send_frame(s->frame_fd, s->ifc.ifindex, bcast, any, DHCP_PORT_CLIENT,
	    all, DHCP_PORT_SERVER, pkt, len) != 0)
		log_msg("dhcp: sending the probe DISCOVER: %s", strerror(errno));
	s->probe_sent++;
}

static void
next_xid(struct dhcp_server *s)
{
	if (++s->probe_xid == 0)
		s->probe_xid = 1;
}

/* STATE/dhcp-mode: the mode now, for the appliance (written aside, then
 * renamed: a reader never sees half of it). */
static void
mode_file_write(struct dhcp_server *s)
{
	char text[64], ip[INET_ADDRSTRLEN] = "";
	int fd, n, ok;

	if (s->state_fd < 0)
		return;
	if (s->eng.state == DHCP_STATE_PROXY && s->site_server.s_addr != 0)
		inet_ntop(AF_INET, &s->site_server, ip, sizeof(ip));
	n = snprintf(text, sizeof(text), "%s%s%s\n", s->eng.state == DHCP_STATE_PROXY ? "proxy" :
	    s->eng.state == DHCP_STATE_PROBING ? "probing" : "authoritative", ip[0] ? " " : "", ip);
	fd = openat(s->state_fd, "dhcp-mode.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0644);
	ok = fd >= 0 && write(fd, text, (size_t)n) == n;
	if (fd >= 0 && close(fd) != 0)
		ok = 0;
	if (!ok || renameat(s->state_fd, "dhcp-mode.tmp", s->state_fd, "dhcp-mode") != 0) {
		int e = errno;

		(void)unlinkat(s->state_fd, "dhcp-mode.tmp", 0);
		ratelog_msg(&s->drop_log, loop_now(s->loop), "dhcp: %s/dhcp-mode: %s",
		    s->cfg.state, strerror(e));
	}
}

/* The mode, or what it knows of the network's server, changed: the file
 * for the appliance, the hook for the policy (unknown-clients = auto). */
static void
mode_changed(struct dhcp_server *s)
{
	mode_file_write(s);
	if (s->cfg.on_mode != NULL)
		s->cfg.on_mode(s->cfg.mode_ctx);
}

static void
enter_probing(struct dhcp_server *s)
{
	log_msg("dhcp: auto: looking for another DHCP server on %s for %d ms", s->ifc.name,
	    DHCP_AUTO_PROBE_MS);
	/* Coming back from authoritative (the link came back): nothing is
	 * served while probing, no address stays held by a probe. */
	dhcp_probes_clear(s);
	dhcp_ra_disable(&s->ra);
	s->probe_sent = 0;
	next_xid(s);
	probe_send(s, 0);
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
	dhcp_ra_disable(&s->ra);
	s->proxy_addr_checked = 0;
	if (why != NULL)
		log_msg("dhcp: *** %s: now proxyDHCP on %s -- pxestick hands out NO addresses, "
		    "only boot information ***", why, s->ifc.name);
	next_xid(s);
	probe_send(s, 1);
	(void)loop_timer_set(s->loop, &s->auto_timer, DHCP_REPROBE_S * 1000ull);
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
	mode_changed(s);
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
dhcp_auto_foreign(struct dhcp_server *s, struct in_addr sid, struct in_addr client,
    const char *how)
{
	char ip[INET_ADDRSTRLEN], why[256];

	if (dhcp_engine_is_us(&s->eng, sid))
		return;
	inet_ntop(AF_INET, &sid, ip, sizeof(ip));
	/* The first server seen is the network's until the link changes: a
	 * second one (or a forged id) flips nothing and writes nothing. */
	if (s->site_server.s_addr == 0) {
		s->site_server = sid;
		s->site_client = client;
		s->proxy_addr_checked = 0; /* proxy replies may point elsewhere now */
		if (s->eng.state == DHCP_STATE_PROXY) {
			log_msg("dhcp: proxy: the network's DHCP server is %s (%s)", ip, how);
			mode_changed(s);
		}
	} else if (sid.s_addr == s->site_server.s_addr && client.s_addr != 0 &&
	    client.s_addr != s->site_client.s_addr) {
		s->site_client = client; /* a client address it gave: our segment */
		s->proxy_addr_checked = 0;
	}
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

void
dhcp_auto_link_back(struct dhcp_server *s)
{
	s->site_server.s_addr = 0;
	s->site_client.s_addr = 0;
	s->n_others = 0;
	s->proxy_addr_checked = 0;
	if (s->cfg.mode == DHCP_MODE_AUTO) {
		dhcp_auto_enter(s, DHCP_STATE_PROBING, NULL);
	} else if (s->eng.state == DHCP_STATE_PROXY) {
		next_xid(s);
		probe_send(s, 1);
		mode_changed(s);
	}
}

/* PROBING: send the next probe, or become authoritative; AUTHORITATIVE:
 * probe again; PROXY: look for the network's server and other boot
 * servers again. */
void
dhcp_auto_on_timer(struct loop *l, struct loop_timer *t)
{
	struct dhcp_server *s = t->ctx;
	char why[96];

	(void)l;
	if (s->eng.state == DHCP_STATE_PROBING) {
		if (s->probe_sent < PROBE_SENDS) {
			probe_send(s, 0);
			(void)loop_timer_set(s->loop, t, DHCP_AUTO_PROBE_MS / PROBE_SENDS);
			return;
		}
		snprintf(why, sizeof(why), "auto: no other DHCP server answered in %d ms: "
		    "serving addresses", DHCP_AUTO_PROBE_MS);
		dhcp_auto_enter(s, DHCP_STATE_AUTHORITATIVE, why);
	} else {
		next_xid(s);
		probe_send(s, s->eng.state == DHCP_STATE_PROXY);
		(void)loop_timer_set(s->loop, t, DHCP_REPROBE_S * 1000ull);
	}
}
