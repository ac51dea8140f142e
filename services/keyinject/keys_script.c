/*
 * script.cfg: install the valid keys for root, start sshd, run the steps.
 * The contract is in keys.h.
 *
 * Nothing from the key file or the extra script is ever shell syntax here:
 * each line is printed by `printf '%s\n' WORD`, WORD single-quoted as git's
 * sq_quote_buf() does (a ' becomes '\''), and the key lines have already
 * been refused if they hold a control byte.  A single-quoted word can hold
 * any byte but NUL and the quote itself, so that is the whole defence.
 */
#include <stdio.h>
#include <string.h>

#include "keyinject/keys_internal.h"

_Static_assert(KEYS_MAX_EXTRA == 256u * 1024, "keys_step_check() names the limit");
_Static_assert(KEYS_MAX_STEPS == 64, "keys_script() names the limit");

/* Output that counts what it could not store, as snprintf. */
struct sink {
	char *out;
	size_t size;
	size_t len;
};

static void
put(struct sink *s, const char *p, size_t n)
{
	if (s->len < s->size) {
		size_t room = s->size - s->len - 1;

		memcpy(s->out + s->len, p, n < room ? n : room);
	}
	s->len += n;
}

static void
put_str(struct sink *s, const char *str)
{
	put(s, str, strlen(str));
}

/* The inside of a single-quoted word (the quotes are the caller's). */
static void
put_sq_body(struct sink *s, const char *p, size_t n)
{
	size_t i, start = 0;

	for (i = 0; i < n; i++) {
		if (p[i] != '\'')
			continue;
		put(s, p + start, i - start);
		put_str(s, "'\\''");
		start = i + 1;
	}
	put(s, p + start, n - start);
}

static void
put_printf_start(struct sink *s)
{
	put_str(s, "\tprintf '%s\\n' '");
}

static const char script_head[] =
    "#!/bin/sh\n"
    "# script.cfg from pxestick: installs the SSH keys for root, starts sshd,\n"
    "# then runs the steps, if there are any.  Safe to run again.\n"
    "#\n"
    "# Testing only: PXESTICK_ROOT=DIR installs below DIR instead of /, skips\n"
    "# chown, and starts sshd only through $PXESTICK_SYSTEMCTL, if that is set.\n"
    "set -eu\n"
    "umask 077\n"
    "\n"
    "root=${PXESTICK_ROOT:-}\n"
    "ssh_dir=$root/root/.ssh\n"
    "status=0\n"
    "\n"
    "mkdir -p \"$ssh_dir\"\n"
    "chmod 0700 \"$ssh_dir\"\n"
    "tmp=$(mktemp \"$ssh_dir/authorized_keys.XXXXXX\")\n"
    "trap 'rm -f \"$tmp\"' EXIT\n"
    "# Each key is one single-quoted word: data, never shell.\n"
    "# shellcheck disable=SC1003,SC2016\n"
    "{\n";

static const char script_install[] =
    "} > \"$tmp\"\n"
    "chmod 0600 \"$tmp\"\n"
    "if [ -z \"$root\" ]; then\n"
    "\tchown root:root \"$ssh_dir\" \"$tmp\"\n"
    "fi\n"
    "mv -f \"$tmp\" \"$ssh_dir/authorized_keys\"\n"
    "trap - EXIT\n";

static const char script_sshd[] =
    "\n"
    "if [ -z \"$root\" ]; then\n"
    "\tsystemctl=systemctl\n"
    "else\n"
    "\tsystemctl=${PXESTICK_SYSTEMCTL:-}\n"
    "fi\n"
    "if [ -z \"$systemctl\" ]; then\n"
    "\techo \"pxestick: PXESTICK_ROOT is set: sshd not started\"\n"
    "elif ! \"$systemctl\" start sshd; then\n"
    "\techo \"pxestick: 'systemctl start sshd' failed: no SSH logins until sshd runs\" >&2\n"
    "\tstatus=1\n"
    "fi\n";

/* Defined once when there are steps; each step then calls it. */
static const char script_step_fn[] =
    "\n"
    "# pxestick_step NAME FILE RUNNER: one step in its own process (RUNNER sh,\n"
    "# or '' for a file with its own #!), its name said\n"
    "# first; a failure is said and remembered, and the next step still runs.\n"
    "pxestick_step() {\n"
    "\techo \"pxestick: step $1\"\n"
    "\tchmod 0700 \"$2\"\n"
    "\tif ${3:+\"$3\"} \"$2\"; then\n"
    "\t\techo \"pxestick: step $1: done\"\n"
    "\telse\n"
    "\t\trc=$?\n"
    "\t\techo \"pxestick: step $1 FAILED (exit $rc)\" >&2\n"
    "\t\tstatus=$rc\n"
    "\tfi\n"
    "\trm -f \"$2\"\n"
    "\ttrap - EXIT\n"
    "}\n";

static const char script_step_head[] =
    "step=$(mktemp \"${TMPDIR:-/tmp}/pxestick-step.XXXXXX\")\n"
    "trap 'rm -f \"$step\"' EXIT\n"
    "# The step, line by line, as data like the keys.\n"
    "# shellcheck disable=SC1003,SC2016\n"
    "{\n";

/* The keys block: one printf per valid key; the rest go to report(). */
static void
put_keys(struct sink *out, struct keys_scan *s, keys_report_fn *report, void *ctx)
{
	const struct keys_key *k = &s->key;
	const char *name;
	int rc;

	while ((rc = keys_scan_next(s)) != KEYS_END) {
		if (rc != KEYS_KEY) {
			if (report != NULL)
				report(ctx, s, rc);
			continue;
		}
		name = keys_type_name(k->type);
		put_printf_start(out);
		if (k->options != NULL) {
			put_sq_body(out, k->options, k->options_len);
			put_str(out, " ");
		}
		put_str(out, name);
		put_str(out, " ");
		put(out, k->base64, k->base64_len);
		if (k->comment != NULL) {
			put_str(out, " ");
			put_sq_body(out, k->comment, k->comment_len);
		}
		put_str(out, "'\n");
	}
	if (s->nkeys == 0)
		put_str(out, "\t: # no valid key in the file\n");
}

static void
put_summary(struct sink *out, unsigned nkeys)
{
	char line[128];

	if (nkeys == 0) {
		put_str(out, "echo \"pxestick: no valid SSH key: root cannot log in over "
		    "SSH\" >&2\nstatus=1\n");
		return;
	}
	snprintf(line, sizeof(line), "echo \"pxestick: installed %u SSH key%s for root\"\n",
	    nkeys, nkeys == 1 ? "" : "s");
	put_str(out, line);
}

int
keys_step_check(const char *text, size_t len, const char **why)
{
	if (len > KEYS_MAX_EXTRA) {
		*why = "larger than 256 KiB (KEYS_MAX_EXTRA)";
		return -1;
	}
	if (len > 0 && memchr(text, '\0', len) != NULL) {
		*why = "holds a NUL byte (not a shell script?)";
		return -1;
	}
	return 0;
}

/* One step: its text, one printf per line (CRLF becomes LF), then the
 * call that runs it. */
static void
put_step(struct sink *out, const struct keys_step *st)
{
	const char *p = st->text, *nl;
	size_t rem = st->len, n;

	put_str(out, "\n# step: ");
	/* A comment ends at a newline: the name's own are left out. */
	for (const char *c = st->name; *c; c++)
		put(out, *c == '\n' || *c == '\r' ? "?" : c, 1);
	put_str(out, "\n");
	put_str(out, script_step_head);
	while (rem > 0) {
		nl = memchr(p, '\n', rem);
		n = nl != NULL ? (size_t)(nl - p) : rem;
		put_printf_start(out);
		put_sq_body(out, p, n > 0 && p[n - 1] == '\r' ? n - 1 : n);
		put_str(out, "'\n");
		p += n;
		rem -= n;
		if (nl != NULL) {
			p++;
			rem--;
		}
	}
	put_str(out, "} > \"$step\"\npxestick_step '");
	put_sq_body(out, st->name, strlen(st->name));
	/* "#!" means its own interpreter; anything else is sh's. */
	put_str(out, st->len >= 2 && memcmp(st->text, "#!", 2) == 0 ? "' \"$step\" ''\n" :
	    "' \"$step\" sh\n");
}

size_t
keys_script(char *out, size_t size, const void *keys, size_t keys_len,
    const struct keys_step *steps, size_t n_steps, struct keys_scan *s,
    keys_report_fn *report, void *ctx, const char **err)
{
	struct sink sink = { out, size, 0 };

	*err = NULL;
	if (n_steps > KEYS_MAX_STEPS) {
		*err = "more than 64 steps (KEYS_MAX_STEPS)";
		return 0;
	}
	for (size_t i = 0; i < n_steps; i++)
		if (keys_step_check(steps[i].text, steps[i].len, err) != 0)
			return 0;
	keys_scan_init(s, keys, keys_len);
	put_str(&sink, script_head);
	put_keys(&sink, s, report, ctx);
	put_str(&sink, script_install);
	put_summary(&sink, s->nkeys);
	put_str(&sink, script_sshd);
	if (n_steps > 0)
		put_str(&sink, script_step_fn);
	for (size_t i = 0; i < n_steps; i++)
		put_step(&sink, &steps[i]);
	put_str(&sink, "exit \"$status\"\n");
	if (size > 0)
		out[sink.len < size ? sink.len : size - 1] = '\0';
	return sink.len;
}
