#include "serve/support.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/civil.h"
#include "common/log.h"
#include "common/targz.h"
#include "common/util.h"
#include "common/version.h"

#define SUPPORT_MAX_FILE (4u * 1024 * 1024) /* a file larger: its first 4 MiB */

/* The state files a helper reads; never the TLS key or anything else. */
static const char *const state_files[] = { "dhcp-leases", "verified-isos", "boot-once" };

/* path (relative to dirfd, or absolute) into out: 0, or -1 with the
 * reason in why. */
static int
slurp(int dirfd, const char *path, struct buf *out, char *why, size_t whylen)
{
	int fd = openat(dirfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	size_t len;
	char *data;
	int rc;

	if (fd < 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	data = malloc(SUPPORT_MAX_FILE);
	rc = data != NULL ? read_all(fd, data, SUPPORT_MAX_FILE, &len) : -1;
	if (rc < 0)
		snprintf(why, whylen, "%s", data == NULL ? "out of memory" : strerror(errno));
	else
		buf_append(out, data, len);
	free(data);
	close(fd);
	return rc < 0 ? -1 : 0;
}

/* The settings as config lines, tls-key's value left out. */
static void
config_text(const struct settings *cfg, struct buf *out)
{
	struct buf all;
	const char *p, *end;

	buf_init(&all);
	settings_print(cfg, &all);
	buf_puts(out, "# the effective settings (pxestick serve --print-config)\n");
	if (all.data == NULL) {
		buf_free(&all);
		return;
	}
	for (p = all.data, end = all.data + all.len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(end - p);

		if (strncmp(p, "tls-key = ", 10) == 0 && n > 11)
			buf_puts(out, "tls-key = (left out)\n");
		else
			buf_append(out, p, n);
		p += n;
	}
	buf_free(&all);
}

static void
add(struct targz *t, const char *name, const struct buf *b, int64_t now)
{
	(void)targz_add(t, name, b->len > 0 ? b->data : "", b->len, now);
}

int
support_bundle(const struct settings *cfg, const struct buf *status_json, int64_t now,
    struct buf *out)
{
	struct targz *t = malloc(sizeof(*t));
	struct buf readme, b;
	char when[32], why[128];
	int dirfd, rc;

	if (t == NULL)
		return -1;
	buf_init(&readme);
	civil_format_utc(now, when, sizeof(when));
	buf_printf(&readme, "pxestick support bundle\nversion: pxestick %s\nmade: %s UTC\n\n"
	    "pxestick.log  the server's recent log\nconfig.txt    the effective settings "
	    "(tls-key left out)\nstatus.json   what /status showed (docs/STATUS.md)\n",
	    pxestick_version, when);
	targz_begin(t, out);

	buf_init(&b);
	log_recent(&b);
	add(t, "pxestick.log", &b, now);
	buf_free(&b);

	buf_init(&b);
	config_text(cfg, &b);
	add(t, "config.txt", &b, now);
	buf_free(&b);
	add(t, "status.json", status_json, now);

	if (cfg->boot_log[0] != '\0') {
		buf_init(&b);
		if (slurp(AT_FDCWD, cfg->boot_log, &b, why, sizeof(why)) == 0) {
			add(t, "boot.log", &b, now);
			buf_printf(&readme, "boot.log      the appliance's boot log\n");
		} else {
			buf_printf(&readme, "(boot.log: %s: %s)\n", cfg->boot_log, why);
		}
		buf_free(&b);
	}
	dirfd = open(cfg->state, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (size_t i = 0; i < ARRAY_LEN(state_files); i++) {
		buf_init(&b);
		if (dirfd >= 0 && slurp(dirfd, state_files[i], &b, why, sizeof(why)) == 0) {
			add(t, state_files[i], &b, now);
			buf_printf(&readme, "%-13s from the state directory %s\n", state_files[i],
			    cfg->state);
		} else {
			buf_printf(&readme, "(%s: %s)\n", state_files[i],
			    dirfd < 0 ? "no state directory" : why);
		}
		buf_free(&b);
	}
	if (dirfd >= 0)
		close(dirfd);
	add(t, "README.txt", &readme, now);
	buf_free(&readme);
	rc = targz_end(t);
	free(t);
	return rc;
}
