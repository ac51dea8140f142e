/*
 * Is a block device safe to overwrite with the appliance image?  Not when
 * it is a partition (the image is a whole disk), nor when it or any of its
 * partitions is mounted, used as swap or held by device-mapper or RAID
 * (LVM, LUKS): that is how the system disk looks, and a stick in use.
 *
 * stick_mount_on() is the pure part: which mount of a mountinfo text sits
 * on one of the given devices.  stick_device_check() gathers the facts from
 * /sys/dev/block and /proc/self/mountinfo and decides.
 */
#ifndef PXESTICK_STICK_STICK_DEVICE_H
#define PXESTICK_STICK_STICK_DEVICE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define STICK_MAX_DEVS 64   /* the disk and its partitions considered */

/*
 * The first line of mountinfo (len bytes, /proc/self/mountinfo's format:
 * "ID PARENT MAJ:MIN ROOT MOUNTPOINT ...") whose MAJ:MIN is one of
 * devs[0..n): 1 and its mount point (octal escapes as the kernel wrote
 * them) in where; 0 when none.
 */
int stick_mount_on(const char *mountinfo, size_t len, const dev_t *devs, size_t n,
    char *where, size_t wsize);

/*
 * May the block device st_rdev (path, for messages) be overwritten?  0,
 * or -1 with why: a partition, mounted (where; "the system disk" when /
 * is on it), swap, held by device-mapper/RAID.
 */
int stick_device_check(const char *path, dev_t rdev, char *why, size_t whylen);

/* A partition's first LBA, from sysfs (for a FAT's "hidden sectors"):
 * 0 when rdev is no partition or sysfs does not say. */
uint64_t stick_partition_start(dev_t rdev);

#endif
