/*
 * The status service in the event loop: the table, its tick (SSH checks),
 * what the appliance serves (for the renderers), and the HTTP documents.
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "dhcp/dhcp.h"
#include "serve/serve.h"
#include "status/status_internal.h"
#include "status/status_serve.h"

#define TICK_MS 1000
#define ARP_TABLE "/proc/net/arp"

static void
on_tick(struct loop *l, struct loop_timer *t)
{
	struct status_server *ss = t->ctx;

	status_ssh_tick(ss, loop_now(l));
	(void)loop_timer_set(l, t, TICK_MS);
}

struct status_server *
status_server_start(struct serve *srv)
{
	struct status_server *ss = calloc(1, sizeof(*ss));

	if (ss == NULL || status_init(&ss->table, status_arp_resolve, (void *)ARP_TABLE) != 0) {
		log_msg("status: out of memory: no client status");
		free(ss);
		return NULL;
	}
	ss->srv = srv;
	ss->loop = &srv->loop;
	ss->started = loop_clock_ms();
	ss->ssh_port = 22;
	ss->listen.fd = -1;
	ss->tick.cb = on_tick;
	ss->tick.ctx = ss;
	for (size_t i = 0; i < STATUS_MAX_SSH_PROBES; i++)
		ss->probes[i].h.fd = -1;
	if (status_sock_open(ss, srv->cfg.state) == 0)
		log_msg("status: /status and /status.json over HTTP; pxestick status and top "
		    "through %s", ss->path);
	(void)loop_timer_set(ss->loop, &ss->tick, TICK_MS);
	srv->status = &ss->table;
	return ss;
}

void
status_server_stop(struct status_server *ss)
{
	if (ss == NULL)
		return;
	ss->srv->status = NULL;
	status_sock_close(ss);
	status_ssh_stop(ss);
	loop_timer_cancel(ss->loop, &ss->tick);
	status_free(&ss->table);
	free(ss);
}

/* Addresses of ifa of one family into in (loopback: only loopback ones,
 * else only others; with an interface set, only that one's). */
static void
collect(const struct ifaddrs *ifa, const struct settings *cfg, int family, int loopback,
    struct status_info *in)
{
	for (const struct ifaddrs *i = ifa; i != NULL && in->n_addrs < STATUS_MAX_ADDRS;
	    i = i->ifa_next) {
		const void *a;

		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != family ||
		    !(i->ifa_flags & IFF_UP))
			continue;
		if (cfg->interface[0] != '\0' ? strcmp(i->ifa_name, cfg->interface) != 0 :
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
addresses(const struct settings *cfg, struct status_info *in)
{
	struct ifaddrs *ifa;

	if (cfg->listen[0] != '\0' && strcmp(cfg->listen, "0.0.0.0") != 0 &&
	    strcmp(cfg->listen, "::") != 0) {
		snprintf(in->addrs[in->n_addrs++], sizeof(in->addrs[0]), "%s", cfg->listen);
		return;
	}
	if (getifaddrs(&ifa) != 0)
		return;
	collect(ifa, cfg, AF_INET, 0, in);
	collect(ifa, cfg, AF_INET6, 0, in);
	if (in->n_addrs == 0 && cfg->interface[0] == '\0')
		collect(ifa, cfg, AF_INET, 1, in);
	freeifaddrs(ifa);
}

void
status_server_info(struct status_server *ss, struct status_info *in)
{
	const struct serve *s = ss->srv;
	const struct vfs *v = s->vfs;
	uint64_t now = loop_now(ss->loop);

	memset(in, 0, sizeof(*in));
	addresses(&s->cfg, in);
	in->http_port = s->http != NULL ? s->cfg.http_port : 0;
	in->https_port = s->https != NULL ? s->cfg.https_port : 0;
	in->tftp_port = s->tftp != NULL ? s->cfg.tftp_port : 0;
	if (s->dhcp != NULL)
		dhcp_server_describe(s->dhcp, in->dhcp, sizeof(in->dhcp));
	else
		snprintf(in->dhcp, sizeof(in->dhcp), "off%s", s->cfg.dhcp != DHCP_MODE_OFF ?
		    " (no interface set)" : "");
	for (size_t i = 0; v != NULL && i < v->n_isos && in->n_isos < STATUS_MAX_ISO_INFO; i++) {
		struct status_iso_info *o = &in->isos[in->n_isos++];

		o->name = v->isos[i].name;
		o->path = v->isos[i].path;
		o->date = v->isos[i].arch->date;
		o->entries = v->isos[i].arch->n_entries;
		o->signed_ = v->isos[i].arch->has_cms_sig;
	}
	for (size_t i = 0; v != NULL && i < v->n_refused && in->n_refused < STATUS_MAX_ISO_INFO;
	    i++) {
		in->refused[in->n_refused].path = v->refused[i].path;
		in->refused[in->n_refused++].reason = v->refused[i].reason;
	}
	in->n_keys = v != NULL ? v->n_keys : 0;
	in->script_reason = v == NULL || v->script == NULL ? (v ? v->script_reason : "") : NULL;
	in->started = ss->started < now ? ss->started : now;
	in->wall = (int64_t)time(NULL);
}

int
status_server_page(struct status_server *ss, const char *path, const char *query,
    size_t query_len, struct buf *out, const char **type)
{
	struct status_info *in;
	int json = strcmp(path, "/status.json") == 0;

	if (ss == NULL || (!json && strcmp(path, "/status") != 0))
		return -1;
	in = malloc(sizeof(*in));
	if (in == NULL)
		return -1;
	status_server_info(ss, in);
	if (json) {
		status_json(&ss->table, in, loop_now(ss->loop), out);
		*type = "application/json";
	} else {
		int fragment = query != NULL && query_len == 8 && memcmp(query, "fragment", 8) == 0;

		status_html(&ss->table, in, loop_now(ss->loop), fragment, out);
		*type = "text/html; charset=utf-8";
	}
	free(in);
	return 0;
}
