/*
 * "No router here" advertisements (see dhcp_ra.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/limits.h"
#include "common/log.h"
#include "dhcp/dhcp_ra.h"

/* RFC 4861 4.1: type, code, checksum, 4 reserved bytes, then options. */
#define RS_HDR          8
/* RFC 4861 4.2: type, code, checksum, cur hop limit, M|O flags, router
 * lifetime (2), reachable time (4), retrans timer (4), then options. */
#define RA_OFF_HOPS     4
#define RA_OFF_FLAGS    5
#define RA_OFF_LIFETIME 6
#define RA_HDR          16
/* Options are counted in units of 8 bytes (RFC 4861 4.6). */
#define OPT_UNIT        8
/* A solicitation larger than this is dropped (they are 8-16 bytes). */
#define RS_MAX          1280

int
dhcp_ra_check_rs(const uint8_t *p, size_t len, int hoplimit, int src_unspec,
    const char **why)
{
	size_t rem, olen;

	if (hoplimit != 255) {
		*why = "hop limit is not 255";
		return -1;
	}
	if (len < RS_HDR) {
		*why = "shorter than 8 bytes";
		return -1;
	}
	if (p[0] != RA_TYPE_RS || p[1] != 0) {
		*why = "not a router solicitation with code 0";
		return -1;
	}
	p += RS_HDR;
	rem = len - RS_HDR;
	while (rem > 0) {
		if (rem < 2) {
			*why = "truncated option";
			return -1;
		}
		olen = (size_t)p[1] * OPT_UNIT;
		if (olen == 0 || olen > rem) {
			*why = "option length 0 or past the end";
			return -1;
		}
		if (p[0] == RA_OPT_SLLA && src_unspec) {
			*why = "link-layer address option from ::";
			return -1;
		}
		p += olen;
		rem -= olen;
	}
	return 0;
}

size_t
dhcp_ra_build(uint8_t *out, size_t cap, const uint8_t mac[6])
{
	if (cap < RA_LEN)
		return 0;
	/* Everything 0 but the type and the option: cur hop limit 0
	 * (unspecified), M=0 and O=0 (no DHCPv6), router lifetime 0 (not a
	 * default router), reachable time and retrans timer 0 (unspecified). */
	memset(out, 0, RA_LEN);
	out[0] = RA_TYPE_RA;
	out[RA_HDR] = RA_OPT_SLLA;
	out[RA_HDR + 1] = 1;
	memcpy(out + RA_HDR + 2, mac, 6);
	return RA_LEN;
}

static int
has_link_local(const char *name)
{
	struct ifaddrs *all, *a;
	int found = 0;

	if (getifaddrs(&all) != 0)
		return 0;
	for (a = all; a != NULL && !found; a = a->ifa_next)
		found = a->ifa_addr != NULL && a->ifa_addr->sa_family == AF_INET6 &&
		    strcmp(a->ifa_name, name) == 0 &&
		    IN6_IS_ADDR_LINKLOCAL(&((struct sockaddr_in6 *)a->ifa_addr)->sin6_addr);
	freeifaddrs(all);
	return found;
}

/* A window of DHCP_RA_MAX_PER_S per second in all, and one multicast
 * answer per DHCP_RA_MULTICAST_MS. */
static int
rate_ok(struct dhcp_ra *ra, int multicast)
{
	uint64_t now = loop_now(ra->loop);

	if (multicast && ra->last_multicast != 0 &&
	    now - ra->last_multicast < DHCP_RA_MULTICAST_MS)
		return 0;
	if (now - ra->window_start >= 1000) {
		ra->window_start = now;
		ra->n_window = 0;
	}
	if (ra->n_window >= DHCP_RA_MAX_PER_S)
		return 0;
	ra->n_window++;
	if (multicast)
		ra->last_multicast = now;
	return 1;
}

static void
answer(struct dhcp_ra *ra, const struct sockaddr_in6 *from)
{
	uint8_t pkt[RA_LEN];
	struct sockaddr_in6 to;
	int multicast = IN6_IS_ADDR_UNSPECIFIED(&from->sin6_addr);
	size_t len = dhcp_ra_build(pkt, sizeof(pkt), ra->mac);

	if (!rate_ok(ra, multicast)) {
		ra->dropped++;
		return;
	}
	/* RFC 4861 6.2.6: to the solicitor, or to all nodes when it has no
	 * address yet. */
	memset(&to, 0, sizeof(to));
	to.sin6_family = AF_INET6;
	to.sin6_scope_id = (uint32_t)ra->ifindex;
	if (multicast)
		inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
	else
		to.sin6_addr = from->sin6_addr;
	if (sendto(ra->h.fd, pkt, len, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)len)
		ra->tx++;
	else
		ra->dropped++;
}

static void
on_rs(struct loop *l, struct loop_fd *h, uint32_t events)
{
	struct dhcp_ra *ra = h->ctx;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	uint8_t buf[RS_MAX];
	struct sockaddr_in6 from;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh;
	struct cmsghdr *c;
	const char *why;
	ssize_t n;
	int hops;

	(void)l;
	(void)events;
	for (int i = 0; i < DHCP_RECV_PER_TURN; i++) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &from;
		mh.msg_namelen = sizeof(from);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		if ((n = recvmsg(h->fd, &mh, MSG_DONTWAIT)) < 0)
			return;
		ra->rx++;
		hops = -1;
		for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT &&
			    c->cmsg_len >= CMSG_LEN(sizeof(int)))
				memcpy(&hops, CMSG_DATA(c), sizeof(int));
		if ((mh.msg_flags & MSG_TRUNC) || mh.msg_namelen < sizeof(from) ||
		    dhcp_ra_check_rs(buf, (size_t)n, hops,
		    IN6_IS_ADDR_UNSPECIFIED(&from.sin6_addr), &why) != 0) {
			ra->dropped++;
			continue;
		}
		answer(ra, &from);
	}
}

void
dhcp_ra_open(struct dhcp_ra *ra, struct loop *l, const struct dhcp_iface *ifc)
{
	struct icmp6_filter f;
	struct ipv6_mreq mr;
	int on = 1, hops = 255, fd;

	memset(ra, 0, sizeof(*ra));
	ra->h.fd = -1;
	ra->loop = l;
	ra->ifindex = ifc->ifindex;
	memcpy(ra->mac, ifc->mac, sizeof(ra->mac));
	if (!has_link_local(ifc->name)) {
		log_msg("dhcp: %s has no IPv6 link-local address: router solicitations go "
		    "unanswered (IPv6 clients such as iPXE wait for a router)", ifc->name);
		return;
	}
	ICMP6_FILTER_SETBLOCKALL(&f);
	ICMP6_FILTER_SETPASS(RA_TYPE_RS, &f);
	memset(&mr, 0, sizeof(mr));
	inet_pton(AF_INET6, "ff02::2", &mr.ipv6mr_multiaddr);
	mr.ipv6mr_interface = (unsigned)ifc->ifindex;
	fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifc->name,
	    (socklen_t)strlen(ifc->name) + 1) != 0 ||
	    setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f)) != 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof(on)) != 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof(hops)) != 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) != 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &mr.ipv6mr_interface,
	    sizeof(mr.ipv6mr_interface)) != 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof(mr)) != 0) {
		log_msg("dhcp: no ICMPv6 socket on %s (%s): router solicitations go unanswered",
		    ifc->name, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	ra->h.fd = fd;
	ra->h.cb = on_rs;
	ra->h.ctx = ra;
}

void
dhcp_ra_enable(struct dhcp_ra *ra)
{
	if (ra->h.fd < 0 || ra->h.added)
		return;
	if (loop_add(ra->loop, &ra->h, EPOLLIN) != 0) {
		log_msg("dhcp: epoll: %s: router solicitations go unanswered", strerror(errno));
		dhcp_ra_close(ra);
		return;
	}
	log_msg("dhcp: answering IPv6 router solicitations (no router, no prefix)");
}

void
dhcp_ra_disable(struct dhcp_ra *ra)
{
	if (ra->h.fd >= 0 && ra->h.added) {
		loop_del(ra->loop, &ra->h);
		log_msg("dhcp: no longer answering IPv6 router solicitations");
	}
}

void
dhcp_ra_close(struct dhcp_ra *ra)
{
	if (ra->h.fd < 0)
		return;
	if (ra->h.added)
		loop_del(ra->loop, &ra->h);
	close(ra->h.fd);
	ra->h.fd = -1;
}
