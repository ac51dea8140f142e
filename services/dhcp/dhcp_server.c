/*
 * The DHCP server's I/O: its sockets, receiving, the timer that ends ARP
 * probes, and start and stop.  What to answer is decided in
 * dhcp_engine.c, carried out in dhcp_plan.c; which mode the server is in
 * is dhcp_auto.c's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "common/limits.h"
#include "common/log.h"
#include "common/net.h"
#include "dhcp/dhcp_internal.h"

#define JOURNAL_NAME    "dhcp-leases"

static int64_t
wall(void)
{
	return (int64_t)time(NULL);
}

/* ---- receiving ---- */

/* Where proxy replies point (dhcp_pick_proxy_addr: on the network's
 * server's subnet, else the configured address, else the interface's
 * first), read at most every DHCP_PROXY_ADDR_MS (each second while there
 * is none).  A change is said: clients from now on are sent there. */
static void
proxy_address(struct dhcp_server *s)
{
	struct dhcp_ifaddr a[16];
	struct in_addr was = s->eng.proxy_addr;
	uint64_t now = loop_now(s->loop);
	char ip[INET_ADDRSTRLEN], site[INET_ADDRSTRLEN];

	if (s->proxy_addr_checked != 0 && now - s->proxy_addr_checked <
	    (was.s_addr != 0 ? DHCP_PROXY_ADDR_MS : 1000))
		return;
	s->proxy_addr_checked = now ? now : 1;
	s->eng.proxy_addr = dhcp_pick_proxy_addr(a, dhcp_iface_addrs(s->ifc.name, a, 16),
	    s->cfg.address, s->site_client, s->site_server);
	if (s->eng.proxy_addr.s_addr == 0) {
		ratelog_msg(&s->drop_log, now, "dhcp: proxy: %s has no IPv4 address: no boot "
		    "information can point anywhere", s->ifc.name);
	} else if (s->eng.proxy_addr.s_addr != was.s_addr) {
		inet_ntop(AF_INET, &s->eng.proxy_addr, ip, sizeof(ip));
		inet_ntop(AF_INET, &s->site_server, site, sizeof(site));
		log_msg("dhcp: proxy: boot information points at %s%s%s%s", ip,
		    s->site_server.s_addr != 0 ? " (the network's DHCP server is " : "",
		    s->site_server.s_addr != 0 ? site : "", s->site_server.s_addr != 0 ? ")" : "");
	}
}

static void
drop(struct dhcp_server *s, const struct dhcp_rx *rx, const char *why)
{
	char ip[INET_ADDRSTRLEN];

	s->dropped++;
	ratelog_msg(&s->drop_log, loop_now(s->loop), "dhcp: dropped a packet from %s:%u: %s",
	    inet_ntop(AF_INET, &rx->from.sin_addr, ip, sizeof(ip)), ntohs(rx->from.sin_port),
	    why);
}

static void
handle(struct dhcp_server *s, size_t len, const struct dhcp_rx *rx, int pxe_port)
{
	struct dhcp_plan plan;
	const char *why;

	if (rx->ifindex != 0 && rx->ifindex != s->ifc.ifindex)
		return; /* SO_BINDTODEVICE makes this impossible; be sure */
	if (dhcp_msg_parse(&s->msg, s->buf, len, &why) != 0) {
		drop(s, rx, why);
		return;
	}
	if (s->msg.op == BOOTREQUEST && s->msg.type != DHCP_BOOTP)
		s->rx[s->msg.type]++;
	if (s->eng.state == DHCP_STATE_PROXY)
		proxy_address(s);
	dhcp_engine_handle(&s->eng, &s->msg, pxe_port, &rx->from, wall(), &plan);
	if (plan.kind == DHCP_PLAN_DROP && plan.log[0] != '\0') {
		drop(s, rx, plan.log);
		plan.log[0] = '\0';
		plan.kind = DHCP_PLAN_IGNORE; /* counted by drop() */
	}
	dhcp_plan_run(s, &plan, s->buf, len);
	if (plan.foreign.s_addr != 0)
		dhcp_auto_foreign(s, plan.foreign, plan.foreign_client, plan.foreign_how);
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
			drop(s, &rx, "longer than DHCP_MAX_PACKET");
			continue;
		}
		if (n < 0)
			return;
		handle(s, (size_t)n, &rx, h == &s->udp4011);
	}
}

/* Another PXE boot server: warned about once (and kept for /status);
 * never fought -- pxestick answers only whom its rules say. */
static void
other_server(struct dhcp_server *s, const struct dhcp_boot_server *bs)
{
	struct dhcp_other *o = NULL;
	char ip[INET_ADDRSTRLEN];

	for (size_t i = 0; i < s->n_others; i++)
		if (s->others[i].bs.addr.s_addr == bs->addr.s_addr)
			o = &s->others[i];
	if (o == NULL) {
		inet_ntop(AF_INET, &bs->addr, ip, sizeof(ip));
		/* Rate-limited: forged replies with ever new addresses must not
		 * flood the console. */
		ratelog_msg(&s->others_log, loop_now(s->loop), "dhcp: *** WARNING: ANOTHER PXE "
		    "BOOT SERVER on %s: %s (%s); machines may boot from it instead: pxestick keeps "
		    "answering only the clients its rules name (see unknown-clients) ***",
		    s->ifc.name, ip, bs->what);
		if (s->n_others == DHCP_MAX_OTHER_SERVERS)
			s->n_others--; /* the oldest one goes */
		memmove(&s->others[1], &s->others[0], s->n_others * sizeof(s->others[0]));
		s->n_others++;
		o = &s->others[0];
	}
	o->bs = *bs;
	o->last = loop_now(s->loop);
}

/*
 * The engine asks before answering iPXE in proxy mode.  Only with another
 * boot server seen lately: alone on a network, a machine whose requests
 * the status table failed to tie to its MAC must still get its answer.
 */
static int
went_elsewhere(void *ctx, const uint8_t mac[6])
{
	struct dhcp_server *s = ctx;
	uint64_t now = loop_now(s->loop);
	int other = 0;

	for (size_t i = 0; i < s->n_others; i++)
		if (now - s->others[i].last < STATUS_ELSEWHERE_MS)
			other = 1;
	return other && status_went_elsewhere(s->cfg.status, mac, now);
}

/* Port 68: other servers' OFFERs and ACKs (to our probes, or broadcast to
 * their clients): other DHCP servers, other PXE boot servers. */
static void
on_watch(struct loop *l, struct loop_fd *h, uint32_t events)
{
	struct dhcp_server *s = h->ctx;
	struct dhcp_rx rx;
	struct dhcp_boot_server bs;
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
		if (dhcp_msg_parse(&s->msg, s->buf, (size_t)n, &why) != 0)
			continue;
		if (dhcp_engine_boot_server(&s->eng, &s->msg, &rx.from, &bs))
			other_server(s, &bs);
		if (dhcp_engine_foreign_reply(&s->eng, &s->msg, rx.from.sin_addr, &sid) == 0)
			dhcp_auto_foreign(s, sid, s->msg.yiaddr, s->msg.xid == s->probe_xid ?
			    "it answered our probe" : "its OFFER/ACK was seen");
	}
}

/* Each DHCP_LINK_POLL_MS: the link's changes (down is said; back up --
 * another network, maybe -- the mode machine looks again), and in proxy
 * mode the address boot information points at. */
static void
on_link_timer(struct loop *l, struct loop_timer *t)
{
	struct dhcp_server *s = t->ctx;
	int was = s->link_up;

	(void)loop_timer_set(l, t, DHCP_LINK_POLL_MS);
	/* An address the appliance just added (a lease) is taken, and said,
	 * before the next client asks. */
	if (s->eng.state == DHCP_STATE_PROXY)
		proxy_address(s);
	s->link_up = dhcp_link_up(s->ifc.name);
	if (s->link_up == was)
		return;
	log_msg("dhcp: the link on %s is %s", s->ifc.name, s->link_up ? "back: looking at the "
	    "network again" : "down");
	if (s->link_up)
		dhcp_auto_link_back(s);
}

/* A probe's time is up: the engine offers, or tries another address. */
static void
on_probe_timer(struct loop *l, struct loop_timer *t)
{
	struct dhcp_server *s = t->ctx;
	uint64_t now = loop_now(l);

	while (s->n_probes > 0 && dhcp_probe_at(s, 0)->deadline <= now) {
		struct dhcp_probe *p = dhcp_probe_at(s, 0);
		struct dhcp_plan plan;
		const char *why;

		s->probe_head = (s->probe_head + 1) % DHCP_MAX_PROBES;
		s->n_probes--;
		if (s->eng.state != DHCP_STATE_AUTHORITATIVE)
			continue;
		/* It parsed when it came in.  A new probe the plan starts may
		 * reuse this very slot: dhcp_probe_start() then keeps pkt. */
		INVARIANT(dhcp_msg_parse(&s->msg, p->pkt, p->len, &why) == 0);
		dhcp_engine_probed(&s->eng, &s->msg, p->addr, p->tries, (int64_t)time(NULL), &plan);
		dhcp_plan_run(s, &plan, p->pkt, p->len);
	}
	dhcp_probe_arm(s);
}

/* ARP answers: an address being probed is in use by someone. */
static void
on_arp(struct loop *l, struct loop_fd *h, uint32_t events)
{
	struct dhcp_server *s = h->ctx;
	struct in_addr ip;
	uint8_t mac[6];

	(void)l;
	(void)events;
	for (int i = 0; i < DHCP_RECV_PER_TURN && dhcp_arp_recv(h->fd, &ip, mac) == 0; i++) {
		struct dhcp_plan plan;

		dhcp_engine_arp(&s->eng, ip, mac, (int64_t)time(NULL), &plan);
		dhcp_plan_run(s, &plan, NULL, 0);
	}
}

/* ---- start and stop ---- */

/* The pool, with our address, the network, its broadcast and every
 * reservation kept out, and the journal in the state directory. */
static int
open_leases(struct dhcp_server *s, char *err, size_t errlen)
{
	const struct dhcp_config *cfg = &s->cfg;
	uint32_t a = ntohl(cfg->address.s_addr), m = ntohl(s->eng.net.mask.s_addr);
	uint32_t *res = calloc(cfg->n_reserve + 3, sizeof(*res));
	size_t n = 0;
	int dirfd = -1, rc = -1;

	if (res == NULL) {
		snprintf(err, errlen, "dhcp: out of memory");
		goto out;
	}
	res[n++] = a;
	res[n++] = a & m;               /* the network */
	res[n++] = (a & m) | ~m;        /* its broadcast */
	for (size_t i = 0; i < cfg->n_reserve; i++)
		res[n++] = ntohl(cfg->reserve[i].addr.s_addr);
	dirfd = open(cfg->state, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		snprintf(err, errlen, "dhcp: state directory %s: %s", cfg->state, strerror(errno));
		goto out;
	}
	rc = dhcp_leases_open(&s->leases, ntohl(cfg->pool_start.s_addr),
	    ntohl(cfg->pool_end.s_addr), res, n, dirfd, JOURNAL_NAME, wall(), err, errlen);
	if (rc == 0) {
		s->have_leases = 1;
		s->eng.leases = &s->leases;
		log_msg("dhcp: %u lease(s) kept from %s/%s%s", s->leases.bound.n, cfg->state,
		    JOURNAL_NAME, s->leases.skipped ? " (some unreadable lines skipped)" : "");
	}
out:
	free(res);
	return rc;
}

static void
engine_init(struct dhcp_server *s)
{
	const struct dhcp_config *cfg = &s->cfg;
	struct dhcp_engine *e = &s->eng;

	e->configured = cfg->mode;
	e->net.addr = cfg->address;
	e->net.mask.s_addr = htonl(cfg->prefix == 0 ? 0 : ~0u << (32 - cfg->prefix));
	e->net.router = cfg->router;
	e->net.dns = cfg->dns;
	if (cfg->ntp)
		e->net.ntp = cfg->address;
	e->lease_time = cfg->lease_time;
	e->http_port = cfg->http_port;
	e->tftp_port = cfg->tftp_port;
	e->efi_boot = cfg->efi_boot;
	e->reserve = cfg->reserve;
	e->n_reserve = cfg->n_reserve;
	e->clients = cfg->clients;
	e->went_elsewhere = went_elsewhere;
	e->elsewhere_ctx = s;
	memcpy(e->own_mac, s->ifc.mac, 6);
}

/* A pool, its journal and the queues: everything a mode that may hand
 * out addresses needs. */
static int
open_pool(struct dhcp_server *s, char *err, size_t errlen)
{
	if (dhcp_config_check(&s->cfg, &s->eng.net, err, errlen) != 0 ||
	    open_leases(s, err, errlen) != 0)
		return -1;
	s->pending = calloc(DHCP_MAX_PENDING_ACKS, sizeof(*s->pending));
	s->probes = calloc(DHCP_MAX_PROBES, sizeof(*s->probes));
	if (s->pending == NULL || s->probes == NULL) {
		snprintf(err, errlen, "dhcp: out of memory");
		return -1;
	}
	return 0;
}

static int
add_fd(struct dhcp_server *s, struct loop_fd *h,
    void (*cb)(struct loop *, struct loop_fd *, uint32_t), char *err, size_t errlen)
{
	loop_fd_init(h, h->fd, cb, s);
	if (h->fd >= 0 && loop_add(s->loop, h, EPOLLIN) != 0) {
		snprintf(err, errlen, "dhcp: epoll: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Every socket, each into its handle at once (stop closes them). */
static int
open_sockets(struct dhcp_server *s, char *err, size_t errlen)
{
	const char *ifname = s->cfg.interface;
	int pool = s->cfg.mode != DHCP_MODE_PROXY;

	if ((s->udp67.fd = dhcp_udp_socket(ifname, DHCP_PORT_SERVER, 0, err, errlen)) < 0 ||
	    (s->udp4011.fd = dhcp_udp_socket(ifname, DHCP_PORT_PXE, 0, err, errlen)) < 0 ||
	    (s->frame_fd = dhcp_packet_socket(s->ifc.ifindex, 0, err, errlen)) < 0)
		return -1;
	if (pool) {
		if ((s->arp.fd = dhcp_packet_socket(s->ifc.ifindex, 0x0806, err, errlen)) < 0)
			return -1;
		dhcp_ra_open(&s->ra, s->loop, &s->ifc);
	}
	/* Port 68 may be taken by a DHCP client on this host: then we watch
	 * through 67 only (REQUESTs naming other servers). */
	if ((s->udp68.fd = dhcp_udp_socket(ifname, DHCP_PORT_CLIENT, 1, err, errlen)) < 0)
		log_msg("%s: watching for other servers through port 67 only", err);
	err[0] = '\0';
	s->link_up = dhcp_link_up(ifname);
	(void)loop_timer_set(s->loop, &s->link_timer, DHCP_LINK_POLL_MS);
	return add_fd(s, &s->udp67, on_udp, err, errlen) != 0 ||
	    add_fd(s, &s->udp4011, on_udp, err, errlen) != 0 ||
	    add_fd(s, &s->udp68, on_watch, err, errlen) != 0 ||
	    add_fd(s, &s->arp, on_arp, err, errlen) != 0 ? -1 : 0;
}

struct dhcp_server *
dhcp_server_start(struct loop *l, const struct dhcp_config *cfg, char *err, size_t errlen)
{
	struct dhcp_server *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		snprintf(err, errlen, "dhcp: out of memory");
		return NULL;
	}
	s->cfg = *cfg;
	s->loop = l;
	s->frame_fd = s->state_fd = -1;
	s->udp67.fd = s->udp4011.fd = s->udp68.fd = s->arp.fd = s->ra.h.fd = -1;
	s->drop_log = (struct ratelog)RATELOG_INIT("dhcp", 60000, DHCP_MAX_DROP_LOGS);
	s->event_log = (struct ratelog)RATELOG_INIT("dhcp", 1000, DHCP_MAX_EVENT_LOGS);
	s->others_log = (struct ratelog)RATELOG_INIT("dhcp", 60000, DHCP_MAX_OTHER_SERVERS);
	loop_timer_init(&s->sync_timer, dhcp_on_sync_timer, s);
	loop_timer_init(&s->probe_timer, on_probe_timer, s);
	loop_timer_init(&s->auto_timer, dhcp_auto_on_timer, s);
	loop_timer_init(&s->link_timer, on_link_timer, s);
	if (getentropy(&s->probe_xid, sizeof(s->probe_xid)) != 0 || s->probe_xid == 0)
		s->probe_xid = 0x70787374;
	if (dhcp_iface_get(cfg->interface, &s->ifc, err, errlen) != 0)
		goto fail;
	/* Held open: dhcp-mode is written there after the privilege drop,
	 * whatever the permissions of the directories above it. */
	if (cfg->state != NULL &&
	    (s->state_fd = open(cfg->state, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "dhcp: state directory %s: %s", cfg->state, strerror(errno));
		goto fail;
	}
	engine_init(s);
	if ((cfg->mode != DHCP_MODE_PROXY && open_pool(s, err, errlen) != 0) ||
	    open_sockets(s, err, errlen) != 0)
		goto fail;
	dhcp_auto_start(s);
	if (cfg->tftp_port != 0 && cfg->tftp_port != 69)
		log_msg("dhcp: note: TFTP is on port %u, PXE firmware only asks port 69",
		    cfg->tftp_port);
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
			dhcp_pending_flush(s);
		dhcp_probes_clear(s);
		log_msg("dhcp: %u lease(s) in %s; DISCOVER %lu, REQUEST %lu, OFFER %lu, ACK %lu, "
		    "NAK %lu, dropped %lu", s->leases.bound.n, JOURNAL_NAME, s->rx[DHCPDISCOVER],
		    s->rx[DHCPREQUEST], s->tx[DHCPOFFER], s->tx[DHCPACK], s->tx[DHCPNAK], s->dropped);
		dhcp_leases_close(&s->leases);
	}
	loop_timer_cancel(s->loop, &s->sync_timer);
	loop_timer_cancel(s->loop, &s->probe_timer);
	loop_timer_cancel(s->loop, &s->auto_timer);
	loop_timer_cancel(s->loop, &s->link_timer);
	close_fd(s, &s->udp67);
	close_fd(s, &s->udp4011);
	close_fd(s, &s->udp68);
	close_fd(s, &s->arp);
	dhcp_ra_close(&s->ra);
	if (s->frame_fd >= 0)
		close(s->frame_fd);
	if (s->state_fd >= 0)
		close(s->state_fd);
	free(s->pending);
	free(s->probes);
	free(s);
}

void
dhcp_server_describe(const struct dhcp_server *s, char *out, size_t size)
{
	char site[INET_ADDRSTRLEN], ip[INET_ADDRSTRLEN];
	int proxy = s->eng.state == DHCP_STATE_PROXY;

	inet_ntop(AF_INET, &s->site_server, site, sizeof(site));
	inet_ntop(AF_INET, &s->eng.proxy_addr, ip, sizeof(ip));
	snprintf(out, size, "%s on %s%s%s%s%s%s", dhcp_auto_state_name(s->eng.state), s->ifc.name,
	    !s->link_up ? " (NO LINK)" : "",
	    proxy && s->site_server.s_addr != 0 ? "; the network's DHCP server " : "",
	    proxy && s->site_server.s_addr != 0 ? site : "",
	    proxy && s->eng.proxy_addr.s_addr != 0 ? "; boot information points at " : "",
	    proxy && s->eng.proxy_addr.s_addr != 0 ? ip : "");
}

size_t
dhcp_server_others(const struct dhcp_server *s, struct dhcp_other_server *out, size_t max)
{
	size_t n = 0;

	for (; s != NULL && n < s->n_others && n < max; n++) {
		inet_ntop(AF_INET, &s->others[n].bs.addr, out[n].addr, sizeof(out[n].addr));
		snprintf(out[n].what, sizeof(out[n].what), "%s", s->others[n].bs.what);
		out[n].last = s->others[n].last;
	}
	return n;
}

int
dhcp_server_is_proxy(const struct dhcp_server *s)
{
	return s != NULL && s->eng.state == DHCP_STATE_PROXY;
}
