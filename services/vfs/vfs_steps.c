/*
 * script.cfg's steps (vfs_steps.h).
 *
 * The steps pxestick writes itself find the server the way the live
 * system does: archiso_http_srv= on the kernel command line (boot.ipxe
 * put it there), and the machine as BOOTIF=01-aa-bb-... -- so one
 * script.cfg serves every client and every address of the appliance.
 * Under PXESTICK_ROOT (tests) they read $PXESTICK_ROOT/proc/cmdline and
 * write below it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/limits.h"
#include "common/util.h"
#include "vfs/vfs_steps.h"

/* What every generated step starts with: the server and the machine. */
static const char step_prologue[] =
    "#!/bin/sh\n"
    "set -u\n"
    "root=${PXESTICK_ROOT:-}\n"
    "cmdline=$(cat \"$root/proc/cmdline\")\n"
    "srv=$(printf '%s\\n' \"$cmdline\" | sed -n 's|.*archiso_http_srv=\\(https\\{0,1\\}://[^/ ]*\\).*|\\1|p')\n"
    "if [ -z \"$srv\" ]; then\n"
    "\techo \"no archiso_http_srv= on the kernel command line: not booted by pxestick?\" >&2\n"
    "\texit 1\n"
    "fi\n";

static void
logf_(vfs_log_fn *log, void *ctx, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
logf_(vfs_log_fn *log, void *ctx, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log != NULL)
		log(ctx, msg);
}

/* Take name and text (copied) as the next step.  0, or -1 (full, memory). */
static int
add(struct keys_step *steps, size_t *n, size_t max, const char *name, const char *text,
    size_t len)
{
	char *nm, *tx;

	if (*n == max)
		return -1;
	nm = strdup(name);
	tx = malloc(len + 1);
	if (nm == NULL || tx == NULL) {
		free(nm);
		free(tx);
		return -1;
	}
	memcpy(tx, text, len);
	tx[len] = '\0';
	steps[*n].name = nm;
	steps[*n].text = tx;
	steps[*n].len = len;
	(*n)++;
	return 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One *.sh of the directory dirfd: 0 with its text, or -1 with why. */
static int
read_step(int dirfd, const char *name, char **text, size_t *len, const char **why)
{
	struct stat st;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK), rc;

	*text = NULL;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		*why = fd < 0 ? strerror(errno) : "not a regular file";
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if ((*text = malloc(KEYS_MAX_EXTRA + 1)) == NULL) {
		close(fd);
		*why = "out of memory";
		return -1;
	}
	rc = read_all(fd, *text, KEYS_MAX_EXTRA, len);
	close(fd);
	if (rc != 0) {
		*why = rc > 0 ? "larger than 256 KiB" : strerror(errno);
		return -1;
	}
	return keys_step_check(*text, *len, why);
}

/* The extra-scripts directory's *.sh, in name order. */
static void
extra_steps(const char *dir, struct keys_step *steps, size_t *n, size_t max, vfs_log_fn *log,
    void *ctx)
{
	char *names[KEYS_MAX_STEPS];
	size_t nn = 0, taken = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d == NULL) {
		logf_(log, ctx, "extra-scripts %s: %s: no steps run", dir, strerror(errno));
		return;
	}
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		if (de->d_name[0] == '.' || l < 4 || strcmp(de->d_name + l - 3, ".sh") != 0)
			continue;
		if (nn == KEYS_MAX_STEPS) {
			logf_(log, ctx, "extra-scripts %s: more than %d *.sh: %s and later ones "
			    "left out", dir, KEYS_MAX_STEPS, de->d_name);
			continue;
		}
		if ((names[nn] = strdup(de->d_name)) != NULL)
			nn++;
	}
	qsort(names, nn, sizeof(names[0]), by_name);
	for (size_t i = 0; i < nn; i++) {
		const char *why;
		char *text;
		size_t len = 0;

		if (read_step(dirfd(d), names[i], &text, &len, &why) != 0)
			logf_(log, ctx, "extra-scripts %s/%s: %s: left out", dir, names[i], why);
		else if (add(steps, n, max, names[i], text, len) == 0)
			taken++;
		free(text);
		free(names[i]);
	}
	closedir(d);
	if (nn > 0)
		logf_(log, ctx, "extra-scripts %s: %zu step(s) for script.cfg", dir, taken);
}

static const struct vfs_share *
share(const struct vfs *v, const char *name)
{
	for (size_t i = 0; i < v->n_shares; i++)
		if (strcmp(v->shares[i].name, name) == 0)
			return &v->shares[i];
	return NULL;
}

/* Does the share hold the regular file path? */
static int
has_file(const struct vfs_share *sh, const char *path)
{
	struct stat st;

	return sh != NULL && fstatat(sh->fd, path, &st, 0) == 0 && S_ISREG(st.st_mode);
}

/*
 * /repo/ laid out as an Arch mirror: REPO/os/x86_64/REPO.db for each
 * repository (core, extra, ...).  pacman is pointed there.
 */
static void
repo_step(const struct vfs *v, struct keys_step *steps, size_t *n, size_t max,
    vfs_log_fn *log, void *ctx)
{
	const struct vfs_share *sh = share(v, "repo");
	struct dirent *de;
	struct buf repos, text;
	char *names[32];
	size_t nn = 0;
	DIR *d;
	int fd;

	if (sh == NULL || (fd = openat(sh->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	buf_init(&repos);
	while ((de = readdir(d)) != NULL && nn < sizeof(names) / sizeof(names[0])) {
		char db[200];

		if (de->d_name[0] == '.' || strlen(de->d_name) > 64)
			continue;
		snprintf(db, sizeof(db), "%s/os/x86_64/%s.db", de->d_name, de->d_name);
		if (has_file(sh, db) && (names[nn] = strdup(de->d_name)) != NULL)
			nn++;
	}
	closedir(d);
	qsort(names, nn, sizeof(names[0]), by_name);
	for (size_t i = 0; i < nn; i++) {
		buf_printf(&repos, "%s%s", i ? " " : "", names[i]);
		free(names[i]);
	}
	if (repos.len == 0) {
		logf_(log, ctx, "share repo (%s): no REPO/os/x86_64/REPO.db in it: pacman is "
		    "not pointed at it", sh->path);
		buf_free(&repos);
		return;
	}
	buf_init(&text);
	buf_puts(&text, step_prologue);
	buf_puts(&text,
	    "# pacman installs from the appliance's /repo/, laid out as a mirror.\n"
	    "mkdir -p \"$root/etc/pacman.d\"\n"
	    "# shellcheck disable=SC2016\n"
	    "printf 'Server = %s/repo/$repo/os/$arch\\n' \"$srv\" > \"$root/etc/pacman.d/mirrorlist\"\n");
	buf_printf(&text, "echo \"pacman: packages from $srv/repo/ (%s)\"\n", repos.data);
	if (!buf_failed(&text) && add(steps, n, max, "pxestick: local package repository",
	    text.data, text.len) == 0)
		logf_(log, ctx, "share repo (%s): pacman in the live system installs from /repo/ "
		    "(%s)", sh->path, repos.data);
	buf_free(&repos);
	buf_free(&text);
}

/* "52:54:00:12:34:56" -> "52-54-00-12-34-56": file names Windows can hold. */
static void
mac_file(const char *mac, const char *suffix, char *out, size_t size)
{
	size_t i;

	for (i = 0; mac[i] != '\0' && i + 1 < size; i++)
		out[i] = mac[i] == ':' ? '-' : mac[i];
	out[i] = '\0';
	snprintf(out + i, size - i, "%s", suffix);
}

/* One case of the archinstall step: a machine (or *) and its files. */
static int
archinstall_case(const struct vfs_share *sh, const char *mac, struct buf *text,
    vfs_log_fn *log, void *ctx)
{
	char cfg[48], creds[48];
	int all = strcmp(mac, "all") == 0;

	mac_file(mac, ".json", cfg, sizeof(cfg));
	if (all || !has_file(sh, cfg))
		snprintf(cfg, sizeof(cfg), "default.json");
	if (!has_file(sh, cfg)) {
		logf_(log, ctx, "archinstall %s: no %s%s in %s: archinstall does not run there",
		    mac, all ? "" : cfg, all ? "default.json" : " nor default.json", sh->path);
		return -1;
	}
	mac_file(mac, ".creds.json", creds, sizeof(creds));
	if (all || !has_file(sh, creds))
		snprintf(creds, sizeof(creds), "creds.json");
	if (!has_file(sh, creds))
		creds[0] = '\0';
	buf_printf(text, "%s) cfg=%s creds=%s ;;\n", all ? "*" : mac, cfg, creds);
	return 0;
}

/*
 * archinstall for the machines named (it wipes the disks its config
 * names: opt-in per MAC, or all), then GET /done?status=... so /status
 * shows the result (and boot once, if on, takes the machine's disk next).
 */
static void
archinstall_step(const struct vfs_spec *spec, const struct vfs *v, struct keys_step *steps,
    size_t *n, size_t max, vfs_log_fn *log, void *ctx)
{
	const struct vfs_share *sh = share(v, "archinstall");
	struct buf text;
	size_t cases = 0, all = spec->n_archinstall;

	if (spec->n_archinstall == 0)
		return;
	if (sh == NULL) {
		logf_(log, ctx, "archinstall is set, but nothing is shared as /archinstall/ (an "
		    "archinstall/ folder on the stick, or share = archinstall PATH): it does not run");
		return;
	}
	buf_init(&text);
	buf_puts(&text, step_prologue);
	buf_puts(&text,
	    "mac=$(printf '%s\\n' \"$cmdline\" | sed -n 's/.*BOOTIF=01-\\([0-9A-Fa-f-]*\\).*/\\1/p' |\n"
	    "\ttr 'A-F-' 'a-f:')\n"
	    "cfg='' creds=''\n"
	    "case $mac in\n");
	/* The machines named first: "all" is the last case. */
	for (size_t i = 0; i < spec->n_archinstall; i++) {
		if (strcmp(spec->archinstall[i], "all") == 0)
			all = i;
		else if (archinstall_case(sh, spec->archinstall[i], &text, log, ctx) == 0)
			cases++;
	}
	if (all < spec->n_archinstall && archinstall_case(sh, "all", &text, log, ctx) == 0)
		cases++;
	buf_puts(&text,
	    "esac\n"
	    "if [ -z \"$cfg\" ]; then\n"
	    "\techo \"archinstall: not set for this machine ($mac)\"\n"
	    "\texit 0\n"
	    "fi\n"
	    "echo \"archinstall: $srv/archinstall/$cfg${creds:+ with $creds}\"\n"
	    "if archinstall --config \"$srv/archinstall/$cfg\" \\\n"
	    "\t${creds:+--creds \"$srv/archinstall/$creds\"} --silent; then\n"
	    "\tresult=ok\n"
	    "else\n"
	    "\tresult=archinstall-failed-$?\n"
	    "fi\n"
	    "curl -fsS -m 10 -o /dev/null \"$srv/done?status=$result\" ||\n"
	    "\techo \"could not tell $srv the result ($result)\" >&2\n"
	    "echo \"archinstall: $result\"\n"
	    "[ \"$result\" = ok ]\n");
	if (cases > 0 && !buf_failed(&text) &&
	    add(steps, n, max, "pxestick: archinstall", text.data, text.len) == 0)
		logf_(log, ctx, "archinstall: script.cfg runs it on %zu kind(s) of machine "
		    "(configs from %s)", cases, sh->path);
	buf_free(&text);
}

size_t
vfs_steps_collect(const struct vfs_spec *spec, const struct vfs *v, struct keys_step *steps,
    size_t max, vfs_log_fn *log, void *ctx)
{
	size_t n = 0;

	if (spec->extra_scripts != NULL && spec->extra_scripts[0] != '\0')
		extra_steps(spec->extra_scripts, steps, &n, max - 2, log, ctx);
	repo_step(v, steps, &n, max, log, ctx);
	archinstall_step(spec, v, steps, &n, max, log, ctx);
	return n;
}

void
vfs_steps_free(struct keys_step *steps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((char *)(uintptr_t)steps[i].name);
		free((char *)(uintptr_t)steps[i].text);
	}
}
