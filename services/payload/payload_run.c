/*
 * The payload check beside the event loop: a child process probes each
 * (ISO, URL) pair in turn -- name lookups and dead caches block there,
 * not in the loop -- and writes one fixed-size verdict per probe to a
 * pipe; the loop reads them and points each ISO at the first URL that
 * passed.  A verdict is shorter than PIPE_BUF, so each write is whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/loop.h"
#include "payload/payload.h"
#include "vfs/vfs.h"

#define PROBE_TIMEOUT_MS 10000

struct verdict {
	uint32_t iso, url;      /* url == PAYLOAD_MAX_URLS: about the ISO itself */
	int32_t ok;
	char why[240];
};

struct payload_run {
	pid_t pid;
	int fd;
	struct loop_fd h;
	struct vfs *v;
	struct payload_url urls[PAYLOAD_MAX_URLS];
	size_t n;
	struct verdict in;      /* the verdict being read */
	size_t have;
	size_t served;          /* ISOs a URL took */
};

/* ---- the child ---- */

/* /iso/NAME/BASEDIR/x86_64/ROOTFS, bytes outside [A-Za-z0-9._~/-] as %XX. */
static void
rootfs_path(const struct archiso *a, char *out, size_t size)
{
	char raw[VFS_MAX_PATH];
	size_t o = 0;

	snprintf(raw, sizeof(raw), "/iso/%s/%s/x86_64/%s", a->name, a->basedir, a->rootfs);
	for (const char *p = raw; *p && o + 4 < size; p++) {
		unsigned char c = (unsigned char)*p;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("._~/-", c) != NULL)
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, size - o, "%%%02X", c);
	}
	out[o] = '\0';
}

static void
tell(int fd, size_t iso, size_t url, int ok, const char *why)
{
	struct verdict r;

	memset(&r, 0, sizeof(r));
	r.iso = (uint32_t)iso;
	r.url = (uint32_t)url;
	r.ok = ok;
	snprintf(r.why, sizeof(r.why), "%s", why);
	if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(1);    /* the server went away */
}

/* The first bytes of ISO i's root image (the server's own copy). */
static ssize_t
read_head(struct vfs *v, const char *path, uint8_t *buf, uint64_t *size)
{
	struct vfs_file f;
	char clean[VFS_MAX_PATH];
	const char *reason;
	ssize_t n;

	if (vfs_path_clean(path, strlen(path), 1, clean, sizeof(clean), &reason) != 0 ||
	    vfs_open(v, clean, NULL, &f) != VFS_OK)
		return -1;
	*size = f.size;
	n = f.kind == VFS_ISO ? vfs_pread(&f, buf, PAYLOAD_PROBE_BYTES, 0) : -1;
	vfs_close(&f);
	return n;
}

static void __attribute__((noreturn))
child(int fd, struct vfs *v, const struct payload_url *urls, size_t n)
{
	static uint8_t head[PAYLOAD_PROBE_BYTES];
	char path[VFS_MAX_PATH], why[256];

	for (size_t i = 0; i < v->n_isos; i++) {
		uint64_t size = 0;
		ssize_t len;

		rootfs_path(v->isos[i].arch, path, sizeof(path));
		len = read_head(v, path, head, &size);
		if (len <= 0) {
			tell(fd, i, PAYLOAD_MAX_URLS, 0, "its root image could not be read here");
			continue;
		}
		for (size_t j = 0; j < n; j++) {
			int ok = payload_probe(&urls[j], path, size, head, (size_t)len,
			    PROBE_TIMEOUT_MS, why, sizeof(why)) == 0;

			tell(fd, i, j, ok, ok ? "" : why);
			if (ok)
				break;
		}
	}
	_exit(0);
}

/* ---- the loop's end ---- */

static void
note_append(char *note, size_t size, const char *fmt, const char *a, const char *b)
{
	size_t len = strlen(note);

	if (len < size)
		snprintf(note + len, size - len, fmt, a, b);
}

static void
apply(struct payload_run *r, const struct verdict *d)
{
	struct vfs_iso *vi;
	char note[sizeof(vi->payload_note)], why[sizeof(d->why)];

	if (d->iso >= r->v->n_isos || (d->url >= r->n && d->url != PAYLOAD_MAX_URLS))
		return;      /* cannot happen: our own child wrote it */
	vi = &r->v->isos[d->iso];
	snprintf(why, sizeof(why), "%.*s", (int)sizeof(d->why) - 1, d->why);
	/* The first verdict of an ISO replaces "checking". */
	snprintf(note, sizeof(note), "%s", d->url == 0 || d->url == PAYLOAD_MAX_URLS ? "" :
	    vi->payload_note);
	if (d->url == PAYLOAD_MAX_URLS) {
		log_msg("payload: %s: %s: clients load it from pxestick", vi->name, why);
		note_append(note, sizeof(note), "%s%s", why, "");
		vfs_set_payload(r->v, d->iso, "", note);
	} else if (d->ok) {
		log_msg("payload: %s: served from %s (its root image checked)", vi->name,
		    r->urls[d->url].text);
		r->served++;
		vfs_set_payload(r->v, d->iso, r->urls[d->url].text, note);
	} else {
		log_msg("payload: %s: %s refused: %s", vi->name, r->urls[d->url].text, why);
		note_append(note, sizeof(note), "%s refused: %s. ", r->urls[d->url].text, why);
		vfs_set_payload(r->v, d->iso, "", note);
	}
}

/* The check ended (pipe closed): reap the child, say what came of it. */
static void
finish(struct payload_run *r, struct loop *l)
{
	int status = 0;

	loop_del(l, &r->h);
	close(r->fd);
	r->fd = -1;
	while (waitpid(r->pid, &status, 0) < 0 && errno == EINTR)
		;
	r->pid = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		log_msg("payload: the check ended abnormally (status %d): clients load the "
		    "ISOs it did not judge from pxestick", status);
	log_msg("payload: check done: %zu of %zu ISO(s) load from payload URLs, the others "
	    "from pxestick", r->served, r->v->n_isos);
	for (size_t i = 0; i < r->v->n_isos; i++)
		if (strncmp(r->v->isos[i].payload_note, "checking", 8) == 0)
			vfs_set_payload(r->v, i, "", "not checked (the check ended early)");
}

static void
on_readable(struct loop *l, struct loop_fd *h, uint32_t events)
{
	struct payload_run *r = h->ctx;
	ssize_t n;

	(void)events;
	for (;;) {
		n = read(r->fd, (char *)&r->in + r->have, sizeof(r->in) - r->have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			finish(r, l);
			return;
		}
		r->have += (size_t)n;
		if (r->have == sizeof(r->in)) {
			apply(r, &r->in);
			r->have = 0;
		}
	}
}

void
payload_check_stop(struct payload_run **run, struct loop *l)
{
	struct payload_run *r = *run;

	if (r == NULL)
		return;
	if (r->pid > 0) {
		kill(r->pid, SIGKILL);
		while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (r->fd >= 0) {
		loop_del(l, &r->h);
		close(r->fd);
	}
	vfs_unref(r->v);
	free(r);
	*run = NULL;
}

int
payload_check_running(const struct payload_run *run)
{
	return run != NULL && run->pid > 0;
}

int
payload_check_start(struct payload_run **run, struct loop *l, struct vfs *v,
    const struct payload_url *urls, size_t n)
{
	struct payload_run *r;
	int p[2];

	payload_check_stop(run, l);
	for (size_t i = 0; i < v->n_isos; i++)
		vfs_set_payload(v, i, "", n > 0 ? "checking the payload URLs" : "");
	if (n == 0 || v->n_isos == 0)
		return 0;
	if (n > PAYLOAD_MAX_URLS)
		n = PAYLOAD_MAX_URLS;
	r = calloc(1, sizeof(*r));
	if (r == NULL || pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) {
		log_msg("payload: cannot start the check (%s): clients load from pxestick",
		    strerror(errno));
		free(r);
		return -1;
	}
	memcpy(r->urls, urls, n * sizeof(*urls));
	r->n = n;
	r->v = v;
	r->fd = p[0];
	r->pid = fork();
	if (r->pid == 0) {
		close(p[0]);
		/* Blocking writes: the loop reads as verdicts come. */
		fcntl(p[1], F_SETFL, 0);
		child(p[1], v, r->urls, n);
	}
	close(p[1]);
	if (r->pid < 0) {
		log_msg("payload: cannot start the check (fork: %s): clients load from pxestick",
		    strerror(errno));
		close(p[0]);
		free(r);
		return -1;
	}
	vfs_ref(v);
	loop_fd_init(&r->h, r->fd, on_readable, r);
	if (loop_add(l, &r->h, EPOLLIN) != 0) {
		r->fd = -1;
		close(p[0]);
		payload_check_stop(&r, l);
		log_msg("payload: cannot watch the check: clients load from pxestick");
		return -1;
	}
	*run = r;
	log_msg("payload: checking %zu URL(s) for %zu ISO(s)", n, v->n_isos);
	return 0;
}
