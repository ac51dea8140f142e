/*
 * What the DHCP server is told, checked before it starts, and the names
 * of its modes: no I/O.
 */
#include <arpa/inet.h>
#include <stdio.h>

#include "dhcp/dhcp_engine.h"

const char *
dhcp_mode_name(enum dhcp_mode m)
{
	switch (m) {
	case DHCP_MODE_AUTO: return "auto";
	case DHCP_MODE_AUTHORITATIVE: return "authoritative";
	case DHCP_MODE_PROXY: return "proxy";
	case DHCP_MODE_OFF: return "off";
	}
	return "?";
}

int
dhcp_config_check(const struct dhcp_config *cfg, const struct dhcp_subnet *net, char *err,
    size_t errlen)
{
	uint32_t a = ntohl(net->addr.s_addr), m = ntohl(net->mask.s_addr);
	uint32_t lo = ntohl(cfg->pool_start.s_addr), hi = ntohl(cfg->pool_end.s_addr);
	char ip[INET_ADDRSTRLEN], ours[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &net->addr, ours, sizeof(ours));
	if ((lo & m) != (a & m) || (hi & m) != (a & m)) {
		snprintf(err, errlen, "dhcp: the pool %s-... is not inside %s/%u",
		    inet_ntop(AF_INET, &cfg->pool_start, ip, sizeof(ip)), ours, cfg->prefix);
		return -1;
	}
	for (size_t i = 0; i < cfg->n_reserve; i++)
		if ((cfg->reserve[i].addr.s_addr & net->mask.s_addr) !=
		    (net->addr.s_addr & net->mask.s_addr)) {
			snprintf(err, errlen, "dhcp: reservation %s is not inside %s/%u",
			    inet_ntop(AF_INET, &cfg->reserve[i].addr, ip, sizeof(ip)), ours,
			    cfg->prefix);
			return -1;
		}
	return 0;
}
