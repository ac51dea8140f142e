/*
 * The child that hashes, and the loop's end of its records (isocheck.h,
 * common/child.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "common/child.h"
#include "common/log.h"
#include "common/loop.h"
#include "isocheck/isocheck.h"
#include "iso/iso.h"
#include "vfs/vfs.h"

enum { REC_PROGRESS, REC_PASSED, REC_REFUSED };

struct record {
	uint32_t iso;
	uint32_t kind;
	uint64_t done, total;
	char why[240];
};

struct isocheck {
	struct child child;
	struct vfs *v;
	isocheck_fn *fn;
	void *ctx;
};

/* ---- the child ---- */

struct progress {
	int fd;
	uint32_t iso;
	uint64_t last;          /* ms: the last record */
};

static void
put(int fd, uint32_t iso, uint32_t kind, uint64_t done, uint64_t total, const char *why)
{
	struct record r;

	memset(&r, 0, sizeof(r));
	r.iso = iso;
	r.kind = kind;
	r.done = done;
	r.total = total;
	snprintf(r.why, sizeof(r.why), "%s", why);
	child_put(fd, &r, sizeof(r));
}

/* At most twice a second: the status pages poll about that often. */
static void
on_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct progress *p = ctx;
	uint64_t now = loop_clock_ms();

	if (done < total && now - p->last < 500)
		return;
	p->last = now;
	put(p->fd, p->iso, REC_PROGRESS, done, total, "");
}

static void
check_one(int fd, uint32_t i, const char *path)
{
	static struct archiso a;
	struct progress p = { fd, i, 0 };
	struct iso_image *img;
	char err[512] = "";
	int ok;

	img = iso_open(path, err, sizeof(err));
	ok = img != NULL && archiso_load(&a, img, path, NULL, NULL, err, sizeof(err)) == 0 &&
	    archiso_verify_progress(&a, on_progress, &p, err, sizeof(err)) == 0;
	if (img != NULL)
		iso_close(img);
	put(fd, i, ok ? REC_PASSED : REC_REFUSED, 0, 0, ok ? "" : err);
}

static void
child(int fd, void *arg)
{
	const struct vfs *v = arg;

	for (size_t i = 0; i < v->n_waiting; i++)
		check_one(fd, (uint32_t)i, v->waiting[i].path);
}

/* ---- the loop's end ---- */

static void
apply(void *ctx, const void *rec)
{
	struct isocheck *r = ctx;
	const struct record *d = rec;
	char why[sizeof(d->why)];

	if (d->iso >= r->v->n_waiting)
		return;       /* cannot happen: our own child wrote it */
	if (d->kind == REC_PROGRESS) {
		r->v->waiting[d->iso].done = d->done;
		r->v->waiting[d->iso].total = d->total;
		return;
	}
	snprintf(why, sizeof(why), "%.*s", (int)sizeof(d->why) - 1, d->why);
	r->fn(r->ctx, r->v, d->iso, d->kind == REC_PASSED, why);
}

static void
finish(void *ctx, int status)
{
	struct isocheck *r = ctx;

	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		log_msg("ISO check: ended abnormally (status %d): unchecked ISOs are checked "
		    "again at the next reload", status);
	r->fn(r->ctx, r->v, SIZE_MAX, 0, "");
}

void
isocheck_stop(struct isocheck **run, struct loop *l)
{
	struct isocheck *r = *run;

	if (r == NULL)
		return;
	child_stop(&r->child, l);
	vfs_unref(r->v);
	free(r);
	*run = NULL;
}

int
isocheck_start(struct isocheck **run, struct loop *l, struct vfs *v, isocheck_fn *fn,
    void *ctx)
{
	struct isocheck *r;

	isocheck_stop(run, l);
	if (v->n_waiting == 0)
		return 0;
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		log_msg("ISO check: cannot start (out of memory): new ISOs wait for the next "
		    "reload");
		return -1;
	}
	r->v = v;
	r->fn = fn;
	r->ctx = ctx;
	if (child_start(&r->child, l, sizeof(struct record), child, v, apply, finish, r) != 0) {
		log_msg("ISO check: cannot start (%s): new ISOs wait for the next reload",
		    strerror(errno));
		free(r);
		return -1;
	}
	vfs_ref(v);
	*run = r;
	log_msg("ISO check: %zu new ISO(s) being verified in the background", v->n_waiting);
	return 0;
}
