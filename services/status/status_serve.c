/*
 * The status service in the event loop: the table, its tick (SSH checks),
 * the socket, and the HTTP documents.
 */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "status/status_internal.h"
#include "status/status_serve.h"

#define TICK_MS 1000
#define ARP_TABLE "/proc/net/arp"

/* What the table finds by itself reaches the console (the log). */
static void
notice(void *ctx, const char *who, const char *msg)
{
	(void)ctx;
	log_msg("clients: %s: %s", who, msg);
}

static void
on_tick(struct loop *l, struct loop_timer *t)
{
	struct status_server *ss = t->ctx;

	status_tick(&ss->table, loop_now(l));
	status_ssh_tick(ss, loop_now(l));
	(void)loop_timer_set(l, t, TICK_MS);
}

struct status_server *
status_server_start(struct loop *l, const struct status_server_config *cfg)
{
	struct status_server *ss = calloc(1, sizeof(*ss));

	if (ss == NULL || status_init(&ss->table, status_arp_resolve, (void *)ARP_TABLE) != 0) {
		log_msg("status: out of memory: no client status");
		free(ss);
		return NULL;
	}
	ss->cfg = *cfg;
	ss->loop = l;
	ss->table.notice = notice;
	ss->started = loop_clock_ms();
	ss->ssh_port = 22;
	ss->listen.fd = -1;
	loop_timer_init(&ss->tick, on_tick, ss);
	for (size_t i = 0; i < STATUS_MAX_SSH_PROBES; i++)
		ss->probes[i].h.fd = -1;
	if (status_sock_open(ss, cfg->socket) == 0)
		log_msg("status: /status and /status.json over HTTP; pxestick status and top "
		    "through %s", ss->path);
	(void)loop_timer_set(ss->loop, &ss->tick, TICK_MS);
	return ss;
}

void
status_server_stop(struct status_server *ss)
{
	if (ss == NULL)
		return;
	status_sock_close(ss);
	status_ssh_stop(ss);
	loop_timer_cancel(ss->loop, &ss->tick);
	status_free(&ss->table);
	free(ss);
}

struct status *
status_server_table(struct status_server *ss)
{
	return ss != NULL ? &ss->table : NULL;
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
