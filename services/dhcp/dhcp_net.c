/*
 * Sockets, IPv4/UDP frames and ARP for the DHCP server (see dhcp_net.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netpacket/packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/limits.h"
#include "dhcp/dhcp_net.h"

#define ETH_P_IPV4 0x0800
#define ETH_P_ARPV 0x0806

int
dhcp_iface_get(const char *name, struct dhcp_iface *ifc, char *err, size_t errlen)
{
	struct ifreq ifr;
	int fd;

	memset(ifc, 0, sizeof(*ifc));
	if (strlen(name) >= sizeof(ifr.ifr_name)) {
		snprintf(err, errlen, "dhcp: interface name \"%s\" is too long", name);
		return -1;
	}
	snprintf(ifc->name, sizeof(ifc->name), "%s", name);
	ifc->ifindex = (int)if_nametoindex(name);
	if (ifc->ifindex == 0) {
		snprintf(err, errlen, "dhcp: no interface %s: %s", name, strerror(errno));
		return -1;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "dhcp: socket: %s", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) != 0) {
		snprintf(err, errlen, "dhcp: %s: no hardware address: %s", name, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	if (ifr.ifr_hwaddr.sa_family != 1 /* ARPHRD_ETHER */) {
		snprintf(err, errlen, "dhcp: %s is not an Ethernet interface", name);
		return -1;
	}
	memcpy(ifc->mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

size_t
dhcp_iface_addrs(const char *name, struct dhcp_ifaddr *out, size_t max)
{
	struct ifaddrs *all, *a;
	size_t n = 0;

	if (getifaddrs(&all) != 0)
		return 0;
	for (a = all; a != NULL && n < max; a = a->ifa_next) {
		if (a->ifa_addr == NULL || a->ifa_addr->sa_family != AF_INET ||
		    strcmp(a->ifa_name, name) != 0)
			continue;
		out[n].addr = ((struct sockaddr_in *)a->ifa_addr)->sin_addr;
		out[n].mask.s_addr = a->ifa_netmask != NULL &&
		    a->ifa_netmask->sa_family == AF_INET ?
		    ((struct sockaddr_in *)a->ifa_netmask)->sin_addr.s_addr : 0xffffffffu;
		n++;
	}
	freeifaddrs(all);
	return n;
}

/* Administratively up, and running (a carrier: RFC 2863 operational). */
static int
link_is_up(unsigned flags)
{
	return (flags & IFF_UP) != 0 && (flags & IFF_RUNNING) != 0;
}

int
dhcp_link_up(const char *name)
{
	struct ifreq ifr;
	int fd, up = 0;

	if (strlen(name) >= sizeof(ifr.ifr_name))
		return 0;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0)
		up = link_is_up((unsigned short)ifr.ifr_flags);
	close(fd);
	return up;
}

int
dhcp_udp_socket(const char *name, uint16_t port, int shared, char *err, size_t errlen)
{
	struct sockaddr_in a;
	int fd, on = 1, buf = DHCP_SOCKET_BUFFER;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if ((shared && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0) ||
	    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof(on)) != 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, (socklen_t)strlen(name) + 1) != 0)
		goto fail;
	/* Room for a burst while the loop waits on the journal's fdatasync:
	 * forced past rmem_max while still root, else what the system allows. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) != 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	if (shared)
		a.sin_addr.s_addr = htonl(INADDR_BROADCAST);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		goto fail;
	return fd;
fail:
	snprintf(err, errlen, "dhcp: cannot listen on %s udp port %u: %s", name, port,
	    strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

int
dhcp_packet_socket(int ifindex, uint16_t proto, char *err, size_t errlen)
{
	struct sockaddr_ll sll;
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(proto));

	if (fd < 0)
		goto fail;
	if (proto != 0) {
		memset(&sll, 0, sizeof(sll));
		sll.sll_family = AF_PACKET;
		sll.sll_protocol = htons(proto);
		sll.sll_ifindex = ifindex;
		if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) != 0)
			goto fail;
	}
	return fd;
fail:
	snprintf(err, errlen, "dhcp: packet socket: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

ssize_t
dhcp_recv(int fd, uint8_t *buf, size_t cap, struct dhcp_rx *rx)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
	} ctl;
	struct iovec iov = { buf, cap };
	struct msghdr mh;
	struct cmsghdr *c;
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	memset(rx, 0, sizeof(*rx));
	mh.msg_name = &rx->from;
	mh.msg_namelen = sizeof(rx->from);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl.buf;
	mh.msg_controllen = sizeof(ctl.buf);
	n = recvmsg(fd, &mh, 0);
	if (n < 0)
		return -1;
	if (mh.msg_flags & MSG_TRUNC)
		return -2;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			rx->dst = pi.ipi_addr;
			rx->ifindex = pi.ipi_ifindex;
		}
	return n;
}

int
dhcp_send_udp(int fd, int ifindex, struct in_addr src, struct in_addr dst, uint16_t port,
    const void *p, size_t len)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
	} ctl;
	struct sockaddr_in to;
	struct iovec iov = { (void *)p, len };
	struct msghdr mh;
	struct cmsghdr *c;
	struct in_pktinfo pi;

	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_addr = dst;
	to.sin_port = htons(port);
	memset(&mh, 0, sizeof(mh));
	memset(&ctl, 0, sizeof(ctl));
	mh.msg_name = &to;
	mh.msg_namelen = sizeof(to);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl.buf;
	mh.msg_controllen = sizeof(ctl.buf);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(pi));
	memset(&pi, 0, sizeof(pi));
	pi.ipi_ifindex = ifindex;
	pi.ipi_spec_dst = src;
	memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	return sendmsg(fd, &mh, 0) < 0 ? -1 : 0;
}

static uint32_t
sum16(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t
fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int
dhcp_send_frame(int fd, int ifindex, const uint8_t dmac[6], struct in_addr src,
    uint16_t sport, struct in_addr dst, uint16_t dport, const void *p, size_t len)
{
	uint8_t pkt[20 + 8 + 1500];
	struct sockaddr_ll sll;
	size_t total = 20 + 8 + len, ulen = 8 + len;
	uint8_t *ip = pkt, *udp = pkt + 20;
	uint32_t sum;
	uint16_t c;

	if (len > 1500 - 28) {
		errno = EMSGSIZE;
		return -1;
	}
	memset(pkt, 0, 28);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(total >> 8);
	ip[3] = (uint8_t)total;
	ip[8] = 64;  /* TTL */
	ip[9] = 17;  /* UDP */
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	c = fold(sum16(0, ip, 20));
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	udp[0] = (uint8_t)(sport >> 8);
	udp[1] = (uint8_t)sport;
	udp[2] = (uint8_t)(dport >> 8);
	udp[3] = (uint8_t)dport;
	udp[4] = (uint8_t)(ulen >> 8);
	udp[5] = (uint8_t)ulen;
	memcpy(udp + 8, p, len);
	/* Pseudo-header: addresses, protocol, UDP length. */
	sum = sum16(0, ip + 12, 8) + 17 + (uint32_t)ulen;
	c = fold(sum16(sum, udp, ulen));
	if (c == 0)
		c = 0xffff;
	udp[6] = (uint8_t)(c >> 8);
	udp[7] = (uint8_t)c;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_IPV4);
	sll.sll_ifindex = ifindex;
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, dmac, 6);
	return sendto(fd, pkt, total, 0, (struct sockaddr *)&sll, sizeof(sll)) < 0 ? -1 : 0;
}

int
dhcp_arp_probe(int fd, const struct dhcp_iface *ifc, struct in_addr target)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t a[28];
	struct sockaddr_ll sll;

	memset(a, 0, sizeof(a));
	a[1] = 1;                       /* htype Ethernet */
	a[2] = 0x08;                    /* ptype IPv4 */
	a[4] = 6;
	a[5] = 4;
	a[7] = 1;                       /* request */
	memcpy(a + 8, ifc->mac, 6);     /* sender MAC; sender IP 0.0.0.0 */
	memcpy(a + 24, &target, 4);     /* target IP; target MAC 0 */
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ARPV);
	sll.sll_ifindex = ifc->ifindex;
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, bcast, 6);
	return sendto(fd, a, sizeof(a), 0, (struct sockaddr *)&sll, sizeof(sll)) < 0 ? -1 : 0;
}

int
dhcp_arp_recv(int fd, struct in_addr *sender, uint8_t mac[6])
{
	uint8_t a[64];
	struct sockaddr_ll from;
	socklen_t fl = sizeof(from);
	ssize_t n;

	/* Skip what is not an answer, a bounded number of frames per call. */
	for (int i = 0; i < 64; i++) {
		fl = sizeof(from);
		n = recvfrom(fd, a, sizeof(a), 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			return -1;
		if (from.sll_pkttype == PACKET_OUTGOING || n < 28)
			continue;
		if (a[0] != 0 || a[1] != 1 || a[2] != 0x08 || a[3] != 0 || a[4] != 6 || a[5] != 4)
			continue;
		memcpy(mac, a + 8, 6);
		memcpy(sender, a + 14, 4);
		if (sender->s_addr == 0)
			continue; /* someone else's probe */
		return 0;
	}
	errno = EAGAIN;
	return -1;
}
