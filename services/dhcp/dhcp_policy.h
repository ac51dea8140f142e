/*
 * Boot policy: what a network-boot client gets, decided from what its
 * request says about it.  Pure functions: no I/O, no state, no clock.
 *
 *   BIOS PXE (arch 0)             -> undionly.kpxe over TFTP
 *   UEFI x64 PXE (arch 7 or 9)    -> the efi-boot setting over TFTP
 *   UEFI HTTP Boot (arch 16 or
 *     vendor class HTTPClient)    -> http://SERVER[:PORT]/<efi-boot>, with
 *                                    vendor class HTTPClient in the reply
 *   iPXE (user class "iPXE" or
 *     option 175 present)         -> http://SERVER[:PORT]/boot.ipxe, so iPXE
 *                                    never chainloads itself
 *   anything else that netboots   -> nothing, and a reason for the log
 *                                    (the Arch ISO is x86_64)
 */
#ifndef PXESTICK_DHCP_POLICY_H
#define PXESTICK_DHCP_POLICY_H

#include <netinet/in.h>
#include <stdint.h>

#include "dhcp/dhcp_packet.h"

/* What a request tells about its sender. */
struct dhcp_client_info {
	int pxe;                /* option 60 starts with "PXEClient" */
	int http;               /* option 60 starts with "HTTPClient" */
	int ipxe;               /* option 77 says iPXE, or option 175 is there */
	int has_arch;
	uint16_t arch;          /* option 93 (first entry), else from option 60 */
	const uint8_t *uuid;    /* option 97 as received (echoed to PXE clients) */
	size_t uuid_len;
};

/* Fill ci from m; ci points into m (uuid), so m MUST outlive ci. */
void dhcp_client_classify(const struct dhcp_msg *m, struct dhcp_client_info *ci);

struct dhcp_policy_cfg {
	struct in_addr server;  /* our address on the client's network */
	uint16_t http_port;     /* 0: HTTP is off */
	uint16_t tftp_port;     /* 0: TFTP is off */
	const char *efi_boot;   /* "ipxe.efi" or "snponly.efi" */
};

enum dhcp_boot_kind { DHCP_BOOT_NONE, DHCP_BOOT_TFTP, DHCP_BOOT_HTTP };

struct dhcp_boot {
	enum dhcp_boot_kind kind;
	char file[DHCP_FILE_LEN];       /* TFTP file name or http:// URL */
	const char *vendor_class;       /* option 60 of the reply, or NULL */
	int ipxe;                       /* the client is iPXE (option 175 applies) */
	int netboot;                    /* the client asked to netboot at all */
	char why[160];                  /* NONE: why not; else what was chosen */
};

/* What iPXE's menu is told through boot.ipxe's URL. */
struct dhcp_menu {
	const char *entry;      /* a fixed entry: ?entry=NAME (a plain name only), or NULL */
	const char *dflt;       /* ?default=local|done|wait (wins over entry), or NULL */
};

/* Decide for client ci; menu (may be NULL) for iPXE's boot.ipxe URL. */
void dhcp_policy_decide(const struct dhcp_policy_cfg *cfg, const struct dhcp_client_info *ci,
    const struct dhcp_menu *menu, struct dhcp_boot *out);

/* The IANA name of a client architecture (RFC 4578 and its registry). */
const char *dhcp_arch_name(uint16_t arch);

#endif
