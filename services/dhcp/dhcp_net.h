/*
 * The DHCP server's sockets and frames: UDP sockets held to one interface
 * (SO_BINDTODEVICE) that report each datagram's interface and destination
 * (IP_PKTINFO), and a packet socket for the frames the IP stack cannot
 * send for us.
 *
 * Reaching a client without an address: RFC 2131 4.1 wants a reply
 * unicast to chaddr at yiaddr (or broadcast when the client asks for it).
 * The kernel would ARP for yiaddr first, and nobody answers for it yet.
 * Instead of planting an ARP entry (SIOCSARP needs CAP_NET_ADMIN after the
 * privilege drop) we build the IPv4 and UDP headers ourselves and send the
 * frame through an AF_PACKET socket, opened while still root, to chaddr
 * or to ff:ff:ff:ff:ff:ff.  The same kind of socket sends the ARP probes
 * (RFC 5227, sender address 0.0.0.0) that check an address is unused
 * before it is offered, and receives the answers.
 */
#ifndef PXESTICK_DHCP_NET_H
#define PXESTICK_DHCP_NET_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct dhcp_iface {
	char name[16];
	int ifindex;
	uint8_t mac[6];
};

/* Look up name's index and MAC.  0, or -1 with the reason in err. */
int dhcp_iface_get(const char *name, struct dhcp_iface *ifc, char *err, size_t errlen);

/* One IPv4 address of an interface, with its netmask (network order). */
struct dhcp_ifaddr {
	struct in_addr addr, mask;
};

/*
 * The IPv4 addresses of interface name, at most max, in out.  Returns how
 * many (0 when none or on error).  Needs no privilege.
 */
size_t dhcp_iface_addrs(const char *name, struct dhcp_ifaddr *out, size_t max);

/* Is interface name administratively up and running (a carrier) now?
 * 1, or 0 (also when unknown).  One ioctl: cheap enough to poll. */
int dhcp_link_up(const char *name);

/* A non-blocking UDP socket on 0.0.0.0:port, held to interface name, with
 * SO_BROADCAST and IP_PKTINFO.  shared (port 68, which a DHCP client on
 * this host holds too): SO_REUSEADDR and bound to 255.255.255.255, so it
 * sees the broadcast replies only and never takes the unicast ones meant
 * for that client; never for 67 and 4011, so a second server on the host
 * fails loudly.  fd, or -1 with err. */
int dhcp_udp_socket(const char *name, uint16_t port, int shared, char *err, size_t errlen);

/* A non-blocking AF_PACKET (cooked) socket on ifindex receiving proto
 * (ETH_P_ARP), or receiving nothing (proto 0: send only).  fd or -1. */
int dhcp_packet_socket(int ifindex, uint16_t proto, char *err, size_t errlen);

/* What recvmsg() told about one datagram. */
struct dhcp_rx {
	struct sockaddr_in from;
	struct in_addr dst;     /* the destination address it was sent to */
	int ifindex;
};

/* Receive one datagram.  Its length; -1 with errno (EAGAIN: none left);
 * -2 when it was longer than cap (dropped). */
ssize_t dhcp_recv(int fd, uint8_t *buf, size_t cap, struct dhcp_rx *rx);

/* Send p through UDP socket fd to dst:port, out of ifindex, from src. */
int dhcp_send_udp(int fd, int ifindex, struct in_addr src, struct in_addr dst, uint16_t port,
    const void *p, size_t len);

/* Send p as one Ethernet frame to dmac: IPv4 src -> dst, UDP sport -> dport. */
int dhcp_send_frame(int fd, int ifindex, const uint8_t dmac[6], struct in_addr src,
    uint16_t sport, struct in_addr dst, uint16_t dport, const void *p, size_t len);

/* Broadcast an ARP probe for target (RFC 5227 2.1.1). */
int dhcp_arp_probe(int fd, const struct dhcp_iface *ifc, struct in_addr target);

/*
 * Read one received ARP packet (from dhcp_packet_socket(.., ETH_P_ARP)):
 * 0 with the sender's address and MAC, or -1 (none left, not ARP for IPv4
 * over Ethernet, or our own frame).
 */
int dhcp_arp_recv(int fd, struct in_addr *sender, uint8_t mac[6]);

#endif
