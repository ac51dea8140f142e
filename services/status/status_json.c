/*
 * /status.json: the table and what the appliance serves, as documented in
 * docs/STATUS.md.  Every string goes through the JSON writer's escaper.
 */
#include <stdio.h>
#include <string.h>

#include "clients/clients.h"
#include "common/net.h"
#include "common/version.h"
#include "status/status.h"

/* The unix time of a monotonic instant. */
static int64_t
wall_at(const struct status_info *in, uint64_t now, uint64_t ms)
{
	return ms >= now ? in->wall : in->wall - (int64_t)((now - ms + 500) / 1000);
}

static void
str_or_null(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_str(j, s != NULL && s[0] != '\0' ? s : NULL);
}

static void
port(struct json *j, const char *key, uint16_t p)
{
	json_key(j, key);
	if (p == 0)
		json_null(j);
	else
		json_u64(j, p);
}

/* "rules": who boots into what (docs/CLIENTS.md), read-only. */
static void
rules(struct json *j, const struct clients *c, int proxy)
{
	char mac[NET_MAC_STR];

	json_key(j, "rules");
	if (c == NULL) {
		json_null(j);
		return;
	}
	json_object(j);
	json_key(j, "unknown_clients");
	json_str(j, client_action_name(c->unknown));
	json_key(j, "unknown_now");
	json_str(j, client_action_name(c->unknown != CLIENT_AUTO ? c->unknown :
	    proxy ? CLIENT_LOCAL : CLIENT_BOOT));
	json_key(j, "boot_once");
	json_bool(j, c->boot_once);
	json_key(j, "clients");
	json_array(j);
	for (size_t i = 0; i < c->n_rules; i++) {
		const struct client_rule *r = &c->rules[i];
		const struct client_done *d = clients_done(c, r->mac);

		json_object(j);
		json_key(j, "mac");
		json_str(j, net_mac_str(r->mac, mac));
		json_key(j, "action");
		json_str(j, client_action_name(r->action));
		str_or_null(j, "entry", r->entry);
		str_or_null(j, "name", r->name);
		json_key(j, "done");
		if (d != NULL)
			json_i64(j, d->at);
		else
			json_null(j);
		json_end(j);
	}
	for (size_t i = 0; i < c->n_done; i++) {
		if (clients_rule(c, c->done[i].mac) != NULL)
			continue;
		json_object(j);
		json_key(j, "mac");
		json_str(j, net_mac_str(c->done[i].mac, mac));
		json_key(j, "action");
		json_null(j);
		json_key(j, "entry");
		json_null(j);
		json_key(j, "name");
		json_null(j);
		json_key(j, "done");
		json_i64(j, c->done[i].at);
		json_end(j);
	}
	json_end(j);
	json_end(j);
}

static void
server(struct json *j, const struct status_info *in, uint64_t now)
{
	json_key(j, "server");
	json_object(j);
	json_key(j, "addresses");
	json_array(j);
	for (size_t i = 0; i < in->n_addrs; i++)
		json_str(j, in->addrs[i]);
	json_end(j);
	port(j, "http_port", in->http_port);
	port(j, "https_port", in->https_port);
	port(j, "tftp_port", in->tftp_port);
	str_or_null(j, "dhcp", in->dhcp);
	str_or_null(j, "policy", in->policy);
	json_key(j, "warnings");
	json_array(j);
	for (size_t i = 0; i < in->n_warnings; i++)
		json_str(j, in->warnings[i]);
	json_end(j);
	json_key(j, "uptime");
	json_u64(j, (now - in->started) / 1000);
	json_key(j, "isos");
	json_array(j);
	for (size_t i = 0; i < in->n_isos; i++) {
		const struct status_iso_info *s = &in->isos[i];

		json_object(j);
		str_or_null(j, "name", s->name);
		str_or_null(j, "path", s->path);
		str_or_null(j, "date", s->date);
		json_key(j, "state");
		json_str(j, s->verifying ? "verifying" : "verified");
		if (s->verifying) {
			json_key(j, "checked");
			json_u64(j, s->done);
			json_key(j, "size");
			json_u64(j, s->total);
		}
		json_key(j, "entries");
		json_u64(j, s->entries);
		json_key(j, "signed");
		json_bool(j, s->signed_);
		json_key(j, "ram_mib");
		json_u64(j, s->ram_mib);
		str_or_null(j, "payload", s->payload);
		str_or_null(j, "payload_note", s->payload_note);
		json_end(j);
	}
	json_end(j);
	json_key(j, "refused");
	json_array(j);
	for (size_t i = 0; i < in->n_refused; i++) {
		json_object(j);
		str_or_null(j, "path", in->refused[i].path);
		json_key(j, "state");
		json_str(j, "refused");
		str_or_null(j, "reason", in->refused[i].reason);
		json_end(j);
	}
	json_end(j);
	rules(j, in->clients, in->proxy);
	json_key(j, "keys");
	json_u64(j, in->n_keys);
	json_key(j, "script_cfg");
	json_bool(j, in->script_reason == NULL);
	str_or_null(j, "script_reason", in->script_reason);
	json_end(j);
}

static void
download(struct json *j, const struct status_download *d, const struct status_info *in,
    uint64_t now)
{
	static const char *const states[] = { "none", "running", "done", "failed" };
	uint64_t rate = status_dl_rate(d, now);

	json_key(j, "download");
	if (d->state == STATUS_DL_NONE) {
		json_null(j);
		return;
	}
	json_object(j);
	json_key(j, "file");
	json_str(j, d->file);
	json_key(j, "via");
	json_str(j, d->via == STATUS_VIA_TFTP ? "tftp" : "http");
	json_key(j, "state");
	json_str(j, states[d->state < 4 ? d->state : 0]);
	json_key(j, "done");
	json_u64(j, d->done);
	json_key(j, "total");
	json_u64(j, d->total);
	json_key(j, "percent");
	json_u64(j, d->total > 0 ? d->done * 100 / d->total : 0);
	json_key(j, "rate");
	json_u64(j, rate);
	json_key(j, "eta");
	if (d->state == STATUS_DL_RUNNING && rate > 0 && d->total >= d->done)
		json_u64(j, (d->total - d->done + rate - 1) / rate);
	else
		json_null(j);
	json_key(j, "started");
	json_i64(j, wall_at(in, now, d->start));
	json_key(j, "ended");
	if (d->end != 0)
		json_i64(j, wall_at(in, now, d->end));
	else
		json_null(j);
	json_end(j);
}

static void
client(struct json *j, const struct status_client *c, const struct status_info *in, uint64_t now)
{
	char name[64], addr[64];

	json_object(j);
	json_key(j, "id");
	json_str(j, status_client_name(c, name, sizeof(name)));
	json_key(j, "mac");
	json_str(j, c->has_mac ? name : NULL);
	str_or_null(j, "address", status_addr_str(&c->addr, addr, sizeof(addr)));
	json_key(j, "phase");
	json_str(j, status_phase_name(c->phase));
	json_key(j, "phase_index");
	json_u64(j, c->phase);
	json_key(j, "phase_title");
	json_str(j, status_phase_title(c->phase));
	json_key(j, "phase_since");
	json_i64(j, wall_at(in, now, c->phase_since));
	str_or_null(j, "firmware", status_fw_name(c->firmware));
	json_key(j, "arch");
	if (c->has_arch)
		json_u64(j, c->arch);
	else
		json_null(j);
	str_or_null(j, "arch_name", c->has_arch ? c->arch_name : NULL);
	json_key(j, "ipxe");
	json_bool(j, c->ipxe);
	str_or_null(j, "iso", c->iso);
	str_or_null(j, "entry", c->entry);
	str_or_null(j, "name", c->name);
	str_or_null(j, "policy", c->policy);
	str_or_null(j, "result", c->result);
	json_key(j, "turned_away");
	json_bool(j, c->turned_away);
	str_or_null(j, "agent", c->agent);
	download(j, &c->dl, in, now);
	json_key(j, "active");
	json_u64(j, c->active);
	json_key(j, "bytes");
	json_u64(j, c->bytes);
	json_key(j, "boots");
	json_u64(j, c->boots);
	json_key(j, "first_seen");
	json_i64(j, wall_at(in, now, c->first_seen));
	json_key(j, "last_seen");
	json_i64(j, wall_at(in, now, c->last_seen));
	json_key(j, "boot_start");
	json_i64(j, wall_at(in, now, c->boot_start));
	json_key(j, "error");
	if (c->error[0] != '\0') {
		json_object(j);
		json_key(j, "message");
		json_str(j, c->error);
		json_key(j, "at");
		json_i64(j, wall_at(in, now, c->error_at));
		json_end(j);
	} else {
		json_null(j);
	}
	json_key(j, "ssh");
	if (c->ssh != STATUS_SSH_NONE) {
		json_object(j);
		json_key(j, "state");
		json_str(j, status_ssh_name(c->ssh));
		str_or_null(j, "banner", c->ssh_banner);
		json_key(j, "tries");
		json_u64(j, c->ssh_tries);
		json_end(j);
	} else {
		json_null(j);
	}
	json_end(j);
}

void
status_json(const struct status *st, const struct status_info *in, uint64_t now,
    struct buf *out)
{
	size_t idx[STATUS_MAX_CLIENTS];
	size_t n = status_order(st, idx, STATUS_MAX_CLIENTS, now), live = 0, errors = 0;
	struct json j;

	for (size_t i = 0; i < n; i++) {
		const struct status_client *c = &st->c[idx[i]];

		live += c->phase >= STATUS_PHASE_LIVE;
		errors += c->error[0] != '\0';
	}
	json_init(&j, out);
	json_object(&j);
	json_key(&j, "version");
	json_u64(&j, 1);
	json_key(&j, "pxestick");
	json_str(&j, pxestick_version);
	json_key(&j, "now");
	json_i64(&j, in->wall);
	server(&j, in, now);
	json_key(&j, "counts");
	json_object(&j);
	json_key(&j, "clients");
	json_u64(&j, n);
	json_key(&j, "booting");
	json_u64(&j, n - live);
	json_key(&j, "live");
	json_u64(&j, live);
	json_key(&j, "errors");
	json_u64(&j, errors);
	json_key(&j, "forgotten");
	json_u64(&j, st->evicted);
	json_key(&j, "not_come");
	json_u64(&j, status_not_come(st, now));
	json_end(&j);
	json_key(&j, "clients");
	json_array(&j);
	for (size_t i = 0; i < n; i++)
		client(&j, &st->c[idx[i]], in, now);
	json_end(&j);
	json_key(&j, "events");
	json_array(&j);
	for (size_t i = 0; i < st->n_ev; i++) {
		const struct status_event *e =
		    &st->ev[(st->ev_next + STATUS_MAX_EVENTS - st->n_ev + i) % STATUS_MAX_EVENTS];

		json_object(&j);
		json_key(&j, "at");
		json_i64(&j, wall_at(in, now, e->at));
		json_key(&j, "client");
		json_str(&j, e->who);
		json_key(&j, "message");
		json_str(&j, e->msg);
		json_end(&j);
	}
	json_end(&j);
	json_end(&j);
	buf_append(out, "\n", 1);
}
