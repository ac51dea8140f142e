/*
 * `pxestick serve`: settings, file tree, services, privilege drop, loop.
 * The wiring of the services lives here and nowhere else.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clients/clients.h"
#include "common/civil.h"
#include "common/log.h"
#include "common/net.h"
#include "common/util.h"
#include "common/version.h"
#include "dhcp/dhcp.h"
#include "http/http.h"
#include "isocheck/isocheck.h"
#include "ntp/ntp.h"
#include "payload/payload.h"
#include "serve/serve.h"
#include "serve/settings.h"
#include "serve/support.h"
#include "status/status_serve.h"
#include "tftp/tftp.h"
#include "vfs/vfs.h"

static const char serve_usage[] =
    "usage: pxestick serve [--config FILE | --no-config] [--check-config | --print-config]\n"
    "                      [--KEY VALUE | --KEY=VALUE]...\n"
    "\n"
    "Serve every Arch ISO given over HTTP(S), TFTP and DHCP from one process.\n"
    "Every --KEY is also a `KEY = VALUE` line of the config file; flags win.\n"
    "With no --config, " SERVE_DEFAULT_CONFIG " is read when it exists\n"
    "(--no-config: the defaults and the flags only).\n"
    "A port of 0 turns that service off.  SIGHUP re-reads the config and the\n"
    "ISOs without dropping transfers in flight (iso, files, keys and the menu\n"
    "apply then; other keys at the next start); SIGTERM/SIGINT stop.\n"
    "--print-config prints the effective settings and exits.\n"
    "\n";

struct serve {
	struct loop loop;
	struct settings cfg;
	struct vfs *vfs;        /* the current tree; services take references */
	int argc;               /* the flags, re-applied on reload */
	char **argv;
	const char *config;
	char socket[SETTINGS_PATH + 16]; /* the control socket's path */
	struct http_server *http, *https;
	struct tftp_server *tftp;
	struct dhcp_server *dhcp;
	struct ntp_server *ntp;
	struct status_server *status;
	struct payload_run *payload;   /* the payload URLs' check, while it runs */
	struct isocheck *isocheck;     /* new ISOs' check, while it runs */
	struct loop_timer rebuild;     /* the tree again, once the check ended */
	int isocheck_passed;           /* ISOs it passed in this run */
	/* What the background check said of ISO files (a ring: the newest
	 * VFS_MAX_ISOS), for builds that find them again. */
	struct vfs_judged judged[VFS_MAX_ISOS];
	size_t n_judged, next_judged;
	struct clients clients;        /* who boots into what; DHCP reads it */
	char policy_said[128];          /* the policy as the console last heard it */
	int dhcp_starting;
};

static void
log_line(void *ctx, const char *msg)
{
	(void)ctx;
	log_msg("%s", msg);
}

/* The earliest the clock can be: the setting, else the newest ISO's
 * build date (a machine whose clock reads earlier is surely wrong); 0:
 * unknown. */
static int64_t
clock_floor(const struct serve *s)
{
	int64_t floor = 0, t;

	if (s->cfg.ntp_not_before[0] != '\0')
		return civil_parse_utc(s->cfg.ntp_not_before, &t) == 0 ? t : 0;
	for (size_t i = 0; i < s->vfs->n_isos; i++)
		if (civil_parse_utc(s->vfs->isos[i].arch->date, &t) == 0 && t > floor)
			floor = t;
	return floor;
}

/* Said at start and after a reload (and shown on /status while true). */
static int
clock_wrong(const struct serve *s, char *out, size_t size)
{
	int64_t floor = clock_floor(s), now = (int64_t)time(NULL);
	char at[24], fl[24];

	if (floor == 0 || now >= floor)
		return 0;
	snprintf(out, size, "this machine's clock reads %s UTC, before the newest ISO (%.10s): "
	    "it is wrong%s; set it: `clock = YYYY-MM-DD HH:MM` in pxestick.conf (at boot), or "
	    "date -s and hwclock -w", civil_format_utc(now, at, sizeof(at)),
	    civil_format_utc(floor, fl, sizeof(fl)), s->ntp != NULL ?
	    ", so NTP tells clients it is unsynchronized" : "");
	return 1;
}

static void
say_clock(const struct serve *s)
{
	char msg[STATUS_WARNING_LEN];

	if (clock_wrong(s, msg, sizeof(msg)))
		log_msg("*** WARNING: %s ***", msg);
}

/* The config file when none is named: the host install's, if there. */
static const char *
default_config(void)
{
	return access(SERVE_DEFAULT_CONFIG, F_OK) == 0 ? SERVE_DEFAULT_CONFIG : NULL;
}

/* Split argv into --config, --no-config, --check-config, --print-config
 * and the setting flags. */
static int
parse_args(struct serve *s, int argc, char **argv, int *check, int *print)
{
	int n = 0, none = 0, named = 0;

	s->argv = calloc((size_t)argc + 1, sizeof(*s->argv));
	if (s->argv == NULL)
		return -1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			s->config = argv[++i];
			named = 1;
		} else if (strcmp(argv[i], "--no-config") == 0) {
			none = 1;
		} else if (strcmp(argv[i], "--check-config") == 0) {
			*check = 1;
		} else if (strcmp(argv[i], "--print-config") == 0) {
			*print = 1;
		} else if (strcmp(argv[i], "--print-man") == 0) {
			*print = 2;
		} else {
			s->argv[n++] = argv[i];
		}
	}
	s->argc = n;
	if (none)
		s->config = NULL;
	else if (!named)
		s->config = default_config();
	return 0;
}

static int
state_dir_prepare(const struct settings *cfg, const struct passwd *pw)
{
	if (mkdir(cfg->state, 0750) != 0 && errno != EEXIST) {
		log_msg("state directory %s: %s", cfg->state, strerror(errno));
		return -1;
	}
	/* The unprivileged server must write leases there. */
	if (pw != NULL && chown(cfg->state, pw->pw_uid, pw->pw_gid) != 0) {
		log_msg("state directory %s: chown: %s", cfg->state, strerror(errno));
		return -1;
	}
	return 0;
}

/* Acquire, then drop: called once every socket is bound. */
static int
drop_privileges(const struct settings *cfg, const struct passwd *pw)
{
	if (pw == NULL)
		return 0;
	if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		log_msg("cannot drop privileges to %s: %s", cfg->user, strerror(errno));
		return -1;
	}
	if (setuid(0) == 0) {
		log_msg("privileges were not dropped (setuid(0) still works): refusing to serve");
		return -1;
	}
	log_msg("running as %s (uid %u)", cfg->user, (unsigned)pw->pw_uid);
	return 0;
}

/* ---- the tree ---- */

static struct vfs *
build_tree(const struct serve *s, const struct settings *cfg, int defer, char *err,
    size_t errlen)
{
	const char *isos[SETTINGS_MAX_ISOS], *archinstall[SETTINGS_MAX_ARCHINSTALL];
	struct vfs_share_spec shares[SETTINGS_MAX_SHARES];
	struct vfs_spec spec;

	for (size_t i = 0; i < cfg->n_iso; i++)
		isos[i] = cfg->iso[i];
	spec.isos = isos;
	spec.n_isos = cfg->n_iso;
	spec.files = cfg->files;
	spec.keys = cfg->keys;
	spec.state = cfg->state;
	spec.menu_timeout = cfg->menu_timeout;
	spec.menu_default = cfg->menu_default;
	spec.verify = cfg->verify;
	spec.cow_spacesize = cfg->cow_spacesize;
	spec.extra_scripts = cfg->extra_scripts;
	for (size_t i = 0; i < cfg->n_share; i++) {
		shares[i].name = cfg->share[i].name;
		shares[i].path = cfg->share[i].path;
	}
	spec.shares = shares;
	spec.n_shares = cfg->n_share;
	for (size_t i = 0; i < cfg->n_archinstall; i++)
		archinstall[i] = cfg->archinstall[i];
	spec.archinstall = archinstall;
	spec.n_archinstall = cfg->n_archinstall;
	spec.defer_verify = defer;
	spec.judged = s->judged;
	spec.n_judged = s->n_judged;
	return vfs_build(&spec, log_line, NULL, err, errlen);
}

static void tell_status(struct serve *s);

/* Check the payload URLs against the current tree (payload.h): until it
 * is done, and for every ISO no URL serves, clients load from here. */
static void
check_payload(struct serve *s)
{
	payload_check_start(&s->payload, &s->loop, s->vfs, s->cfg.payload_url,
	    s->cfg.n_payload_url);
}

/* ---- who boots ---- */

static void
note_line(void *ctx, const char *msg)
{
	(void)ctx;
	log_msg("clients: %s", msg);
}

/* The rules cfg gives: its client = lines, then its clients file. */
static void
build_clients(const struct settings *cfg, struct clients *c)
{
	char err[256];

	clients_init(c);
	c->unknown = cfg->unknown_clients;
	c->boot_once = cfg->boot_once;
	for (size_t i = 0; i < cfg->n_client; i++) {
		struct client_rule r;

		/* settings_set() checked each line and its MAC. */
		if (client_rule_parse(cfg->client[i], strlen(cfg->client[i]), &r, err,
		    sizeof(err)) != 0)
			continue;
		snprintf(r.where, sizeof(r.where), "client = %.30s", cfg->client[i]);
		if (clients_add(c, &r, r.where, err, sizeof(err)) != 0)
			log_msg("clients: %s", err);
	}
	if (cfg->clients[0] != '\0') {
		char *text = malloc(CLIENTS_MAX_FILE);
		size_t n = 0;
		int fd = open(cfg->clients, O_RDONLY | O_CLOEXEC), rc = -1;

		if (fd >= 0 && text != NULL)
			rc = read_all(fd, text, CLIENTS_MAX_FILE, &n);
		/* Half a file is worse than none: a cut "MAC ignore" would boot. */
		if (rc != 0)
			log_msg("clients: %s: %s: none of its rules apply", cfg->clients,
			    text == NULL ? "out of memory" : rc > 0 ? "larger than 1 MiB" :
			    strerror(errno));
		else
			clients_parse_file(c, text, n, cfg->clients, note_line, NULL);
		if (fd >= 0)
			close(fd);
		free(text);
	}
}

/* Rules naming an entry that is not served: said once, at (re)load. */
static void
check_client_entries(const struct serve *s)
{
	size_t iso, entry;

	for (size_t i = 0; i < s->clients.n_rules; i++) {
		const struct client_rule *r = &s->clients.rules[i];

		if (r->entry[0] && vfs_find_entry(s->vfs, r->entry, strlen(r->entry), &iso,
		    &entry) != 0)
			log_msg("clients: %s: entry=%s names no served ISO entry: that machine "
			    "gets the menu's default", r->where, r->entry);
	}
}

/* The policy in words, for the console and /status. */
static void
describe_policy(const struct serve *s, char *out, size_t size)
{
	const struct clients *c = &s->clients;
	enum client_action u = c->unknown;

	if (u == CLIENT_AUTO)
		u = dhcp_server_is_proxy(s->dhcp) ? CLIENT_LOCAL : CLIENT_BOOT;
	snprintf(out, size, "%zu client rule(s); unknown clients: %s%s; boot-once %s",
	    c->n_rules, u == CLIENT_LOCAL ? "local disk by default" : client_action_name(u),
	    c->unknown == CLIENT_AUTO ? " (auto)" : "", c->boot_once ? "on" : "off");
}

/* Say the policy on the console when it changes (at start, at a reload,
 * when the DHCP mode turns: unknown-clients = auto follows it). */
static void
policy_changed(void *ctx)
{
	struct serve *s = ctx;
	char policy[sizeof(s->policy_said)];

	if (s->dhcp_starting)
		return; /* said once it runs */
	describe_policy(s, policy, sizeof(policy));
	if (strcmp(policy, s->policy_said) == 0)
		return;
	log_msg("clients: %s", policy);
	memcpy(s->policy_said, policy, sizeof(policy));
}

/* A client's live system is up (its sshd answered, or it asked /done). */
static void
client_live(void *ctx, const uint8_t mac[6])
{
	struct serve *s = ctx;
	char m[NET_MAC_STR];

	switch (clients_mark_done(&s->clients, mac, (int64_t)time(NULL))) {
	case 1:
		log_msg("clients: %s reached the live system: its next boot is from its "
		    "local disk (boot-once)", net_mac_str(mac, m));
		break;
	case -1:
		log_msg("clients: %s reached the live system, but %s/boot-once cannot be "
		    "written: %s", net_mac_str(mac, m), s->cfg.state, strerror(errno));
		break;
	}
}

/* The support bundle (serve/support.h) into out: 0, or -1. */
static int
support(struct serve *s, struct buf *out)
{
	struct buf json;
	const char *type;
	int rc;

	buf_init(&json);
	if (status_server_page(s->status, "/status.json", NULL, 0, &json, &type) != 0)
		buf_puts(&json, "{}\n");
	rc = support_bundle(&s->cfg, &json, (int64_t)time(NULL), out);
	buf_free(&json);
	return rc;
}

/* The control socket's requests beyond the status documents:
 * `pxestick clients` ("clients", "reset MAC", "forget MAC") and
 * `pxestick support` ("support"). */
static int
client_command(void *ctx, const char *line, size_t len, struct buf *out)
{
	struct serve *s = ctx;
	uint8_t mac[6];
	int forget;

	if (len == 7 && memcmp(line, "support", 7) == 0) {
		if (support(s, out) != 0) {
			buf_free(out);
			buf_puts(out, "error: the support bundle did not fit in memory\n");
		}
		return 0;
	}
	if (len == 7 && memcmp(line, "clients", 7) == 0) {
		clients_list(&s->clients, dhcp_server_is_proxy(s->dhcp), out);
		return 0;
	}
	if (len == 6 + 17 && memcmp(line, "reset ", 6) == 0)
		forget = 0;
	else if (len == 7 + 17 && memcmp(line, "forget ", 7) == 0)
		forget = 1;
	else
		return -1;
	if (net_mac_parse(line + len - 17, 17, 1, mac) != 17) {
		buf_puts(out, "error: not a MAC address\n");
		return 0;
	}
	switch (clients_reset(&s->clients, mac)) {
	case 1:
		buf_printf(out, "%s: boot-once record removed", forget ? "forget" : "reset");
		break;
	case 0:
		buf_printf(out, "%s: boot-once record (none)", forget ? "forget" : "reset");
		break;
	default:
		buf_printf(out, "%s: boot-once record removed, but %s/boot-once cannot be "
		    "written (%s): it comes back at the next start", forget ? "forget" : "reset",
		    s->cfg.state, strerror(errno));
		break;
	}
	if (forget)
		buf_printf(out, "; client %s", status_forget(status_server_table(s->status), mac) ?
		    "forgotten" : "not known");
	buf_puts(out, "\n");
	return 0;
}

static void
needs_restart(void *ctx, const char *key)
{
	(void)ctx;
	log_msg("SIGHUP: %s changed: it takes effect at the next start", key);
}

/* ---- new ISOs, checked beside the loop (isocheck/) ---- */

static void iso_checked(void *ctx, struct vfs *v, size_t i, int ok, const char *why);

/* v becomes the tree: transfers in flight keep the old one (references);
 * its payload URLs and its new ISOs are checked beside the loop. */
static void
take_tree(struct serve *s, struct vfs *v)
{
	vfs_unref(s->vfs);
	s->vfs = v;
	tell_status(s);
	check_payload(s);
	s->isocheck_passed = 0;
	isocheck_start(&s->isocheck, &s->loop, v, iso_checked, s);
}

static void
judge(struct serve *s, const char *key, const char *reason)
{
	struct vfs_judged *j = &s->judged[s->next_judged];

	snprintf(j->key, sizeof(j->key), "%s", key);
	snprintf(j->reason, sizeof(j->reason), "%s", reason);
	s->next_judged = (s->next_judged + 1) % VFS_MAX_ISOS;
	if (s->n_judged < VFS_MAX_ISOS)
		s->n_judged++;
}

/* A verdict of the check (i == SIZE_MAX: it ended). */
static void
iso_checked(void *ctx, struct vfs *v, size_t i, int ok, const char *why)
{
	struct serve *s = ctx;

	if (i == SIZE_MAX) {
		/* A new tree serves what passed: out of this callback. */
		if (s->isocheck_passed > 0)
			loop_timer_set(&s->loop, &s->rebuild, 0);
		return;
	}
	judge(s, v->waiting[i].key, ok ? "" : why);
	if (ok) {
		s->isocheck_passed++;
		(void)vfs_verdict_keep(s->cfg.state, v->waiting[i].key);
		log_msg("ISO %s: verified in the background: served from now on", v->waiting[i].path);
	} else {
		log_msg("ISO refused: %s: %s", v->waiting[i].path, why);
	}
}

static void
rebuild(struct loop *l, struct loop_timer *t)
{
	struct serve *s = t->ctx;
	struct vfs *v;
	char err[512];

	(void)l;
	if ((v = build_tree(s, &s->cfg, 1, err, sizeof(err))) == NULL) {
		log_msg("ISO check: cannot build the tree again, keeping the running one: %s", err);
		return;
	}
	take_tree(s, v);
	log_msg("ISOs: %zu served, %zu refused, %zu being checked", v->n_isos, v->n_refused,
	    v->n_waiting);
}

static void
reload(struct serve *s)
{
	struct settings *next = malloc(sizeof(*next));
	struct vfs *v;
	char err[512];

	log_msg("SIGHUP: reloading %s and the ISOs", s->config ? s->config : "settings");
	if (next == NULL ||
	    settings_load(next, s->config, s->argc, s->argv, err, sizeof(err)) != 0) {
		log_msg("reload failed, keeping the running settings: %s",
		    next == NULL ? "out of memory" : err);
		free(next);
		return;
	}
	v = build_tree(s, next, 1, err, sizeof(err));
	if (v == NULL) {
		log_msg("reload failed, keeping the running tree: %s", err);
		free(next);
		return;
	}
	settings_reload(&s->cfg, next, needs_restart, s);
	free(next);
	take_tree(s, v);
	{
		struct clients c;

		build_clients(&s->cfg, &c);
		clients_take_rules(&s->clients, &c);
		clients_free(&c);
	}
	check_client_entries(s);
	log_msg("reloaded: %zu ISO(s) served, %zu refused, script.cfg %s", v->n_isos,
	    v->n_refused, v->script ? "served" : "not served");
	policy_changed(s);
	ntp_server_set_floor(s->ntp, clock_floor(s));
	say_clock(s);
}

static void
on_signal(struct loop *l, int signo, void *ctx)
{
	struct serve *s = ctx;

	if (signo == SIGHUP) {
		reload(s);
		return;
	}
	log_msg("%s: stopping", signo == SIGTERM ? "SIGTERM" : "SIGINT");
	loop_stop(l);
}

/* ---- the services ---- */

/* What the client table must know of the tree. */
static void
tell_status(struct serve *s)
{
	struct status *st = status_server_table(s->status);

	if (st != NULL)
		st->script_served = s->vfs->script != NULL;
}

static void
describe_dhcp(const struct serve *s, char *out, size_t size)
{
	if (s->dhcp != NULL)
		dhcp_server_describe(s->dhcp, out, size);
	else
		snprintf(out, size, "off%s", s->cfg.dhcp != DHCP_MODE_OFF ?
		    " (no interface set)" : "");
}

/* Other PXE boot servers seen: each a warning on the status pages. */
static void
describe_others(const struct serve *s, struct status_info *in)
{
	struct dhcp_other_server o[STATUS_MAX_WARNINGS];
	size_t n = dhcp_server_others(s->dhcp, o, STATUS_MAX_WARNINGS - in->n_warnings);

	for (size_t i = 0; i < n; i++)
		snprintf(in->warnings[in->n_warnings++], sizeof(in->warnings[0]),
		    "another PXE boot server on this network: %s (%s)", o[i].addr, o[i].what);
}

/* What the status pages show about this server (status_describe_fn). */
static void
describe(void *ctx, struct status_info *in)
{
	const struct serve *s = ctx;
	const struct vfs *v = s->vfs;

	in->http_port = s->http != NULL ? s->cfg.http_port : 0;
	in->https_port = s->https != NULL ? s->cfg.https_port : 0;
	in->tftp_port = s->tftp != NULL ? s->cfg.tftp_port : 0;
	describe_dhcp(s, in->dhcp, sizeof(in->dhcp));
	describe_policy(s, in->policy, sizeof(in->policy));
	describe_others(s, in);
	if (in->n_warnings < STATUS_MAX_WARNINGS &&
	    clock_wrong(s, in->warnings[in->n_warnings], sizeof(in->warnings[0])))
		in->n_warnings++;
	in->clients = &s->clients;
	in->proxy = dhcp_server_is_proxy(s->dhcp);
	for (size_t i = 0; i < v->n_isos && in->n_isos < STATUS_MAX_ISO_INFO; i++) {
		struct status_iso_info *o = &in->isos[in->n_isos++];

		o->name = v->isos[i].name;
		o->path = v->isos[i].path;
		o->date = v->isos[i].arch->date;
		o->entries = v->isos[i].arch->n_entries;
		o->signed_ = v->isos[i].arch->has_cms_sig;
		o->ram_mib = v->isos[i].arch->entries[0].ram_mib;
		o->payload = v->isos[i].payload;
		o->payload_note = v->isos[i].payload_note;
	}
	for (size_t i = 0; i < v->n_waiting && in->n_isos < STATUS_MAX_ISO_INFO; i++) {
		struct status_iso_info *o = &in->isos[in->n_isos++];
		const char *base = strrchr(v->waiting[i].path, '/');

		memset(o, 0, sizeof(*o));
		o->name = base != NULL ? base + 1 : v->waiting[i].path;
		o->path = v->waiting[i].path;
		o->verifying = 1;
		o->done = v->waiting[i].done;
		o->total = v->waiting[i].total;
	}
	for (size_t i = 0; i < v->n_refused && in->n_refused < STATUS_MAX_ISO_INFO; i++) {
		in->refused[in->n_refused].path = v->refused[i].path;
		in->refused[in->n_refused++].reason = v->refused[i].reason;
	}
	in->n_keys = v->n_keys;
	in->script_reason = v->script == NULL ? v->script_reason : NULL;
}

/* What /done?status= may say: a short word, so it is safe to show. */
static int
result_ok(const char *p, size_t n)
{
	if (n == 0 || n > 40)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
		    (p[i] >= '0' && p[i] <= '9') || p[i] == '-' || p[i] == '_' || p[i] == '.'))
			return 0;
	return 1;
}

/*
 * GET /done[?status=WORD]: the live (or installed) system says it got
 * there, or how its job ended (archinstall).  Without a status, or with
 * "ok", the machine is done (boot once); any other status is a failure:
 * shown on /status, and the machine boots the menu again next time.
 */
static int
done_page(struct serve *s, const struct sockaddr *peer, const char *query, size_t query_len,
    struct buf *out, const char **type)
{
	uint8_t mac[6];
	size_t n = 0;
	const char *st = query != NULL ? url_query_param(query, query_len, "status", &n) : NULL;
	char result[48];

	*type = "text/plain; charset=utf-8";
	if (st != NULL && !result_ok(st, n)) {
		buf_puts(out, "error: status= is a word of letters, digits, - _ . (40 at most)\n");
		return 0;
	}
	if (status_mac_of(status_server_table(s->status), peer, loop_now(&s->loop), mac) != 0) {
		buf_puts(out, "unknown client: nothing recorded\n");
		return 0;
	}
	if (st != NULL) {
		char m[NET_MAC_STR];

		snprintf(result, sizeof(result), "%.*s", (int)n, st);
		status_result(status_server_table(s->status), mac, result, loop_now(&s->loop));
		log_msg("clients: %s reported: %s", net_mac_str(mac, m), result);
		if (strcmp(result, "ok") != 0) {
			buf_printf(out, "recorded: %s\n", result);
			return 0;
		}
	}
	client_live(s, mac);
	buf_puts(out, s->clients.boot_once ? "ok: the next boot is from the local disk\n" :
	    "ok (boot-once is off: nothing changes)\n");
	return 0;
}

/* HTTP's pages outside the tree: the status pages, /done (http_page_fn). */
static int
status_page(void *ctx, const char *path, const char *query, size_t query_len,
    const struct sockaddr *peer, struct buf *out, const char **type)
{
	struct serve *s = ctx;

	if (strcmp(path, "/done") == 0)
		return done_page(s, peer, query, query_len, out, type);
	if (strcmp(path, "/log") == 0) {
		*type = "text/plain; charset=utf-8";
		log_recent(out);
		return 0;
	}
	if (strcmp(path, "/support.tar.gz") == 0) {
		*type = "application/gzip";
		if (support(s, out) != 0)
			out->failed = 1; /* the client gets a 500 */
		return 0;
	}
	return status_server_page(s->status, path, query, query_len, out, type);
}

static int
start_http(struct serve *s, uint16_t port, int tls, struct http_server **out, char *err,
    size_t errlen)
{
	struct http_config hc;

	if (port == 0)
		return 0;
	memset(&hc, 0, sizeof(hc));
	hc.listen = s->cfg.listen;
	hc.port = port;
	hc.tls = tls;
	hc.tls_cert = s->cfg.tls_cert;
	hc.tls_key = s->cfg.tls_key;
	hc.state = s->cfg.state;
	hc.max_connections = s->cfg.http_max_connections;
	hc.max_per_client = s->cfg.http_max_per_client;
	hc.url_port = s->cfg.http_port;
	hc.tree = &s->vfs;
	hc.status = status_server_table(s->status);
	hc.page = status_page;
	hc.page_ctx = s;
	*out = http_server_start(&s->loop, &hc, err, errlen);
	return *out != NULL ? 0 : -1;
}

static int
start_tftp(struct serve *s, char *err, size_t errlen)
{
	struct tftp_config tc;

	if (s->cfg.tftp_port == 0)
		return 0;
	tc.listen = s->cfg.listen;
	tc.port = s->cfg.tftp_port;
	tc.max_transfers = s->cfg.tftp_max_transfers;
	tc.max_per_client = s->cfg.tftp_max_per_client;
	tc.url_port = s->cfg.http_port;
	tc.tree = &s->vfs;
	tc.status = status_server_table(s->status);
	s->tftp = tftp_server_start(&s->loop, &tc, err, errlen);
	return s->tftp != NULL ? 0 : -1;
}

static int
start_ntp(struct serve *s, char *err, size_t errlen)
{
	struct ntp_config nc;

	if (!s->cfg.ntp)
		return 0;
	nc.listen = s->cfg.listen;
	nc.port = s->cfg.ntp_port;
	nc.not_before = clock_floor(s);
	s->ntp = ntp_server_start(&s->loop, &nc, err, errlen);
	return s->ntp != NULL ? 0 : -1;
}

/* DHCP needs an interface to hold to; without one it stays off. */
static int
start_dhcp(struct serve *s, char *err, size_t errlen)
{
	const struct settings *cfg = &s->cfg;
	struct dhcp_config dc;

	if (cfg->dhcp == DHCP_MODE_OFF || cfg->interface[0] == '\0')
		return 0;
	dc.mode = cfg->dhcp;
	dc.interface = cfg->interface;
	dc.address = cfg->address;
	dc.prefix = cfg->prefix;
	dc.pool_start = cfg->pool_start;
	dc.pool_end = cfg->pool_end;
	dc.lease_time = cfg->lease_time;
	dc.router = cfg->router;
	dc.dns = cfg->dns;
	dc.ntp = s->ntp != NULL;
	dc.efi_boot = cfg->efi_boot;
	dc.reserve = cfg->reserve;
	dc.n_reserve = cfg->n_reserve;
	dc.http_port = cfg->http_port;
	dc.tftp_port = cfg->tftp_port;
	dc.state = cfg->state;
	dc.status = status_server_table(s->status);
	dc.clients = &s->clients;
	dc.on_mode = policy_changed;
	dc.mode_ctx = s;
	s->dhcp_starting = 1;
	s->dhcp = dhcp_server_start(&s->loop, &dc, err, errlen);
	s->dhcp_starting = 0;
	return s->dhcp != NULL ? 0 : -1;
}

static int
start_services(struct serve *s, char *err, size_t errlen)
{
	struct status_server_config sc;

	settings_socket(&s->cfg, s->socket, sizeof(s->socket));
	sc.socket = s->socket;
	sc.listen = s->cfg.listen;
	sc.interface = s->cfg.interface;
	sc.describe = describe;
	sc.describe_ctx = s;
	sc.on_live = client_live;
	sc.command = client_command;
	sc.hook_ctx = s;
	s->status = status_server_start(&s->loop, &sc);
	tell_status(s);
	if (start_http(s, s->cfg.http_port, 0, &s->http, err, errlen) != 0 ||
	    start_http(s, s->cfg.https_port, 1, &s->https, err, errlen) != 0 ||
	    start_tftp(s, err, errlen) != 0 || start_ntp(s, err, errlen) != 0 ||
	    start_dhcp(s, err, errlen) != 0)
		return -1;
	return 0;
}

static void
stop_services(struct serve *s)
{
	http_server_stop(s->http);
	http_server_stop(s->https);
	s->http = s->https = NULL;
	tftp_server_stop(s->tftp);
	s->tftp = NULL;
	dhcp_server_stop(s->dhcp);
	s->dhcp = NULL;
	ntp_server_stop(s->ntp);
	s->ntp = NULL;
	status_server_stop(s->status);
	s->status = NULL;
}

static void
log_serving(const struct serve *s)
{
	const char *a = s->cfg.listen[0] ? s->cfg.listen : "*";
	char d[96];
	struct buf line;

	buf_init(&line);
	buf_puts(&line, "serving");
	if (s->http)
		buf_printf(&line, " http://%s:%u/", a, s->cfg.http_port);
	if (s->https)
		buf_printf(&line, " https://%s:%u/", a, s->cfg.https_port);
	if (s->tftp)
		buf_printf(&line, " tftp://%s:%u/", a, s->cfg.tftp_port);
	if (s->ntp)
		buf_printf(&line, " ntp://%s:%u", a, s->cfg.ntp_port);
	describe_dhcp(s, d, sizeof(d));
	buf_printf(&line, "; dhcp %s; ISOs:", d);
	for (size_t i = 0; i < s->vfs->n_isos; i++)
		buf_printf(&line, " %s", s->vfs->isos[i].name);
	if (s->vfs->n_isos == 0)
		buf_puts(&line, " none");
	buf_printf(&line, "; script.cfg %s", s->vfs->script ? "with keys" :
	    "NOT served (no keys)");
	buf_printf(&line, "; pxestick %s", pxestick_version);
	log_msg("%s", buf_failed(&line) ? "serving" : line.data);
	buf_free(&line);
}

/* ---- main ---- */

/* --help, --check-config, --print-config: answered without serving.
 * The exit code, or -1 to go on. */
static int
answer_only(const struct serve *s, int check, int print)
{
	struct buf out;

	if (check) {
		printf("%s: ok\n", s->config ? s->config : "settings");
		return 0;
	}
	if (!print)
		return -1;
	buf_init(&out);
	if (print == 2)
		settings_man(&out);
	else
		settings_print(&s->cfg, &out);
	if (!buf_failed(&out))
		fwrite(out.data, 1, out.len, stdout);
	buf_free(&out);
	return 0;
}

static int
run(struct serve *s, const struct passwd *pw)
{
	sigset_t set;
	char err[512];

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	/* Blocked now, not when the loop starts: building the tree can take
	 * seconds (a new ISO is hashed), and a SIGHUP meanwhile (the appliance
	 * adds a stick's ISOs) would end the process.  The loop's signalfd
	 * takes what arrived. */
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* The state dir first: the tree keeps its ISO verdicts there. */
	if (state_dir_prepare(&s->cfg, pw) != 0)
		return 1;
	if ((s->vfs = build_tree(s, &s->cfg, 0, err, sizeof(err))) == NULL) {
		log_msg("%s", err);
		return 1;
	}
	if (loop_signals(&s->loop, &set, on_signal, s) != 0)
		return 1;
	clients_free(&s->clients);
	build_clients(&s->cfg, &s->clients);
	if (clients_load_done(&s->clients, open(s->cfg.state, O_RDONLY | O_DIRECTORY | O_CLOEXEC),
	    err, sizeof(err)) != 0)
		log_msg("clients: %s/%s", s->cfg.state, err);
	check_client_entries(s);
	if (start_services(s, err, sizeof(err)) != 0) {
		log_msg("%s", err);
		return 1;
	}
	if (drop_privileges(&s->cfg, pw) != 0)
		return 1;
	log_serving(s);
	policy_changed(s);
	say_clock(s);
	check_payload(s);
	/* From here on, a turn's log lines go out in one write. */
	log_batch(1);
	s->loop.after_turn = log_flush;
	return loop_run(&s->loop) == 0 ? 0 : 1;
}

int
serve_main(int argc, char **argv)
{
	struct serve *s;
	struct passwd *pw = NULL;
	char err[512];
	int check = 0, print = 0, rc;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(serve_usage, stdout);
			fflush(stdout);
			settings_help(1);
			return 0;
		}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		fprintf(stderr, "pxestick serve: out of memory\n");
		return 1;
	}
	clients_init(&s->clients);
	rc = 2;
	if (parse_args(s, argc, argv, &check, &print) != 0 ||
	    settings_load(&s->cfg, s->config, s->argc, s->argv, err, sizeof(err)) != 0) {
		fprintf(stderr, "pxestick serve: %s\n", s->argv ? err : "out of memory");
		goto out;
	}
	if ((rc = answer_only(s, check, print)) >= 0)
		goto out;
	rc = 2;
	if (geteuid() == 0 && (pw = getpwnam(s->cfg.user)) == NULL) {
		fprintf(stderr, "pxestick serve: user %s does not exist (set user = NAME)\n",
		    s->cfg.user);
		goto out;
	}
	rc = 1;
	log_stamp(1); /* the server's lines say when */
	if (loop_init(&s->loop) != 0) {
		fprintf(stderr, "pxestick serve: epoll: %s\n", strerror(errno));
		goto out;
	}
	loop_timer_init(&s->rebuild, rebuild, s);
	rc = run(s, pw);
	log_batch(0);
	payload_check_stop(&s->payload, &s->loop);
	isocheck_stop(&s->isocheck, &s->loop);
	loop_timer_cancel(&s->loop, &s->rebuild);
	stop_services(s);
	vfs_unref(s->vfs);
	clients_free(&s->clients);
	loop_free(&s->loop);
out:
	free(s->argv);
	free(s);
	return rc;
}

int
serve_socket_path(const char *config, char *sock, size_t size, char *err, size_t errlen)
{
	struct settings *cfg = malloc(sizeof(*cfg));

	if (config == NULL)
		config = default_config();
	if (cfg == NULL || settings_load(cfg, config, 0, NULL, err, errlen) != 0) {
		if (cfg == NULL)
			snprintf(err, errlen, "out of memory");
		free(cfg);
		return -1;
	}
	settings_socket(cfg, sock, size);
	free(cfg);
	return 0;
}
