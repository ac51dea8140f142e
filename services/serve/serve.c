/*
 * `pxestick serve`: settings, file tree, sockets, privilege drop, loop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "dhcp/dhcp.h"
#include "http/http.h"
#include "serve/serve.h"
#include "status/status_serve.h"
#include "tftp/tftp.h"

static const char serve_usage[] =
    "usage: pxestick serve [--config FILE] [--check-config] [--KEY VALUE]...\n"
    "\n"
    "Serve every Arch ISO given over HTTP(S), TFTP and DHCP from one process.\n"
    "Every --KEY is also a `KEY = VALUE` line of the config file; flags win.\n"
    "A port of 0 turns that service off.  SIGHUP re-reads the config and the\n"
    "ISOs without dropping transfers in flight; SIGTERM/SIGINT stop.\n"
    "\n";

static void
log_line(void *ctx, const char *msg)
{
	(void)ctx;
	log_msg("%s", msg);
}

/* Split argv into --config/--check-config and the setting flags. */
static int
parse_args(struct serve *s, int argc, char **argv, int *check)
{
	int n = 0;

	s->argv = calloc((size_t)argc + 1, sizeof(*s->argv));
	if (s->argv == NULL)
		return -1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			s->config = argv[++i];
		} else if (strcmp(argv[i], "--check-config") == 0) {
			*check = 1;
		} else {
			s->argv[n++] = argv[i];
		}
	}
	s->argc = n;
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

static void
reload(struct serve *s)
{
	struct settings next;
	struct vfs *v;
	char err[512];

	log_msg("SIGHUP: reloading %s and the ISOs", s->config ? s->config : "settings");
	if (settings_load(&next, s->config, s->argc, s->argv, err, sizeof(err)) != 0) {
		log_msg("reload failed, keeping the running settings: %s", err);
		return;
	}
	if (next.http_port != s->cfg.http_port || next.https_port != s->cfg.https_port ||
	    next.tftp_port != s->cfg.tftp_port || next.dhcp != s->cfg.dhcp ||
	    strcmp(next.listen, s->cfg.listen) != 0 || strcmp(next.interface, s->cfg.interface) != 0)
		log_msg("ports, listen address, interface and DHCP mode take effect at the "
		    "next start only");
	v = vfs_build(&next, log_line, NULL, err, sizeof(err));
	if (v == NULL) {
		log_msg("reload failed, keeping the running tree: %s", err);
		return;
	}
	/* Transfers in flight hold references to the old tree. */
	vfs_unref(s->vfs);
	s->vfs = v;
	s->cfg.menu_timeout = next.menu_timeout;
	log_msg("reloaded: %zu ISO(s) served, %zu refused, script.cfg %s", v->n_isos,
	    v->n_refused, v->script ? "served" : "not served");
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

static int
start_services(struct serve *s, char *err, size_t errlen)
{
	s->status_srv = status_server_start(s);
	if (s->cfg.http_port != 0 &&
	    (s->http = http_server_start(s, s->cfg.http_port, 0, err, errlen)) == NULL)
		return -1;
	if (s->cfg.https_port != 0 &&
	    (s->https = http_server_start(s, s->cfg.https_port, 1, err, errlen)) == NULL)
		return -1;
	if (s->cfg.tftp_port != 0 && (s->tftp = tftp_server_start(s, err, errlen)) == NULL)
		return -1;
	/* DHCP needs an interface to hold to; without one it stays off. */
	if (s->cfg.dhcp != DHCP_MODE_OFF && s->cfg.interface[0] != '\0' &&
	    (s->dhcp = dhcp_server_start(s, err, errlen)) == NULL)
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
	status_server_stop(s->status_srv);
	s->status_srv = NULL;
}

static void
log_serving(const struct serve *s)
{
	char line[1024], a[64], d[64];
	size_t o;

	snprintf(a, sizeof(a), "%s", s->cfg.listen[0] ? s->cfg.listen : "*");
	o = (size_t)snprintf(line, sizeof(line), "serving");
	if (s->http)
		o += (size_t)snprintf(line + o, sizeof(line) - o, " http://%s:%u/", a, s->cfg.http_port);
	if (s->https && o < sizeof(line))
		o += (size_t)snprintf(line + o, sizeof(line) - o, " https://%s:%u/", a,
		    s->cfg.https_port);
	if (s->tftp && o < sizeof(line))
		o += (size_t)snprintf(line + o, sizeof(line) - o, " tftp://%s:%u/", a,
		    s->cfg.tftp_port);
	if (s->dhcp)
		dhcp_server_describe(s->dhcp, d, sizeof(d));
	else
		snprintf(d, sizeof(d), "off%s", s->cfg.dhcp != DHCP_MODE_OFF ?
		    " (no interface set)" : "");
	if (o < sizeof(line))
		o += (size_t)snprintf(line + o, sizeof(line) - o, "; dhcp %s", d);
	if (o < sizeof(line))
		o += (size_t)snprintf(line + o, sizeof(line) - o, "; ISOs:");
	for (size_t i = 0; i < s->vfs->n_isos && o < sizeof(line); i++)
		o += (size_t)snprintf(line + o, sizeof(line) - o, " %s", s->vfs->isos[i].name);
	if (s->vfs->n_isos == 0 && o < sizeof(line))
		o += (size_t)snprintf(line + o, sizeof(line) - o, " none");
	if (o < sizeof(line))
		snprintf(line + o, sizeof(line) - o, "; script.cfg %s",
		    s->vfs->script ? "with keys" : "NOT served (no keys)");
	log_msg("%s", line);
}

int
serve_main(int argc, char **argv)
{
	struct serve s;
	struct passwd *pw = NULL;
	sigset_t set;
	char err[512];
	int check = 0, rc = 1;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(serve_usage, stdout);
			fflush(stdout);
			settings_help(1);
			return 0;
		}
	memset(&s, 0, sizeof(s));
	if (parse_args(&s, argc, argv, &check) != 0 ||
	    settings_load(&s.cfg, s.config, s.argc, s.argv, err, sizeof(err)) != 0) {
		fprintf(stderr, "pxestick serve: %s\n", err);
		free(s.argv);
		return 2;
	}
	if (check) {
		printf("%s: ok\n", s.config ? s.config : "settings");
		free(s.argv);
		return 0;
	}
	if (geteuid() == 0 && (pw = getpwnam(s.cfg.user)) == NULL) {
		fprintf(stderr, "pxestick serve: user %s does not exist (set user = NAME)\n",
		    s.cfg.user);
		free(s.argv);
		return 2;
	}
	if (loop_init(&s.loop) != 0) {
		fprintf(stderr, "pxestick serve: epoll: %s\n", strerror(errno));
		free(s.argv);
		return 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	signal(SIGPIPE, SIG_IGN);
	/* The state dir first: the tree keeps its ISO verdicts there. */
	if (state_dir_prepare(&s.cfg, pw) != 0)
		goto out;
	s.vfs = vfs_build(&s.cfg, log_line, NULL, err, sizeof(err));
	if (s.vfs == NULL || loop_signals(&s.loop, &set, on_signal, &s) != 0) {
		if (s.vfs == NULL)
			log_msg("%s", err);
		goto out;
	}
	if (start_services(&s, err, sizeof(err)) != 0) {
		log_msg("%s", err);
		goto out;
	}
	if (drop_privileges(&s.cfg, pw) != 0)
		goto out;
	log_serving(&s);
	/* From here on, a turn's log lines go out in one write. */
	log_batch(1);
	s.loop.after_turn = log_flush;
	rc = loop_run(&s.loop) == 0 ? 0 : 1;
out:
	log_batch(0);
	stop_services(&s);
	vfs_unref(s.vfs);
	loop_free(&s.loop);
	free(s.argv);
	return rc;
}
