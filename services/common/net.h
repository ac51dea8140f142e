/*
 * Socket and address helpers shared by the services: one way to listen,
 * to print an address, to name the server a client reached, and to read
 * and print a MAC.
 */
#ifndef PXESTICK_COMMON_NET_H
#define PXESTICK_COMMON_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Text sizes: an address with brackets, port and scope; a URL; a MAC. */
#define NET_ADDR_STR    64
#define NET_URL_STR     80
#define NET_MAC_STR     18

/*
 * The address a service listens on: addr is "" (every IPv4 address), an
 * IPv4 or an IPv6 literal; port in host order.  Fills ss and *len.
 * Returns 0, or -1 when addr is not an IP address.
 */
int net_listen_addr(const char *addr, uint16_t port, struct sockaddr_storage *ss,
    socklen_t *len);

/*
 * A non-blocking socket of type (SOCK_STREAM: listening, backlog 1024,
 * SO_REUSEADDR; SOCK_DGRAM: with IP_PKTINFO / IPV6_RECVPKTINFO) bound to
 * addr:port.  The descriptor, or -1 with "WHAT: cannot listen on ..." in
 * err.  *family receives the socket's address family.
 */
int net_listen(const char *what, const char *addr, uint16_t port, int type, int *family,
    char *err, size_t errlen);

/* "10.0.0.5:4242" or "[fe80::1]:4242" (size: NET_ADDR_STR); an IPv4-mapped
 * IPv6 address is written as the IPv4 address.  Returns out. */
char *net_addr_str(const struct sockaddr *sa, char *out, size_t size);
/* The same without the port: "10.0.0.5", "fe80::1". */
char *net_host_str(const struct sockaddr *sa, char *out, size_t size);

/*
 * The http:// URL of this server as a client reached it: local is the
 * address the client's request arrived at, http_port the plain HTTP
 * port (80 is left out).  "http://10.0.0.1", "http://[fd00::1]:8080"
 * (size: NET_URL_STR); an IPv4-mapped address (a listener on "::") is
 * named as IPv4, which every client can reach.
 */
void net_server_url(const struct sockaddr *local, uint16_t http_port, char *out, size_t size);

/*
 * Datagram services on a socket from net_listen(): receive one datagram
 * with the local address it arrived at (from IP_PKTINFO / IPV6_PKTINFO;
 * for a broadcast, the interface's address), and answer from that
 * address, so a client that asked one of several addresses hears back
 * from it.
 */
struct net_dgram {
	struct sockaddr_storage peer, local;
	socklen_t peer_len, local_len;
	int truncated;                  /* longer than the buffer (cut) */
};
/* The length, or -1 with errno (EAGAIN: none left). */
ssize_t net_dgram_recv(int fd, int family, void *buf, size_t cap, struct net_dgram *d);
/* Send len bytes to d's peer from d's local address: 0, or -1 with errno. */
int net_dgram_reply(int fd, const struct net_dgram *d, const void *buf, size_t len);

/* "52:54:00:12:34:56" (out: NET_MAC_STR bytes).  Returns out. */
char *net_mac_str(const uint8_t mac[6], char *out);

/*
 * Read a MAC at s: six pairs of hex digits, separated by ':' (or '-'
 * when dash_ok).  Returns the 17 bytes it took and fills mac, or 0.
 * Whatever follows is the caller's to check.
 */
size_t net_mac_parse(const char *s, size_t len, int dash_ok, uint8_t mac[6]);

#endif
