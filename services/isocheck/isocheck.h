/*
 * The check of ISOs found on a reload, outside the event loop: hashing a
 * 1 GB root image read from a USB stick takes 10-40 s, during which DHCP,
 * TFTP and HTTP must go on.  A child process verifies each of a tree's
 * waiting ISOs (vfs.h, struct vfs_waiting) with archiso_verify_progress()
 * and writes fixed-size records -- progress now and then, then a verdict
 * -- to a pipe the loop reads.  The loop keeps the progress in the tree
 * (/status shows it) and tells the caller each verdict; serve/ keeps the
 * passes in STATE/verified-isos and builds the tree again when the check
 * ends, so the ISOs that passed are served.
 */
#ifndef PXESTICK_ISOCHECK_H
#define PXESTICK_ISOCHECK_H

#include <stddef.h>

struct loop;
struct vfs;
struct isocheck;

/* ISO i of v->waiting passed (ok) or not (why); then, with i == SIZE_MAX,
 * the check ended (every verdict told). */
typedef void isocheck_fn(void *ctx, struct vfs *v, size_t i, int ok, const char *why);

/*
 * Check v's waiting ISOs (a reference to v is held until the end).  A
 * check still running is stopped first.  0, or -1 (logged: the ISOs stay
 * waiting until the next reload).
 */
int isocheck_start(struct isocheck **run, struct loop *l, struct vfs *v, isocheck_fn *fn,
    void *ctx);
/* Stop (the child is killed) and free; NULL is fine. */
void isocheck_stop(struct isocheck **run, struct loop *l);

#endif
