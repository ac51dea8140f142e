#include "common/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"

int
net_listen_addr(const char *addr, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (addr[0] != '\0' && strchr(addr, ':') != NULL) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		*len = sizeof(*a6);
		return inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1 ? 0 : -1;
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)ss;

		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		*len = sizeof(*a4);
		return addr[0] == '\0' || inet_pton(AF_INET, addr, &a4->sin_addr) == 1 ? 0 : -1;
	}
}

/* Datagram services want to know which local address a request reached. */
static int
want_pktinfo(int fd, int family)
{
	int on = 1;

	if (family == AF_INET6)
		return setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on));
	return setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
}

int
net_listen(const char *what, const char *addr, uint16_t port, int type, int *family,
    char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, on = 1, e;

	if (net_listen_addr(addr, port, &ss, &len) != 0) {
		snprintf(err, errlen, "%s: listen address \"%s\" is not an IP address", what, addr);
		return -1;
	}
	*family = ss.ss_family;
	fd = socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (type == SOCK_STREAM ?
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 :
	    want_pktinfo(fd, ss.ss_family) != 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 ||
	    (type == SOCK_STREAM && listen(fd, 1024) != 0))
		goto fail;
	return fd;
fail:
	e = errno;
	snprintf(err, errlen, "%s: cannot listen on %s:%u%s: %s", what, addr[0] ? addr : "*",
	    port, type == SOCK_DGRAM ? "/udp" : "", strerror(e));
	if (fd >= 0)
		close(fd);
	return -1;
}

/*
 * The address part of sa and its port; *v6 when it is a real IPv6
 * address.  An IPv4-mapped one (::ffff:a.b.c.d, what a socket bound to
 * "::" sees of IPv4 peers) is the IPv4 address it maps: iPXE without IPv6
 * cannot reach [::ffff:a.b.c.d], and nobody reads it that way.
 */
static void
ip_and_port(const struct sockaddr *sa, char ip[INET6_ADDRSTRLEN], unsigned *port, int *v6)
{
	snprintf(ip, INET6_ADDRSTRLEN, "?");
	*port = 0;
	*v6 = 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)sa;

		inet_ntop(AF_INET, &a->sin_addr, ip, INET6_ADDRSTRLEN);
		*port = ntohs(a->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)sa;

		*port = ntohs(a->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) {
			inet_ntop(AF_INET, &a->sin6_addr.s6_addr[12], ip, INET6_ADDRSTRLEN);
			return;
		}
		inet_ntop(AF_INET6, &a->sin6_addr, ip, INET6_ADDRSTRLEN);
		*v6 = 1;
	}
}

char *
net_addr_str(const struct sockaddr *sa, char *out, size_t size)
{
	char ip[INET6_ADDRSTRLEN];
	unsigned port;
	int v6;

	ip_and_port(sa, ip, &port, &v6);
	snprintf(out, size, v6 ? "[%s]:%u" : "%s:%u", ip, port);
	return out;
}

/* d->local from the packet info of mh. */
static void
dgram_local(int family, struct msghdr *mh, struct net_dgram *d)
{
	memset(&d->local, 0, sizeof(d->local));
	if (family == AF_INET6) {
		struct sockaddr_in6 *l = (struct sockaddr_in6 *)&d->local;

		l->sin6_family = AF_INET6;
		d->local_len = sizeof(*l);
		for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
			if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
				struct in6_pktinfo pi;

				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				l->sin6_addr = pi.ipi6_addr;
				if (IN6_IS_ADDR_LINKLOCAL(&pi.ipi6_addr))
					l->sin6_scope_id = (uint32_t)pi.ipi6_ifindex;
			}
	} else {
		struct sockaddr_in *l = (struct sockaddr_in *)&d->local;

		l->sin_family = AF_INET;
		d->local_len = sizeof(*l);
		for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
			if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
				struct in_pktinfo pi;

				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				/* spec_dst: our address, also for broadcasts. */
				l->sin_addr = pi.ipi_spec_dst;
			}
	}
}

ssize_t
net_dgram_recv(int fd, int family, void *buf, size_t cap, struct net_dgram *d)
{
	union {
		struct cmsghdr align;
		uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
		    CMSG_SPACE(sizeof(struct in_pktinfo))];
	} cbuf;
	struct iovec iov = { buf, cap };
	struct msghdr mh;
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	memset(d, 0, sizeof(*d));
	mh.msg_name = &d->peer;
	mh.msg_namelen = sizeof(d->peer);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf.b;
	mh.msg_controllen = sizeof(cbuf.b);
	n = recvmsg(fd, &mh, 0);
	if (n < 0)
		return -1;
	d->peer_len = mh.msg_namelen;
	d->truncated = (mh.msg_flags & MSG_TRUNC) != 0;
	dgram_local(family, &mh, d);
	return n;
}

int
net_dgram_reply(int fd, const struct net_dgram *d, const void *buf, size_t len)
{
	union {
		struct cmsghdr align;
		uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} cbuf;
	struct iovec iov = { (void *)(uintptr_t)buf, len };
	struct msghdr mh;
	struct cmsghdr *c;

	memset(&mh, 0, sizeof(mh));
	memset(&cbuf, 0, sizeof(cbuf));
	mh.msg_name = (void *)(uintptr_t)&d->peer;
	mh.msg_namelen = d->peer_len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf.b;
	c = (struct cmsghdr *)cbuf.b;
	if (d->local.ss_family == AF_INET6) {
		struct in6_pktinfo pi;

		memset(&pi, 0, sizeof(pi));
		pi.ipi6_addr = ((const struct sockaddr_in6 *)&d->local)->sin6_addr;
		pi.ipi6_ifindex = ((const struct sockaddr_in6 *)&d->local)->sin6_scope_id;
		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	} else {
		struct in_pktinfo pi;

		memset(&pi, 0, sizeof(pi));
		pi.ipi_spec_dst = ((const struct sockaddr_in *)&d->local)->sin_addr;
		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	}
	return sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

char *
net_host_str(const struct sockaddr *sa, char *out, size_t size)
{
	char ip[INET6_ADDRSTRLEN];
	unsigned port;
	int v6;

	ip_and_port(sa, ip, &port, &v6);
	snprintf(out, size, "%s", ip);
	return out;
}

void
net_server_url(const struct sockaddr *local, uint16_t http_port, char *out, size_t size)
{
	char ip[INET6_ADDRSTRLEN], port[8] = "";
	unsigned unused;
	int v6;

	ip_and_port(local, ip, &unused, &v6);
	if (local->sa_family != AF_INET && local->sa_family != AF_INET6)
		snprintf(ip, sizeof(ip), "0.0.0.0");
	if (http_port != 80 && http_port != 0)
		snprintf(port, sizeof(port), ":%u", http_port);
	snprintf(out, size, v6 ? "http://[%s]%s" : "http://%s%s", ip, port);
}

char *
net_mac_str(const uint8_t mac[6], char *out)
{
	snprintf(out, NET_MAC_STR, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
	    mac[3], mac[4], mac[5]);
	return out;
}

size_t
net_mac_parse(const char *s, size_t len, int dash_ok, uint8_t mac[6])
{
	if (len < 17)
		return 0;
	for (size_t k = 0; k < 6; k++) {
		int hi = hex_digit(s[k * 3]), lo = hex_digit(s[k * 3 + 1]);
		char sep = k < 5 ? s[k * 3 + 2] : ':';

		if (hi < 0 || lo < 0 || (sep != ':' && !(dash_ok && sep == '-')))
			return 0;
		mac[k] = (uint8_t)(hi << 4 | lo);
	}
	return 17;
}
