/*
 * Boot policy by client architecture and class.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "common/limits.h"
#include "dhcp/dhcp_policy.h"

/* IANA "Processor Architecture Types" (RFC 4578 2.1 and later). 7 and 9
 * are both x64 UEFI in the field: RFC 4578 had them swapped, and firmware
 * sends either. */
static const char *const arch_names[] = {
	[0] = "x86 BIOS",
	[1] = "NEC/PC98",
	[2] = "Itanium",
	[3] = "DEC Alpha",
	[4] = "Arc x86",
	[5] = "Intel Lean Client",
	[6] = "x86 UEFI (32-bit)",
	[7] = "x64 UEFI",
	[8] = "EFI Xscale",
	[9] = "x64 UEFI (EBC code)",
	[10] = "ARM 32-bit UEFI",
	[11] = "ARM 64-bit UEFI",
	[12] = "PowerPC Open Firmware",
	[13] = "PowerPC ePAPR",
	[14] = "POWER OPAL v3",
	[15] = "x86 UEFI HTTP (32-bit)",
	[16] = "x64 UEFI HTTP",
	[17] = "EBC UEFI HTTP",
	[18] = "ARM 32-bit UEFI HTTP",
	[19] = "ARM 64-bit UEFI HTTP",
	[20] = "x86 BIOS HTTP",
	[21] = "ARM 32-bit U-Boot",
	[22] = "ARM 64-bit U-Boot",
	[23] = "ARM 32-bit U-Boot HTTP",
	[24] = "ARM 64-bit U-Boot HTTP",
	[25] = "RISC-V 32-bit UEFI",
	[26] = "RISC-V 32-bit UEFI HTTP",
	[27] = "RISC-V 64-bit UEFI",
	[28] = "RISC-V 64-bit UEFI HTTP",
	[29] = "RISC-V 128-bit UEFI",
	[30] = "RISC-V 128-bit UEFI HTTP",
	[31] = "s390 Basic",
	[32] = "s390 Extended",
	[33] = "MIPS 32-bit UEFI",
	[34] = "MIPS 64-bit UEFI",
	[35] = "Sunway 32-bit UEFI",
	[36] = "Sunway 64-bit UEFI",
	[37] = "LoongArch 32-bit UEFI",
	[38] = "LoongArch 32-bit UEFI HTTP",
	[39] = "LoongArch 64-bit UEFI",
	[40] = "LoongArch 64-bit UEFI HTTP",
	[41] = "ARM rpiboot",
};

const char *
dhcp_arch_name(uint16_t arch)
{
	if (arch < ARRAY_LEN(arch_names) && arch_names[arch] != NULL)
		return arch_names[arch];
	return "unknown architecture";
}

static int
has_prefix(const uint8_t *p, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && memcmp(p, prefix, n) == 0;
}

/* "PXEClient:Arch:00007:UNDI:003016": the five digits after "Arch:". */
static int
arch_from_vendor_class(const uint8_t *p, size_t len, uint16_t *arch)
{
	static const char key[] = ":Arch:";
	int v;

	for (size_t i = 0; i + sizeof(key) - 1 + 5 <= len; i++) {
		if (memcmp(p + i, key, sizeof(key) - 1) != 0)
			continue;
		v = parse_digits(p + i + sizeof(key) - 1, 5);
		if (v < 0 || v > 65535)
			return -1;
		*arch = (uint16_t)v;
		return 0;
	}
	return -1;
}

/* iPXE sends option 77 as the raw bytes "iPXE"; RFC 3004 clients send
 * length-prefixed items.  Accept either form. */
static int
user_class_is_ipxe(const uint8_t *p, size_t len)
{
	if (len == 4 && memcmp(p, "iPXE", 4) == 0)
		return 1;
	while (len > 0) {
		size_t n = p[0];

		if (n + 1 > len)
			return 0;
		if (n == 4 && memcmp(p + 1, "iPXE", 4) == 0)
			return 1;
		p += n + 1;
		len -= n + 1;
	}
	return 0;
}

void
dhcp_client_classify(const struct dhcp_msg *m, struct dhcp_client_info *ci)
{
	const uint8_t *p;
	size_t len;

	memset(ci, 0, sizeof(*ci));
	if ((p = dhcp_msg_opt(m, DHCP_OPT_VENDOR_CLASS, &len)) != NULL) {
		ci->pxe = has_prefix(p, len, "PXEClient");
		ci->http = has_prefix(p, len, "HTTPClient");
		if ((ci->pxe || ci->http) && arch_from_vendor_class(p, len, &ci->arch) == 0)
			ci->has_arch = 1;
	}
	/* Option 93 wins over the vendor class; a list names the first. */
	if ((p = dhcp_msg_opt(m, DHCP_OPT_CLIENT_ARCH, &len)) != NULL && len >= 2) {
		ci->arch = load_be16(p);
		ci->has_arch = 1;
	}
	if ((p = dhcp_msg_opt(m, DHCP_OPT_USER_CLASS, &len)) != NULL && user_class_is_ipxe(p, len))
		ci->ipxe = 1;
	if (dhcp_msg_opt(m, DHCP_OPT_IPXE_ENCAP, &len) != NULL)
		ci->ipxe = 1;
	/* RFC 4578 2.5: type 0 and 16 bytes of UUID. */
	if ((p = dhcp_msg_opt(m, DHCP_OPT_CLIENT_UUID, &len)) != NULL && len == 17 && p[0] == 0) {
		ci->uuid = p;
		ci->uuid_len = len;
	}
}

/* Can this architecture run the x86_64 Arch ISO through what we serve? */
static int
arch_is_x64(uint16_t arch)
{
	return arch == 0 || arch == 7 || arch == 9 || arch == 16;
}

/* A reservation's entry name, if it is safe to put in a URL as it is. */
static int
entry_is_plain(const char *e)
{
	if (e == NULL || e[0] == '\0' || strlen(e) > MENU_MAX_ENTRY)
		return 0;
	for (const char *c = e; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-' || *c == ':'))
			return 0;
	return 1;
}

/* http://SERVER[:PORT]/PATH, with ?entry= or ?default= for the menu. */
static void
http_url(const struct dhcp_policy_cfg *cfg, const char *path, const struct dhcp_menu *menu,
    char *out, size_t size)
{
	char ip[INET_ADDRSTRLEN], port[8] = "";
	const char *key = "", *val = "";

	inet_ntop(AF_INET, &cfg->server, ip, sizeof(ip));
	if (cfg->http_port != 80)
		snprintf(port, sizeof(port), ":%u", cfg->http_port);
	if (menu != NULL && menu->dflt != NULL) {
		key = "?default=";
		val = menu->dflt;
	} else if (menu != NULL && entry_is_plain(menu->entry)) {
		key = "?entry=";
		val = menu->entry;
	}
	snprintf(out, size, "http://%s%s/%s%s%s", ip, port, path, key, val);
}

static void none(struct dhcp_boot *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
none(struct dhcp_boot *out, const char *fmt, ...)
{
	va_list ap;

	out->kind = DHCP_BOOT_NONE;
	out->file[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(out->why, sizeof(out->why), fmt, ap);
	va_end(ap);
}

void
dhcp_policy_decide(const struct dhcp_policy_cfg *cfg, const struct dhcp_client_info *ci,
    const struct dhcp_menu *menu, struct dhcp_boot *out)
{
	memset(out, 0, sizeof(*out));
	out->netboot = ci->pxe || ci->http || ci->ipxe || ci->has_arch;
	if (!out->netboot) {
		none(out, "not a network boot client");
		return;
	}
	out->vendor_class = ci->http ? "HTTPClient" : ci->pxe ? "PXEClient" : NULL;
	if (ci->has_arch && !arch_is_x64(ci->arch)) {
		none(out, "client architecture %s (%u): the Arch ISO is x86_64, nothing to boot",
		    dhcp_arch_name(ci->arch), ci->arch);
		return;
	}
	if (ci->ipxe) {
		/* iPXE is running already: hand it the menu, never iPXE. */
		out->ipxe = 1;
		if (cfg->http_port == 0) {
			none(out, "iPXE client, but HTTP is off (http-port = 0)");
			return;
		}
		out->kind = DHCP_BOOT_HTTP;
		http_url(cfg, "boot.ipxe", menu, out->file, sizeof(out->file));
		snprintf(out->why, sizeof(out->why), "iPXE: %s", out->file);
		return;
	}
	if (ci->http || (ci->has_arch && ci->arch == 16)) {
		if (cfg->http_port == 0) {
			none(out, "UEFI HTTP Boot client, but HTTP is off (http-port = 0)");
			return;
		}
		out->kind = DHCP_BOOT_HTTP;
		out->vendor_class = "HTTPClient";
		http_url(cfg, cfg->efi_boot, NULL, out->file, sizeof(out->file));
		snprintf(out->why, sizeof(out->why), "UEFI HTTP Boot: %s", out->file);
		return;
	}
	if (!ci->has_arch) {
		none(out, "PXE client without an architecture (no option 93)");
		return;
	}
	if (cfg->tftp_port == 0) {
		none(out, "%s PXE client (%u), but TFTP is off (tftp-port = 0)",
		    dhcp_arch_name(ci->arch), ci->arch);
		return;
	}
	out->kind = DHCP_BOOT_TFTP;
	snprintf(out->file, sizeof(out->file), "%s", ci->arch == 0 ? "undionly.kpxe" : cfg->efi_boot);
	snprintf(out->why, sizeof(out->why), "%s PXE (%u): %s over TFTP%s", dhcp_arch_name(ci->arch),
	    ci->arch, out->file, ci->arch == 0 ? "" :
	    " (unsigned: with Secure Boot on, the firmware refuses it)");
}
