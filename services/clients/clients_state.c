/*
 * Boot-once records in STATE/boot-once (clients.h): read at start, the
 * whole file rewritten atomically at each change (they change a few
 * times per client boot, never at packet rate).
 *
 *   pxestick-boot-once 1
 *   D 52:54:00:12:34:56 1767225600     reached the live system then
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clients/clients.h"
#include "common/net.h"
#include "common/util.h"

#define DONE_FILE       "boot-once"
#define DONE_TMP        "boot-once.tmp"
#define DONE_HEADER     "pxestick-boot-once 1\n"

void
clients_free(struct clients *c)
{
	free(c->rules);
	free(c->done);
	if (c->dirfd >= 0)
		close(c->dirfd);
	clients_init(c);
}

/* One line "D MAC TIME" (NUL-terminated, no newline); 0, or -1. */
static int
parse_done(const char *line, struct client_done *d)
{
	char *end;
	long long at;

	if (strncmp(line, "D ", 2) != 0 || net_mac_parse(line + 2, strlen(line + 2), 0,
	    d->mac) != 17 || line[19] != ' ')
		return -1;
	errno = 0;
	at = strtoll(line + 20, &end, 10);
	if (errno != 0 || *end != '\0' || end == line + 20 || at < 0)
		return -1;
	d->at = at;
	return 0;
}

size_t
clients_parse_done(struct clients *c, const char *text, size_t len)
{
	size_t pos = 0;

	free(c->done);
	c->done = calloc(CLIENTS_MAX_DONE, sizeof(*c->done));
	c->n_done = 0;
	while (c->done != NULL && pos < len && c->n_done < CLIENTS_MAX_DONE) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - line) : len - pos;
		char copy[64];
		struct client_done d;

		pos += n + (nl != NULL);
		if (n >= sizeof(copy))
			continue;
		memcpy(copy, line, n);
		copy[n] = '\0';
		if (strlen(copy) == n && parse_done(copy, &d) == 0 && clients_done(c, d.mac) == NULL)
			c->done[c->n_done++] = d;
	}
	return c->n_done;
}

int
clients_load_done(struct clients *c, int dirfd, char *err, size_t errlen)
{
	const size_t max = CLIENTS_MAX_DONE * 40 + 64;
	char *text;
	size_t len = 0;
	int fd, rc = -1, e = 0;

	c->dirfd = dirfd;
	if (dirfd < 0)
		return 0;
	fd = openat(dirfd, DONE_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", DONE_FILE, strerror(errno));
		return -1;
	}
	text = malloc(max);
	if (text != NULL) {
		rc = read_all(fd, text, max, &len);
		e = errno;
	}
	close(fd);
	if (rc != 0) {
		/* Records in memory only: writing now would lose the unread. */
		c->dirfd = -1;
		close(dirfd);
		snprintf(err, errlen, "%s: %s: boot-once records are not kept", DONE_FILE,
		    text == NULL ? "out of memory" : rc > 0 ? "too large" : strerror(e));
		free(text);
		return -1;
	}
	clients_parse_done(c, text, len);
	free(text);
	return 0;
}

/* Write every record: temporary file, fsync, rename, directory fsync. */
static int
save(const struct clients *c)
{
	struct buf b;
	char mac[NET_MAC_STR];
	int fd, ok;

	if (c->dirfd < 0)
		return 0;
	buf_init(&b);
	buf_puts(&b, DONE_HEADER);
	for (size_t i = 0; i < c->n_done; i++)
		buf_printf(&b, "D %s %" PRId64 "\n", net_mac_str(c->done[i].mac, mac), c->done[i].at);
	(void)unlinkat(c->dirfd, DONE_TMP, 0);
	fd = openat(c->dirfd, DONE_TMP, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	ok = fd >= 0 && !buf_failed(&b) && write_all(fd, b.data, b.len) == 0 && fsync(fd) == 0;
	if (fd >= 0)
		ok = close(fd) == 0 && ok;
	ok = ok && renameat(c->dirfd, DONE_TMP, c->dirfd, DONE_FILE) == 0 && fsync(c->dirfd) == 0;
	if (!ok) {
		int e = errno; /* the caller reports it */

		(void)unlinkat(c->dirfd, DONE_TMP, 0);
		errno = e;
	}
	buf_free(&b);
	return ok ? 0 : -1;
}

int
clients_mark_done(struct clients *c, const uint8_t mac[6], int64_t now)
{
	if (!c->boot_once || clients_done(c, mac) != NULL)
		return 0;
	if (c->done == NULL && (c->done = calloc(CLIENTS_MAX_DONE, sizeof(*c->done))) == NULL)
		return -1;
	if (c->n_done == CLIENTS_MAX_DONE) {
		/* Full: the oldest record goes. */
		memmove(c->done, c->done + 1, (c->n_done - 1) * sizeof(*c->done));
		c->n_done--;
	}
	memcpy(c->done[c->n_done].mac, mac, 6);
	c->done[c->n_done].at = now;
	c->n_done++;
	return save(c) == 0 ? 1 : -1;
}

int
clients_reset(struct clients *c, const uint8_t mac[6])
{
	const struct client_done *d = clients_done(c, mac);
	size_t i;

	if (d == NULL)
		return 0;
	i = (size_t)(d - c->done);
	memmove(c->done + i, c->done + i + 1, (c->n_done - i - 1) * sizeof(*c->done));
	c->n_done--;
	return save(c) == 0 ? 1 : -1;
}
