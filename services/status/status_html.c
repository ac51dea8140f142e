/*
 * /status: one self-contained page (no external assets, it must work
 * offline).  The server renders everything; a few lines of inline script
 * fetch /status?fragment every second and swap it in (without script,
 * <meta refresh> reloads the page).  Every string is escaped by buf_html().
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clients/clients.h"
#include "common/net.h"
#include "status/status.h"

static const char page_head[] =
"<!DOCTYPE html>\n"
"<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
"<title>pxestick status</title>\n"
"<noscript><meta http-equiv=\"refresh\" content=\"5\"></noscript>\n"
"<style>\n"
"body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}\n"
"header{background:#1d2330;color:#fff;padding:10px 18px;display:flex;flex-wrap:wrap;"
"gap:6px 22px;align-items:baseline}\n"
"header h1{font-size:20px;margin:0}header .dim{color:#aab}\n"
"main{padding:8px 18px 18px}\n"
"h2{font-size:15px;margin:18px 0 6px}\n"
"table{border-collapse:collapse;width:100%;background:#fff;box-shadow:0 1px 2px #0002}\n"
"th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e3e5ea;vertical-align:top}\n"
"th{font-size:12px;text-transform:uppercase;color:#667;font-weight:600}\n"
".mono{font-family:ui-monospace,monospace}.small{font-size:12px;color:#667}\n"
".ok{color:#17803d}.bad{color:#c0262d;font-weight:600}.warn{color:#a15c00}\n"
".steps{display:flex;gap:3px;margin:0 0 3px;padding:0;list-style:none}\n"
".steps li{width:16px;height:8px;border-radius:2px;background:#dde0e6}\n"
".steps li.done{background:#2f7de1}.steps li.now{background:#17a34a}\n"
"tr.error .steps li.now{background:#c0262d}\n"
"progress{width:220px;height:14px;vertical-align:middle}\n"
".facts{display:flex;flex-wrap:wrap;gap:4px 28px;margin:10px 0}\n"
".facts b{color:#667;font-weight:600;margin-right:6px}\n"
"ol.events{list-style:none;padding:0;margin:0;background:#fff;font-size:13px}\n"
"ol.events li{padding:3px 8px;border-bottom:1px solid #eef}\n"
".empty{padding:14px;background:#fff;color:#667}\n"
"footer{padding:8px 18px;color:#889;font-size:12px}\n"
"</style></head><body>\n<div id=\"status\">\n";

static const char page_tail[] =
"</div>\n<script>\n"
"(function(){var box=document.getElementById('status');\n"
"function tick(){fetch('/status?fragment',{cache:'no-store'})\n"
".then(function(r){if(!r.ok)throw new Error(r.status);return r.text();})\n"
".then(function(t){box.innerHTML=t;box.dataset.updates=(+box.dataset.updates||0)+1;})\n"
".catch(function(){var s=document.getElementById('conn');"
"if(s)s.textContent=' - the server does not answer';})\n"
".then(function(){setTimeout(tick,1000);});}\n"
"setTimeout(tick,1000);})();\n"
"</script>\n</body></html>\n";

static void
esc(struct buf *b, const char *s)
{
	if (s != NULL)
		buf_html(b, s, strlen(s));
}

static char *
clock_str(int64_t t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL || strftime(out, size, "%H:%M:%S", &tm) == 0)
		snprintf(out, size, "--:--:--");
	return out;
}

static void
facts(struct buf *b, const struct status_info *in, uint64_t now)
{
	char up[32], t[32];

	buf_puts(b, "<header><h1>pxestick</h1><span class=\"mono\">");
	for (size_t i = 0; i < in->n_addrs; i++) {
		buf_puts(b, i ? " &middot; " : "");
		esc(b, in->addrs[i]);
	}
	if (in->n_addrs == 0)
		buf_puts(b, "no address");
	buf_puts(b, "</span><span class=\"dim\">");
	if (in->http_port)
		buf_printf(b, "http :%u &middot; ", in->http_port);
	if (in->https_port)
		buf_printf(b, "https :%u &middot; ", in->https_port);
	if (in->tftp_port)
		buf_printf(b, "tftp :%u &middot; ", in->tftp_port);
	buf_puts(b, "dhcp ");
	esc(b, in->dhcp[0] ? in->dhcp : "off");
	if (in->policy[0]) {
		buf_puts(b, " &middot; ");
		esc(b, in->policy);
	}
	buf_printf(b, "</span><span class=\"dim\">up %s &middot; %s</span></header>\n<main>\n",
	    status_fmt_age(now - in->started, up, sizeof(up)), clock_str(in->wall, t, sizeof(t)));
	for (size_t i = 0; i < in->n_warnings; i++) {
		buf_puts(b, "<p class=\"bad\">WARNING: ");
		esc(b, in->warnings[i]);
		buf_puts(b, "</p>\n");
	}
}

static unsigned
percent(uint64_t done, uint64_t total)
{
	return total == 0 ? 0 : (unsigned)(done >= total ? 100 : done * 100 / total);
}

/* Where clients load the ISO's files from, when payload URLs are set. */
static void
payload_note(struct buf *b, const struct status_iso_info *s)
{
	if (s->payload != NULL && s->payload[0] != '\0') {
		buf_puts(b, "<br><span class=\"ok\">clients load it from ");
		esc(b, s->payload);
		buf_puts(b, "</span> (kernel and root image downloads happen there: this page "
		    "sees boot.ipxe and script.cfg)");
	} else if (s->payload_note != NULL && s->payload_note[0] != '\0') {
		buf_puts(b, "<br>clients load it from here: ");
		esc(b, s->payload_note);
	}
}

static void
isos(struct buf *b, const struct status_info *in)
{
	buf_puts(b, "<div class=\"facts\"><span><b>SSH keys</b>");
	if (in->script_reason == NULL) {
		buf_printf(b, "<span class=\"ok\">%zu key%s</span> in script.cfg", in->n_keys,
		    in->n_keys == 1 ? "" : "s");
	} else {
		buf_puts(b, "<span class=\"bad\">none</span> &mdash; script.cfg is not served: ");
		esc(b, in->script_reason);
	}
	buf_puts(b, "</span></div>\n<h2>ISOs</h2>\n<table class=\"isos\"><tr><th>ISO</th>"
	    "<th>State</th><th>Boot entries</th><th>Client RAM</th><th>File</th></tr>\n");
	for (size_t i = 0; i < in->n_isos; i++) {
		const struct status_iso_info *s = &in->isos[i];

		buf_puts(b, "<tr><td class=\"mono\">");
		esc(b, s->name);
		if (s->verifying) {
			buf_printf(b, "</td><td>being checked: %u%%</td><td></td><td></td>"
			    "<td class=\"small mono\">", percent(s->done, s->total));
			esc(b, s->path);
			buf_puts(b, "</td></tr>\n");
			continue;
		}
		buf_puts(b, "</td><td class=\"ok\">verified");
		if (s->signed_)
			buf_puts(b, ", signed");
		buf_printf(b, "</td><td>%zu</td><td>%u MiB</td><td class=\"small mono\">", s->entries,
		    s->ram_mib);
		esc(b, s->path);
		if (s->date != NULL && s->date[0]) {
			buf_puts(b, " (");
			esc(b, s->date);
			buf_puts(b, ")");
		}
		payload_note(b, s);
		buf_puts(b, "</td></tr>\n");
	}
	for (size_t i = 0; i < in->n_refused; i++) {
		buf_puts(b, "<tr><td class=\"mono\">&mdash;</td><td class=\"bad\">refused: ");
		esc(b, in->refused[i].reason);
		buf_puts(b, "</td><td></td><td class=\"small mono\">");
		esc(b, in->refused[i].path);
		buf_puts(b, "</td></tr>\n");
	}
	if (in->n_isos + in->n_refused == 0)
		buf_puts(b, "<tr><td colspan=\"4\" class=\"bad\">no ISO: copy an Arch ISO onto "
		    "the stick</td></tr>\n");
	buf_puts(b, "</table>\n");
}

/* Who boots into what (read-only: `pxestick clients` changes records). */
static void
rules(struct buf *b, const struct status_info *in)
{
	const struct clients *c = in->clients;
	char mac[NET_MAC_STR];

	if (c == NULL || (c->n_rules == 0 && c->n_done == 0))
		return;
	buf_printf(b, "<h2>Client rules</h2>\n<table class=\"isos\"><tr><th>MAC</th><th>Rule"
	    "</th><th>Name</th><th>Boot once</th></tr>\n");
	for (size_t i = 0; i < c->n_rules; i++) {
		const struct client_rule *r = &c->rules[i];
		const struct client_done *d = clients_done(c, r->mac);

		buf_printf(b, "<tr><td class=\"mono\">%s</td><td>%s", net_mac_str(r->mac, mac),
		    client_action_name(r->action));
		if (r->entry[0]) {
			buf_puts(b, " ");
			esc(b, r->entry);
		}
		buf_puts(b, "</td><td>");
		esc(b, r->name);
		buf_printf(b, "</td><td>%s</td></tr>\n", d != NULL && c->boot_once ?
		    "done, next boot: local disk" : "");
	}
	for (size_t i = 0; i < c->n_done; i++)
		if (clients_rule(c, c->done[i].mac) == NULL)
			buf_printf(b, "<tr><td class=\"mono\">%s</td><td>(none)</td><td></td><td>%s"
			    "</td></tr>\n", net_mac_str(c->done[i].mac, mac), c->boot_once ?
			    "done, next boot: local disk" : "done (boot-once off)");
	buf_puts(b, "</table>\n");
}

static void
client_row(struct buf *b, const struct status_client *c, uint64_t now)
{
	char name[64], addr[64], n1[32], n2[32];
	const struct status_download *d = &c->dl;

	buf_printf(b, "<tr class=\"client phase-%s%s\" data-phase=\"%s\" data-id=\"",
	    status_phase_name(c->phase), c->error[0] ? " error" : "", status_phase_name(c->phase));
	esc(b, status_client_name(c, name, sizeof(name)));
	buf_puts(b, "\"><td><b class=\"mono\">");
	esc(b, name);
	buf_puts(b, "</b><br><span class=\"small\"><span class=\"mono\">");
	if (!c->has_mac)
		buf_puts(b, "MAC not known");
	else
		esc(b, c->addr.family ? status_addr_str(&c->addr, addr, sizeof(addr)) : "no address");
	buf_puts(b, "</span>");
	if (c->firmware != STATUS_FW_UNKNOWN) {
		buf_puts(b, " &middot; ");
		esc(b, c->has_arch && c->arch_name ? c->arch_name : status_fw_name(c->firmware));
	}
	if (c->ipxe)
		buf_puts(b, " &middot; iPXE");
	if (c->boots > 1)
		buf_printf(b, " &middot; boot #%u", c->boots);
	buf_puts(b, "</span></td>\n<td><ol class=\"steps\">");
	for (unsigned p = STATUS_PHASE_DHCP; p < STATUS_PHASE_COUNT; p++)
		buf_printf(b, "<li class=\"%s\" title=\"%s\"></li>", p < c->phase ? "done" :
		    p == c->phase ? "now" : "", status_phase_title(p));
	buf_puts(b, "</ol>");
	esc(b, status_phase_title(c->phase));
	if (c->iso[0] || c->entry[0]) {
		buf_puts(b, "<br><span class=\"small\">");
		esc(b, c->entry[0] ? c->entry : c->iso);
		buf_puts(b, "</span>");
	}
	if (c->name[0] || c->policy[0]) {
		buf_printf(b, "<br><span class=\"small%s\">", c->turned_away ? " warn" : "");
		esc(b, c->name);
		buf_puts(b, c->name[0] && c->policy[0] ? ": " : "");
		esc(b, c->policy);
		buf_puts(b, "</span>");
	}
	if (c->result[0]) {
		buf_printf(b, "<br><span class=\"small %s\">reported: ", strcmp(c->result, "ok") == 0 ?
		    "ok" : "bad");
		esc(b, c->result);
		buf_puts(b, "</span>");
	}
	buf_puts(b, "</td>\n<td>");
	if (d->state != STATUS_DL_NONE) {
		uint64_t pm = d->total > 0 ? d->done * 1000 / d->total : 0;

		buf_printf(b, "<progress max=\"1000\" value=\"%llu\"></progress> %llu%% ",
		    (unsigned long long)pm, (unsigned long long)(pm / 10));
		buf_puts(b, "<span class=\"mono\">");
		esc(b, d->file);
		buf_printf(b, "</span><br><span class=\"small\">%s of %s%s%s</span>",
		    status_fmt_bytes(d->done, n1, sizeof(n1)), status_fmt_bytes(d->total, n2,
		    sizeof(n2)), d->via == STATUS_VIA_TFTP ? " over TFTP" : "",
		    d->state == STATUS_DL_FAILED ? " &mdash; failed" : d->state == STATUS_DL_DONE ?
		    " &mdash; done" : "");
	}
	if (c->ssh != STATUS_SSH_NONE) {
		buf_printf(b, "<div class=\"%s\">SSH: ", c->ssh == STATUS_SSH_UP ? "ok" :
		    c->ssh == STATUS_SSH_GAVE_UP ? "bad" : "warn");
		if (c->ssh == STATUS_SSH_UP)
			esc(b, c->ssh_banner);
		else if (c->ssh == STATUS_SSH_GAVE_UP)
			buf_puts(b, "port 22 does not answer");
		else
			buf_printf(b, "waiting for sshd (%u tries)", c->ssh_tries);
		buf_puts(b, "</div>");
	}
	if (c->error[0]) {
		buf_puts(b, "<div class=\"bad\">");
		esc(b, c->error);
		buf_puts(b, "</div>");
	}
	buf_puts(b, "</td>\n<td class=\"mono\">");
	if (d->state == STATUS_DL_RUNNING) {
		uint64_t r = status_dl_rate(d, now);

		if (r > 0)
			buf_printf(b, "%s/s", status_fmt_bytes(r, n1, sizeof(n1)));
		else
			buf_puts(b, "stalled");
	} else if (d->state == STATUS_DL_DONE && d->rate > 0) {
		buf_printf(b, "<span class=\"small\">%s/s avg</span>",
		    status_fmt_bytes(d->rate, n1, sizeof(n1)));
	}
	buf_printf(b, "</td>\n<td>%s ago", status_fmt_age(now - c->last_seen, n1, sizeof(n1)));
	buf_printf(b, "<br><span class=\"small\">booting for %s</span></td></tr>\n",
	    status_fmt_age(now - c->boot_start, n2, sizeof(n2)));
}

static void
clients(struct buf *b, const struct status *st, uint64_t now)
{
	size_t idx[STATUS_MAX_CLIENTS], n = status_order(st, idx, STATUS_MAX_CLIENTS, now), live = 0;
	size_t not_come;

	for (size_t i = 0; i < n; i++)
		live += st->c[idx[i]].phase >= STATUS_PHASE_LIVE;
	buf_printf(b, "<h2>Clients: %zu &middot; %zu live &middot; %zu booting</h2>\n", n, live,
	    n - live);
	if ((not_come = status_not_come(st, now)) > 0)
		buf_printf(b, "<div class=\"small\">%zu more got this server's offer and never "
		    "came for the boot file: another boot server answered them, or they cannot "
		    "reach this one.</div>\n", not_come);
	if (n == 0) {
		buf_puts(b, "<div class=\"empty\">No client yet: power on a machine with network "
		    "boot (PXE) on this network.</div>\n");
		return;
	}
	buf_puts(b, "<table class=\"clients\"><thead><tr><th>Client</th><th>Phase</th>"
	    "<th>Download</th><th>Rate</th><th>Seen</th></tr></thead><tbody>\n");
	for (size_t i = 0; i < n; i++)
		client_row(b, &st->c[idx[i]], now);
	buf_puts(b, "</tbody></table>\n");
}

static void
events(struct buf *b, const struct status *st, const struct status_info *in, uint64_t now)
{
	size_t shown = st->n_ev < 20 ? st->n_ev : 20;

	if (shown == 0)
		return;
	buf_puts(b, "<h2>Recent events</h2>\n<ol class=\"events\">\n");
	/* newest first */
	for (size_t i = 0; i < shown; i++) {
		const struct status_event *e =
		    &st->ev[(st->ev_next + STATUS_MAX_EVENTS - 1 - i) % STATUS_MAX_EVENTS];
		char t[32];

		buf_printf(b, "<li><span class=\"small mono\">%s</span> <b class=\"mono\">",
		    clock_str(in->wall - (int64_t)((now - e->at) / 1000), t, sizeof(t)));
		esc(b, e->who);
		buf_puts(b, "</b> ");
		esc(b, e->msg);
		buf_puts(b, "</li>\n");
	}
	buf_puts(b, "</ol>\n");
}

void
status_html(const struct status *st, const struct status_info *in, uint64_t now,
    int fragment, struct buf *out)
{
	char t[32];

	if (!fragment)
		buf_puts(out, page_head);
	facts(out, in, now);
	clients(out, st, now);
	isos(out, in);
	rules(out, in);
	events(out, st, in, now);
	buf_printf(out, "</main>\n<footer>updated %s<span id=\"conn\"></span> &middot; "
	    "<a href=\"/status.json\">status.json</a> &middot; <a href=\"/log\">log</a> &middot; "
	    "<a href=\"/support.tar.gz\">support bundle</a> &middot; "
	    "<a href=\"/files/\">files</a></footer>\n",
	    clock_str(in->wall, t, sizeof(t)));
	if (!fragment)
		buf_puts(out, page_tail);
}
