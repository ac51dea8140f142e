/*
 * Replies: their options (RFC 2132, PXE 2.1, iPXE, RFC 3046) and their
 * destination (RFC 2131 4.1).
 */
#include <string.h>

#include "dhcp/dhcp_reply.h"

static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* Did m's parameter request list (option 55) ask for code? */
static int
asked(const struct dhcp_msg *m, uint8_t code)
{
	size_t len;
	const uint8_t *p = dhcp_msg_opt(m, DHCP_OPT_PARAM_LIST, &len);

	return p != NULL && memchr(p, code, len) != NULL;
}

static void
net_options(struct dhcp_out *o, const struct dhcp_subnet *n, const struct dhcp_msg *m)
{
	struct in_addr b = { (n->addr.s_addr & n->mask.s_addr) | ~n->mask.s_addr };

	dhcp_out_opt_addr(o, DHCP_OPT_SUBNET_MASK, n->mask);
	dhcp_out_opt_addr(o, DHCP_OPT_BROADCAST, b);
	if (n->router.s_addr != 0)
		dhcp_out_opt_addr(o, DHCP_OPT_ROUTER, n->router);
	if (n->dns.s_addr != 0)
		dhcp_out_opt_addr(o, DHCP_OPT_DNS, n->dns);
	/* Only when asked: systemd-networkd asks (UseNTP=, the default) and
	 * hands it to timesyncd; firmware never does. */
	if (n->ntp.s_addr != 0 && asked(m, DHCP_OPT_NTP))
		dhcp_out_opt_addr(o, DHCP_OPT_NTP, n->ntp);
}

static void
boot_options(struct dhcp_out *o, const struct dhcp_reply_opts *ro)
{
	const struct dhcp_boot *b = ro->boot;

	dhcp_out_addr(o, DHCP_OFF_SIADDR, ro->server);
	dhcp_out_field(o, DHCP_OFF_FILE, DHCP_FILE_LEN, b->file);
	dhcp_out_opt(o, DHCP_OPT_BOOTFILE, b->file, strlen(b->file));
	if (b->vendor_class)
		dhcp_out_opt(o, DHCP_OPT_VENDOR_CLASS, b->vendor_class, strlen(b->vendor_class));
	if (ro->ci->pxe) {
		/* PXE 2.1: discovery control bit 3, "boot the file named in
		 * this offer" -- no 4011 round trip needed. */
		static const uint8_t pxe43[] = { PXE_DISCOVERY_CONTROL, 1,
			PXE_DISCOVERY_USE_BOOTFILE, DHCP_OPT_END };

		dhcp_out_opt(o, DHCP_OPT_VENDOR, pxe43, sizeof(pxe43));
	}
	if (ro->ci->uuid != NULL)
		dhcp_out_opt(o, DHCP_OPT_CLIENT_UUID, ro->ci->uuid, ro->ci->uuid_len);
	if (b->ipxe && ro->only_server) {
		static const uint8_t nopxe[] = { IPXE_NO_PXEDHCP, 1, 1 };

		dhcp_out_opt(o, DHCP_OPT_IPXE_ENCAP, nopxe, sizeof(nopxe));
	}
}

size_t
dhcp_reply_build(const struct dhcp_msg *m, const struct dhcp_reply_opts *ro,
    uint8_t buf[DHCP_REPLY_MAX])
{
	struct dhcp_out o;
	const uint8_t *p;
	size_t len;

	/* Option 57 may only raise the size: we never need more. */
	dhcp_out_reply(&o, buf, DHCP_REPLY_MAX, m, ro->type);
	dhcp_out_opt_addr(&o, DHCP_OPT_SERVER_ID, ro->server);
	if (ro->type == DHCPNAK) {
		if (m->giaddr.s_addr != 0) /* 4.3.2: the relay broadcasts it */
			buf[DHCP_OFF_FLAGS] |= 0x80;
		if (ro->message)
			dhcp_out_opt(&o, DHCP_OPT_MESSAGE, ro->message, strlen(ro->message));
	} else {
		dhcp_out_addr(&o, DHCP_OFF_YIADDR, ro->yiaddr);
		if (ro->lease_time != 0) {
			dhcp_out_opt_u32(&o, DHCP_OPT_LEASE_TIME, ro->lease_time);
			dhcp_out_opt_u32(&o, DHCP_OPT_T1, ro->lease_time / 2);
			dhcp_out_opt_u32(&o, DHCP_OPT_T2,
			    (uint32_t)((uint64_t)ro->lease_time * 7 / 8));
		}
		if (ro->net != NULL)
			net_options(&o, ro->net, m);
		if (ro->boot != NULL && ro->boot->kind != DHCP_BOOT_NONE)
			boot_options(&o, ro);
	}
	/* RFC 3046 2.2: echo the relay agent's option, last. */
	if ((p = dhcp_msg_opt(m, DHCP_OPT_RELAY_AGENT, &len)) != NULL && m->giaddr.s_addr != 0)
		dhcp_out_opt(&o, DHCP_OPT_RELAY_AGENT, p, len);
	return dhcp_out_finish(&o);
}

/* RFC 2131 4.1, "If the 'giaddr' field in a DHCP message from a client is
 * non-zero ..." */
void
dhcp_reply_dest(const struct dhcp_msg *m, enum dhcp_type type, struct in_addr yiaddr,
    struct dhcp_dest *d)
{
	memset(d, 0, sizeof(*d));
	d->sock = DHCP_SOCK_67;
	d->port = DHCP_PORT_CLIENT;
	if (m->giaddr.s_addr != 0) {
		d->ip = m->giaddr;
		d->port = DHCP_PORT_SERVER;
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
	memcpy(d->mac, bcast_mac, 6);
}

void
dhcp_reply_dest_pxe(const struct sockaddr_in *from, struct dhcp_dest *d)
{
	memset(d, 0, sizeof(*d));
	d->sock = DHCP_SOCK_4011;
	d->ip = from->sin_addr;
	d->port = ntohs(from->sin_port);
	if (d->ip.s_addr == 0) {
		d->frame = 1;
		d->ip.s_addr = INADDR_BROADCAST;
		memcpy(d->mac, bcast_mac, 6);
	}
}
