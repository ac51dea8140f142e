/*
 * Fuzz target: the DHCP message parser on arbitrary bytes, then what the
 * server does with an accepted message: classify the client, decide its
 * boot, build a reply echoing its options (relay agent, UUID) and parse
 * that reply back.
 *
 * Beyond "no crash", it checks: every option value lies inside the
 * parsed copy; the concatenated values never add up to more bytes than
 * were received; a reply we build always parses, with the same xid; and a
 * boot decision's file fits the BOOTP file field.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp/dhcp_packet.h"
#include "dhcp/dhcp_policy.h"

static struct dhcp_msg m, back;
static uint8_t out[DHCP_MAX_PACKET];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	dhcp_policy_decide(&cfg, &ci, size & 1 ? "arch" : NULL, &boot);
	if (strlen(boot.file) >= DHCP_FILE_LEN)
		abort();

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
