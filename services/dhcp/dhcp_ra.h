/*
 * Router advertisements that say "no router here" (RFC 4861), so that
 * clients on a network without IPv6 stop waiting for one.
 *
 * iPXE's `ifconf` (and `autoboot`) waits for every configurator of the
 * interface, IPv6 router discovery included; with no router it keeps
 * soliciting for ~16 s before giving up (src/net/ndp.c ipv6conf).  The
 * first solicited advertisement ends that wait; with M=0 and O=0 it
 * starts no DHCPv6, and with router lifetime 0 and no prefix option the
 * host gains neither a default route nor an address.
 *
 * Only while the DHCP server is authoritative (it owns the network): a
 * proxyDHCP server MUST NOT send anything of its own.
 */
#ifndef PXESTICK_DHCP_RA_H
#define PXESTICK_DHCP_RA_H

#include <stddef.h>
#include <stdint.h>

#include "common/loop.h"
#include "dhcp/dhcp_net.h"

/* ICMPv6 types (RFC 4861 4.1, 4.2) and the option we send (4.6.1). */
#define RA_TYPE_RS      133
#define RA_TYPE_RA      134
#define RA_OPT_SLLA     1
/* The RA we send: 16-byte header + one 8-byte source link-layer option. */
#define RA_LEN          24

/*
 * Validate a received router solicitation, p[0..len) from its ICMPv6
 * type on (as a raw ICMPv6 socket delivers it; the kernel has checked
 * the checksum), received with IPv6 hop limit hoplimit (-1: unknown),
 * from the unspecified address when src_unspec.  RFC 4861 6.1.1: hop
 * limit 255, code 0, at least 8 bytes, every option of nonzero length
 * and inside the message, and no source link-layer address option from
 * the unspecified address.  0, or -1 with a static reason in *why.
 */
int dhcp_ra_check_rs(const uint8_t *p, size_t len, int hoplimit, int src_unspec,
    const char **why);

/*
 * Build our RA for an interface with hardware address mac into out (cap
 * at least RA_LEN): cur hop limit 0, M=0, O=0, router lifetime 0,
 * reachable and retrans timers 0, a source link-layer address option and
 * nothing else.  The checksum is left 0 (the kernel fills it in).
 * RA_LEN, or 0 when cap is too small.
 */
size_t dhcp_ra_build(uint8_t *out, size_t cap, const uint8_t mac[6]);

/* The I/O glue, embedded in the DHCP server. */
struct dhcp_ra {
	struct loop_fd h;       /* h.fd -1 when closed */
	struct loop *loop;
	int ifindex;
	uint8_t mac[6];
	uint64_t window_start, last_multicast;
	unsigned n_window;
	unsigned long rx, tx, dropped;
};

/*
 * Open the raw ICMPv6 socket on ifc (needs CAP_NET_RAW: call before the
 * privilege drop), joined to ff02::2 and receiving router solicitations
 * only; it is not answered until dhcp_ra_enable().  When the interface
 * has no IPv6 link-local address or IPv6 is off, one line is logged and
 * ra stays closed: that is not an error.  Always call dhcp_ra_close().
 */
void dhcp_ra_open(struct dhcp_ra *ra, struct loop *l, const struct dhcp_iface *ifc);
/* Start answering solicitations (idempotent; nothing when closed). */
void dhcp_ra_enable(struct dhcp_ra *ra);
/* Stop for good: nothing is sent afterwards.  Safe on a closed ra. */
/* Stop answering them, keeping the socket (the server may be
 * authoritative again: the link came back on another network). */
void dhcp_ra_disable(struct dhcp_ra *ra);
void dhcp_ra_close(struct dhcp_ra *ra);

#endif
