/*
 * Small socket helpers shared by the services.
 */
#ifndef PXESTICK_COMMON_NET_H
#define PXESTICK_COMMON_NET_H

#include <stdint.h>
#include <sys/socket.h>

/*
 * The address a service listens on: addr is "" (every IPv4 address), an
 * IPv4 or an IPv6 literal; port in host order.  Fills ss and *len.
 * Returns 0, or -1 when addr is not an IP address.
 */
int net_listen_addr(const char *addr, uint16_t port, struct sockaddr_storage *ss,
    socklen_t *len);

#endif
