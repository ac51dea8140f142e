/*
 * script.cfg: install the valid keys for root, start sshd, run the extra
 * script.  The contract is in keys.h.
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

_Static_assert(KEYS_MAX_EXTRA == 256u * 1024, "keys_script() names the limit");

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
    "# then runs the extra script, if there is one.  Safe to run again.\n"
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

static const char script_extra_head[] =
    "\n"
    "extra=$(mktemp \"${TMPDIR:-/tmp}/pxestick-extra.XXXXXX\")\n"
    "trap 'rm -f \"$extra\"' EXIT\n"
    "# The extra script, line by line, as data like the keys.\n"
    "# shellcheck disable=SC1003,SC2016\n"
    "{\n";

static const char script_extra_tail[] =
    "} > \"$extra\"\n"
    "chmod 0700 \"$extra\"\n"
    "if %s\"$extra\"; then\n"
    "\t:\n"
    "else\n"
    "\trc=$?\n"
    "\techo \"pxestick: the extra script failed (exit $rc)\" >&2\n"
    "\tstatus=$rc\n"
    "fi\n"
    "rm -f \"$extra\"\n"
    "trap - EXIT\n";

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

/* The extra script, one printf per line; CRLF becomes LF. */
static void
put_extra(struct sink *out, const char *extra, size_t len)
{
	char cmd[sizeof(script_extra_tail) + 8];
	const char *p = extra, *nl;
	size_t rem = len, n;

	put_str(out, script_extra_head);
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
	/* "#!" means its own interpreter; anything else is sh's. */
	snprintf(cmd, sizeof(cmd), script_extra_tail,
	    len >= 2 && memcmp(extra, "#!", 2) == 0 ? "" : "sh ");
	put_str(out, cmd);
}

size_t
keys_script(char *out, size_t size, const void *keys, size_t keys_len,
    const char *extra, size_t extra_len, struct keys_scan *s,
    keys_report_fn *report, void *ctx, const char **err)
{
	struct sink sink = { out, size, 0 };

	*err = NULL;
	if (extra_len > KEYS_MAX_EXTRA) {
		*err = "the extra script is larger than 256 KiB (KEYS_MAX_EXTRA)";
		return 0;
	}
	if (extra_len > 0 && memchr(extra, '\0', extra_len) != NULL) {
		*err = "the extra script holds a NUL byte (not a shell script?)";
		return 0;
	}
	keys_scan_init(s, keys, keys_len);
	put_str(&sink, script_head);
	put_keys(&sink, s, report, ctx);
	put_str(&sink, script_install);
	put_summary(&sink, s->nkeys);
	put_str(&sink, script_sshd);
	if (extra_len > 0)
		put_extra(&sink, extra, extra_len);
	put_str(&sink, "exit \"$status\"\n");
	if (size > 0)
		out[sink.len < size ? sink.len : size - 1] = '\0';
	return sink.len;
}
