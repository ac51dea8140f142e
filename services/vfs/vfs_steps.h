/*
 * script.cfg's steps (vfs_steps.c): what runs in the live system after
 * the keys are installed and sshd started.
 */
#ifndef PXESTICK_VFS_STEPS_H
#define PXESTICK_VFS_STEPS_H

#include <stddef.h>

#include "keyinject/keys.h"
#include "vfs/vfs.h"

/*
 * The steps for spec, for the tree v (its shares open): every *.sh of the
 * extra-scripts directory in name order (a bad one -- unreadable, over
 * 256 KiB, a NUL byte -- is logged and left out), then pxestick's own:
 * pacman from /repo/ when it holds a repository, archinstall for the
 * machines spec->archinstall names.  At most max, in steps; each name and
 * text allocated (vfs_steps_free).  Returns how many.
 */
size_t vfs_steps_collect(const struct vfs_spec *spec, const struct vfs *v,
    struct keys_step *steps, size_t max, vfs_log_fn *log, void *ctx);
void vfs_steps_free(struct keys_step *steps, size_t n);

#endif
