/*
 * Replies of the DHCP server: their bytes, and where they go.  Pure
 * functions on caller memory (used by dhcp_engine.c).
 */
#ifndef PXESTICK_DHCP_REPLY_H
#define PXESTICK_DHCP_REPLY_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp/dhcp_packet.h"
#include "dhcp/dhcp_policy.h"

/* A reply fits the 576-byte datagram every client accepts. */
#define DHCP_REPLY_MAX  (DHCP_MIN_MAX_SIZE - 28)

#define DHCP_PORT_SERVER        67
#define DHCP_PORT_CLIENT        68
#define DHCP_PORT_PXE           4011

/* The UDP sockets a reply may leave through (and its source port). */
enum dhcp_sock { DHCP_SOCK_67, DHCP_SOCK_4011 };

/* Where a reply goes. */
struct dhcp_dest {
	int frame;              /* 1: an Ethernet frame to mac (the packet socket) */
	enum dhcp_sock sock;    /* the UDP socket otherwise; either way the source port */
	struct in_addr ip;
	uint16_t port;
	uint8_t mac[6];
};

/* The network options of an authoritative server. */
struct dhcp_subnet {
	struct in_addr addr, mask;
	struct in_addr router, dns;     /* 0: not sent */
	struct in_addr ntp;             /* 0: not sent; else sent when asked for */
};

struct dhcp_reply_opts {
	enum dhcp_type type;
	struct in_addr yiaddr;
	struct in_addr server;          /* option 54 and siaddr */
	uint32_t lease_time;            /* options 51, 58, 59; 0: none */
	const struct dhcp_subnet *net;  /* options 1, 28, 3, 6; or NULL */
	const struct dhcp_boot *boot;   /* or NULL */
	const struct dhcp_client_info *ci;      /* with boot */
	int only_server;                /* tell iPXE not to wait for proxyDHCP */
	const char *message;            /* option 56 (NAK), or NULL */
};

/* Build the reply to m into buf (DHCP_REPLY_MAX bytes).  Its length, or 0
 * when it did not fit. */
size_t dhcp_reply_build(const struct dhcp_msg *m, const struct dhcp_reply_opts *ro,
    uint8_t buf[DHCP_REPLY_MAX]);

/* RFC 2131 4.1: where a reply of type to m (yiaddr given) goes -- giaddr:67
 * when relayed, ciaddr:68 when the client has an address, else a frame to
 * chaddr at yiaddr, or a broadcast (NAK, or the broadcast flag). */
void dhcp_reply_dest(const struct dhcp_msg *m, enum dhcp_type type, struct in_addr yiaddr,
    struct dhcp_dest *d);

/* A 4011 reply: back to where the request came from (broadcast when it
 * came from 0.0.0.0). */
void dhcp_reply_dest_pxe(const struct sockaddr_in *from, struct dhcp_dest *d);

#endif
