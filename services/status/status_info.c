/*
 * What the renderers show about the appliance itself: its addresses
 * (read here), and what it serves (from the describe callback).
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "status/status_internal.h"

/* Addresses of ifa of one family into in (loopback: only loopback ones,
 * else only others; with an interface set, only that one's). */
static void
collect(const struct ifaddrs *ifa, const char *interface, int family, int loopback,
    struct status_info *in)
{
	for (const struct ifaddrs *i = ifa; i != NULL && in->n_addrs < STATUS_MAX_ADDRS;
	    i = i->ifa_next) {
		const void *a;

		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != family ||
		    !(i->ifa_flags & IFF_UP))
			continue;
		if (interface[0] != '\0' ? strcmp(i->ifa_name, interface) != 0 :
		    ((i->ifa_flags & IFF_LOOPBACK) != 0) != loopback)
			continue;
		if (family == AF_INET) {
			a = &((const struct sockaddr_in *)(const void *)i->ifa_addr)->sin_addr;
		} else {
			const struct in6_addr *a6 =
			    &((const struct sockaddr_in6 *)(const void *)i->ifa_addr)->sin6_addr;

			if (IN6_IS_ADDR_LINKLOCAL(a6))
				continue;
			a = a6;
		}
		if (inet_ntop(family, a, in->addrs[in->n_addrs], sizeof(in->addrs[0])) != NULL)
			in->n_addrs++;
	}
}

/* The appliance's addresses: the listen address when one is set, else
 * those of the DHCP interface, else every non-loopback one (else the
 * loopback ones: a developer's laptop, a test). */
static void
addresses(const struct status_server_config *cfg, struct status_info *in)
{
	struct ifaddrs *ifa;

	if (cfg->listen[0] != '\0' && strcmp(cfg->listen, "0.0.0.0") != 0 &&
	    strcmp(cfg->listen, "::") != 0) {
		snprintf(in->addrs[in->n_addrs++], sizeof(in->addrs[0]), "%s", cfg->listen);
		return;
	}
	if (getifaddrs(&ifa) != 0)
		return;
	collect(ifa, cfg->interface, AF_INET, 0, in);
	collect(ifa, cfg->interface, AF_INET6, 0, in);
	if (in->n_addrs == 0 && cfg->interface[0] == '\0')
		collect(ifa, cfg->interface, AF_INET, 1, in);
	freeifaddrs(ifa);
}

void
status_server_info(struct status_server *ss, struct status_info *in)
{
	uint64_t now = loop_now(ss->loop);

	memset(in, 0, sizeof(*in));
	if (ss->cfg.describe != NULL)
		ss->cfg.describe(ss->cfg.describe_ctx, in);
	in->n_addrs = 0;
	addresses(&ss->cfg, in);
	in->started = ss->started < now ? ss->started : now;
	in->wall = (int64_t)time(NULL);
}
