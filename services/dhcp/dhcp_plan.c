/*
 * Carrying out the engine's plans (dhcp_engine.h): replies sent at once
 * or held for the lease journal's sync (group commit: one fdatasync for
 * every ACK of a few milliseconds), ARP probes started, the client table
 * told, the log written (rate-limited).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "common/log.h"
#include "common/net.h"
#include "dhcp/dhcp_internal.h"

/* ---- sending ---- */

static void
send_reply(struct dhcp_server *s, const uint8_t *pkt, size_t len, const struct dhcp_dest *d,
    struct in_addr src)
{
	int fd = d->sock == DHCP_SOCK_4011 ? s->udp4011.fd : s->udp67.fd;
	uint16_t sport = d->sock == DHCP_SOCK_4011 ? DHCP_PORT_PXE : DHCP_PORT_SERVER;
	int r;

	if (d->frame)
		r = dhcp_send_frame(s->frame_fd, s->ifc.ifindex, d->mac, src, sport, d->ip,
		    d->port, pkt, len);
	else
		r = dhcp_send_udp(fd, s->ifc.ifindex, src, d->ip, d->port, pkt, len);
	if (r != 0) {
		char ip[INET_ADDRSTRLEN];

		ratelog_msg(&s->drop_log, loop_now(s->loop), "dhcp: sending %s to %s:%u: %s",
		    dhcp_type_name(pkt[242]), inet_ntop(AF_INET, &d->ip, ip, sizeof(ip)),
		    d->port, strerror(errno));
	}
	if (pkt[242] <= DHCPINFORM)
		s->tx[pkt[242]]++;
}

/* ---- group commit ---- */

void
dhcp_pending_flush(struct dhcp_server *s)
{
	if (dhcp_leases_dirty(&s->leases) && dhcp_leases_sync(&s->leases) != 0)
		ratelog_msg(&s->drop_log, loop_now(s->loop), "dhcp: *** cannot write the lease "
		    "journal: %s -- leases given now are forgotten at a restart ***",
		    strerror(errno));
	for (size_t i = 0; i < s->n_pending; i++)
		send_reply(s, s->pending[i].pkt, s->pending[i].len, &s->pending[i].d,
		    s->pending[i].src);
	s->n_pending = 0;
	loop_timer_cancel(s->loop, &s->sync_timer);
	if (dhcp_leases_want_compact(&s->leases) && dhcp_leases_compact(&s->leases) != 0)
		log_msg("dhcp: compacting the lease journal: %s", strerror(errno));
}

void
dhcp_on_sync_timer(struct loop *l, struct loop_timer *t)
{
	(void)l;
	dhcp_pending_flush(t->ctx);
}

void
dhcp_pending_discard(struct dhcp_server *s)
{
	s->n_pending = 0;
	if (s->have_leases)
		(void)dhcp_leases_sync(&s->leases);
	loop_timer_cancel(s->loop, &s->sync_timer);
}

static void
queue_ack(struct dhcp_server *s, const struct dhcp_plan *p)
{
	struct dhcp_pending *q;

	if (s->n_pending == DHCP_MAX_PENDING_ACKS)
		dhcp_pending_flush(s);
	q = &s->pending[s->n_pending++];
	memcpy(q->pkt, p->reply, p->len);
	q->len = p->len;
	q->d = p->dest;
	q->src = p->src;
}

/* ---- plans ---- */

void
dhcp_plan_run(struct dhcp_server *s, const struct dhcp_plan *p, const uint8_t *pkt, size_t len)
{
	uint64_t now = loop_now(s->loop);

	if (p->status == DHCP_STATUS_BOOT)
		status_dhcp(s->cfg.status, &p->ev, now);
	else if (p->status == DHCP_STATUS_ERROR)
		status_dhcp_error(s->cfg.status, p->error_mac, p->error, now);
	switch (p->kind) {
	case DHCP_PLAN_IGNORE:
		break;
	case DHCP_PLAN_DROP:
		s->dropped++;
		break;
	case DHCP_PLAN_SEND:
		send_reply(s, p->reply, p->len, &p->dest, p->src);
		break;
	case DHCP_PLAN_SEND_SYNCED:
		queue_ack(s, p);
		break;
	case DHCP_PLAN_PROBE:
		if (dhcp_probe_start(s, pkt, len, p->probe_addr, p->probe_tries) != 0) {
			char mac[NET_MAC_STR];

			dhcp_engine_unprobe(&s->eng, p->probe_addr);
			ratelog_msg(&s->event_log, now, "dhcp: too many address probes in flight: "
			    "DISCOVER from %s dropped", net_mac_str(s->msg.chaddr, mac));
		}
		break;
	}
	if (p->log[0] != '\0')
		ratelog_msg(p->kind == DHCP_PLAN_DROP ? &s->drop_log : &s->event_log, now,
		    "dhcp: %s", p->log);
	/* The journal has lines waiting: make sure a sync comes. */
	if (s->have_leases && dhcp_leases_dirty(&s->leases) && !loop_timer_armed(&s->sync_timer))
		(void)loop_timer_set(s->loop, &s->sync_timer, DHCP_SYNC_DELAY_MS);
}

/* ---- ARP probes (RFC 5227 2.1.1) ---- */

struct dhcp_probe *
dhcp_probe_at(struct dhcp_server *s, size_t i)
{
	return &s->probes[(s->probe_head + i) % DHCP_MAX_PROBES];
}

/* The timer follows the oldest probe (deadlines are in ring order). */
void
dhcp_probe_arm(struct dhcp_server *s)
{
	uint64_t now = loop_now(s->loop), dl;

	if (s->n_probes == 0) {
		loop_timer_cancel(s->loop, &s->probe_timer);
		return;
	}
	dl = dhcp_probe_at(s, 0)->deadline;
	(void)loop_timer_set(s->loop, &s->probe_timer, dl > now ? dl - now : 0);
}

int
dhcp_probe_start(struct dhcp_server *s, const uint8_t *pkt, size_t len, uint32_t addr,
    unsigned tries)
{
	struct dhcp_probe *p;
	struct in_addr a = { htonl(addr) };

	if (s->n_probes == DHCP_MAX_PROBES)
		return -1;
	p = dhcp_probe_at(s, s->n_probes);
	if (p->pkt != pkt)
		memmove(p->pkt, pkt, len);
	p->len = len;
	p->addr = addr;
	p->deadline = loop_now(s->loop) + DHCP_ARP_PROBE_MS;
	p->tries = tries;
	s->n_probes++;
	if (dhcp_arp_probe(s->arp.fd, &s->ifc, a) != 0)
		ratelog_msg(&s->drop_log, loop_now(s->loop), "dhcp: ARP probe: %s",
		    strerror(errno));
	if (s->n_probes == 1)
		dhcp_probe_arm(s);
	return 0;
}

void
dhcp_probes_clear(struct dhcp_server *s)
{
	for (size_t i = 0; i < s->n_probes; i++)
		dhcp_engine_unprobe(&s->eng, dhcp_probe_at(s, i)->addr);
	s->n_probes = 0;
	loop_timer_cancel(s->loop, &s->probe_timer);
}
