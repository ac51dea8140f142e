/*
 * Fuzz target: the DHCP message parser on arbitrary bytes, then what the
 * server does with an accepted message: classify the client, decide its
 * boot, build a reply echoing its options (relay agent, UUID) and parse
 * that reply back -- and the engine itself (dhcp_engine.h), authoritative
 * with a pool of four and a reservation, then as proxyDHCP, on 67 and
 * 4011, with the probe's end run for every PROBE plan.
 *
 * Beyond "no crash", it checks: every option value lies inside the
 * parsed copy; the concatenated values never add up to more bytes than
 * were received; a reply we build always parses, with the same xid; a
 * boot decision's file fits the BOOTP file field; a plan that sends has a
 * reply that parses as a reply to this xid, an ACK held for the journal
 * is an ACK, a probe is of a pool address, and proxyDHCP never gives one.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp/dhcp_engine.h"
#include "dhcp/dhcp_packet.h"
#include "dhcp/dhcp_policy.h"

static struct dhcp_msg m, back;
static uint8_t out[DHCP_MAX_PACKET];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define POOL_START 0x0a630064u
#define POOL_END   0x0a630067u

static void
check_plan(const struct dhcp_plan *p, enum dhcp_state st)
{
	static struct dhcp_msg r;
	const char *why;

	if (p->kind == DHCP_PLAN_PROBE &&
	    (st != DHCP_STATE_AUTHORITATIVE || p->probe_addr < POOL_START || p->probe_addr > POOL_END))
		abort();
	if (p->kind != DHCP_PLAN_SEND && p->kind != DHCP_PLAN_SEND_SYNCED)
		return;
	if (p->len == 0 || p->len > DHCP_REPLY_MAX || dhcp_msg_parse(&r, p->reply, p->len, &why) != 0 ||
	    r.op != BOOTREPLY || r.xid != m.xid)
		abort();
	if (p->kind == DHCP_PLAN_SEND_SYNCED && r.type != DHCPACK)
		abort();
	if (st == DHCP_STATE_PROXY && r.yiaddr.s_addr != 0)
		abort();
}

/* The engine on m, in state st, on port 67 or 4011. */
static void
drive_engine(enum dhcp_state st, int pxe_port)
{
	static const struct dhcp_reservation res = { { 0x52, 0x54, 0, 0, 0, 0x77 },
		{ 0x3200630a }, "arch:1" };
	static struct dhcp_leases leases;
	static struct dhcp_plan plan;
	uint32_t keep[3] = { 0x0a630001, 0x0a630000, 0x0a6300ff };
	struct sockaddr_in from = { .sin_family = AF_INET, .sin_port = htons(68) };
	struct dhcp_engine e;
	char err[128];

	memset(&e, 0, sizeof(e));
	e.configured = DHCP_MODE_AUTO;
	e.state = st;
	e.net.addr.s_addr = htonl(0x0a630001);
	e.net.mask.s_addr = htonl(0xffffff00);
	e.proxy_addr = e.net.addr;
	e.lease_time = 3600;
	e.http_port = 80;
	e.tftp_port = 69;
	e.efi_boot = "snponly.efi";
	e.reserve = &res;
	e.n_reserve = 1;
	if (st == DHCP_STATE_AUTHORITATIVE) {
		if (dhcp_leases_open(&leases, POOL_START, POOL_END, keep, 3, -1, NULL, 1000, err,
		    sizeof(err)) != 0)
			abort();
		e.leases = &leases;
	}
	from.sin_addr = m.ciaddr;
	dhcp_engine_handle(&e, &m, pxe_port, &from, 2000, &plan);
	check_plan(&plan, st);
	if (plan.kind == DHCP_PLAN_PROBE) {
		dhcp_engine_probed(&e, &m, plan.probe_addr, plan.probe_tries, 2001, &plan);
		check_plan(&plan, st);
	}
	if (e.leases != NULL)
		dhcp_leases_close(&leases);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dhcp_client_info ci;
	struct dhcp_policy_cfg cfg = { { 0x0100630a }, 8080, 69, "ipxe.efi" };
	struct dhcp_boot boot;
	struct dhcp_out o;
	const uint8_t *p;
	const char *why;
	size_t total = 0, len, n;

	if (dhcp_msg_parse(&m, data, size, &why) != 0) {
		if (why == NULL)
			abort();
		return 0;
	}
	for (unsigned c = 0; c < 256; c++) {
		if ((p = dhcp_msg_opt(&m, (uint8_t)c, &len)) == NULL)
			continue;
		if (p < m.data || (size_t)(p - m.data) + len > sizeof(m.data))
			abort();
		total += len;
	}
	if (total > size)
		abort();
	if (strlen(m.file) > DHCP_FILE_LEN || strlen(m.sname) > DHCP_SNAME_LEN)
		abort();
	if ((p = dhcp_msg_opt(&m, DHCP_OPT_VENDOR, &len)) != NULL)
		(void)dhcp_sub_find(p, len, PXE_DISCOVERY_CONTROL, &n);
	if ((p = dhcp_msg_opt(&m, DHCP_OPT_IPXE_ENCAP, &len)) != NULL)
		(void)dhcp_sub_find(p, len, IPXE_NO_PXEDHCP, &n);

	dhcp_client_classify(&m, &ci);
	dhcp_policy_decide(&cfg, &ci, &(struct dhcp_menu){ size & 1 ? "arch" : NULL,
	    size & 2 ? "local" : NULL }, &boot);
	if (strlen(boot.file) >= DHCP_FILE_LEN)
		abort();

	drive_engine(DHCP_STATE_AUTHORITATIVE, 0);
	drive_engine(DHCP_STATE_AUTHORITATIVE, 1);
	drive_engine(DHCP_STATE_PROXY, 0);
	drive_engine(DHCP_STATE_PROXY, 1);

	dhcp_out_reply(&o, out, 548, &m, DHCPOFFER);
	dhcp_out_field(&o, DHCP_OFF_FILE, DHCP_FILE_LEN, boot.file);
	if (boot.vendor_class)
		dhcp_out_opt(&o, DHCP_OPT_VENDOR_CLASS, boot.vendor_class, strlen(boot.vendor_class));
	if (ci.uuid)
		dhcp_out_opt(&o, DHCP_OPT_CLIENT_UUID, ci.uuid, ci.uuid_len);
	if ((p = dhcp_msg_opt(&m, DHCP_OPT_RELAY_AGENT, &len)) != NULL)
		dhcp_out_opt(&o, DHCP_OPT_RELAY_AGENT, p, len);
	n = dhcp_out_finish(&o);
	if (n == 0)
		return 0; /* did not fit: the server drops such a reply */
	if (dhcp_msg_parse(&back, out, n, &why) != 0 || back.xid != m.xid ||
	    back.type != DHCPOFFER || strcmp(back.file, boot.file) != 0)
		abort();
	return 0;
}
