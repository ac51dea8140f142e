/*
 * The payload check beside the event loop: a child process probes each
 * (ISO, URL) pair in turn -- name lookups and dead caches block there,
 * not in the loop -- and writes one fixed-size verdict per probe to a
 * pipe; the loop reads them and points each ISO at the first URL that
 * passed (common/child.h carries the records).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "common/buf.h"
#include "common/child.h"
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
	struct child child;
	struct vfs *v;
	struct payload_url urls[PAYLOAD_MAX_URLS];
	size_t n;
	size_t served;          /* ISOs a URL took */
};

/* ---- the child ---- */

/* /iso/NAME/BASEDIR/x86_64/ROOTFS as a URL's path (out: size bytes). */
static void
rootfs_path(const struct archiso *a, char *out, size_t size)
{
	char raw[VFS_MAX_PATH];
	struct buf b;

	snprintf(raw, sizeof(raw), "/iso/%s/%s/x86_64/%s", a->name, a->basedir, a->rootfs);
	buf_init(&b);
	buf_url_path(&b, raw);
	snprintf(out, size, "%s", buf_failed(&b) || b.data == NULL ? "" : b.data);
	buf_free(&b);
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
	child_put(fd, &r, sizeof(r));
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

static void
child(int fd, void *arg)
{
	static uint8_t head[PAYLOAD_PROBE_BYTES];
	const struct payload_run *r = arg;
	struct vfs *v = r->v;
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
		for (size_t j = 0; j < r->n; j++) {
			int ok = payload_probe(&r->urls[j], path, size, head, (size_t)len,
			    PROBE_TIMEOUT_MS, why, sizeof(why)) == 0;

			tell(fd, i, j, ok, ok ? "" : why);
			if (ok)
				break;
		}
	}
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
apply(void *ctx, const void *rec)
{
	struct payload_run *r = ctx;
	const struct verdict *d = rec;
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

/* The check ended (the child exited): say what came of it. */
static void
finish(void *ctx, int status)
{
	struct payload_run *r = ctx;

	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		log_msg("payload: the check ended abnormally (status %d): clients load the "
		    "ISOs it did not judge from pxestick", status);
	log_msg("payload: check done: %zu of %zu ISO(s) load from payload URLs, the others "
	    "from pxestick", r->served, r->v->n_isos);
	for (size_t i = 0; i < r->v->n_isos; i++)
		if (strncmp(r->v->isos[i].payload_note, "checking", 8) == 0)
			vfs_set_payload(r->v, i, "", "not checked (the check ended early)");
}

void
payload_check_stop(struct payload_run **run, struct loop *l)
{
	struct payload_run *r = *run;

	if (r == NULL)
		return;
	child_stop(&r->child, l);
	vfs_unref(r->v);
	free(r);
	*run = NULL;
}

int
payload_check_start(struct payload_run **run, struct loop *l, struct vfs *v,
    const struct payload_url *urls, size_t n)
{
	struct payload_run *r;

	payload_check_stop(run, l);
	for (size_t i = 0; i < v->n_isos; i++)
		vfs_set_payload(v, i, "", n > 0 ? "checking the payload URLs" : "");
	if (n == 0 || v->n_isos == 0)
		return 0;
	if (n > PAYLOAD_MAX_URLS)
		n = PAYLOAD_MAX_URLS;
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		log_msg("payload: cannot start the check (out of memory): clients load from "
		    "pxestick");
		return -1;
	}
	memcpy(r->urls, urls, n * sizeof(*urls));
	r->n = n;
	r->v = v;
	if (child_start(&r->child, l, sizeof(struct verdict), child, r, apply, finish, r) != 0) {
		log_msg("payload: cannot start the check (%s): clients load from pxestick",
		    strerror(errno));
		free(r);
		return -1;
	}
	vfs_ref(v);
	*run = r;
	log_msg("payload: checking %zu URL(s) for %zu ISO(s)", n, v->n_isos);
	return 0;
}
