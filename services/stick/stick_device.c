/*
 * The checks before `pxestick stick write` overwrites a device
 * (stick_device.h).  Linux only: sysfs and procfs say what the kernel
 * uses; the write itself also opens the device O_EXCL, which the kernel
 * refuses while anything holds it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/util.h"
#include "stick/stick_device.h"

/* The n-th blank-separated field of line[0..len): start and length. */
static const char *
field(const char *line, size_t len, unsigned n, size_t *flen)
{
	size_t i = 0;

	for (unsigned f = 0; i < len; f++) {
		size_t start;

		while (i < len && line[i] == ' ')
			i++;
		start = i;
		while (i < len && line[i] != ' ')
			i++;
		if (f == n) {
			*flen = i - start;
			return i > start ? line + start : NULL;
		}
	}
	return NULL;
}

/* "MAJ:MIN" (n bytes) as a dev_t; -1 when it is not one. */
static int
parse_majmin(const char *p, size_t n, dev_t *out)
{
	char buf[32], *colon;
	uint64_t ma, mi;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	if ((colon = strchr(buf, ':')) == NULL)
		return -1;
	*colon = '\0';
	if (parse_u64(buf, 0, 0xfffff, &ma) != 0 || parse_u64(colon + 1, 0, 0xfffff, &mi) != 0)
		return -1;
	*out = makedev((unsigned)ma, (unsigned)mi);
	return 0;
}

int
stick_mount_on(const char *mountinfo, size_t len, const dev_t *devs, size_t n, char *where,
    size_t wsize)
{
	const char *p = mountinfo, *end = mountinfo + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p), fl = 0, ml = 0;
		const char *f = field(p, ll, 2, &fl), *m = field(p, ll, 4, &ml);
		dev_t d;

		if (f != NULL && m != NULL && parse_majmin(f, fl, &d) == 0)
			for (size_t i = 0; i < n; i++)
				if (devs[i] == d) {
					snprintf(where, wsize, "%.*s", (int)ml, m);
					return 1;
				}
		p += ll + 1;
	}
	return 0;
}

/* A small text file, NUL-terminated in buf (cut at size - 1 bytes): its
 * length, or -1. */
static ssize_t
slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	int rc;

	if (fd < 0)
		return -1;
	rc = read_all(fd, buf, size - 1, &len);
	close(fd);
	buf[len] = '\0';
	return rc < 0 ? -1 : (ssize_t)len;
}

/* Does /sys/dev/block/MAJ:MIN/holders list anything (dm, md)? */
static int
held(const char *sysdir)
{
	char path[512];
	struct dirent *de;
	DIR *d;
	int any = 0;

	snprintf(path, sizeof(path), "%s/holders", sysdir);
	if ((d = opendir(path)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			any = 1;
	closedir(d);
	return any;
}

/* The disk and its partitions (subdirectories of its sysfs directory
 * with a "partition" file), their devs into devs; their count. */
static size_t
disk_and_parts(const char *sysdir, dev_t disk, dev_t *devs, int *holders)
{
	char path[512], text[32];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	devs[n++] = disk;
	*holders = held(sysdir);
	if ((d = opendir(sysdir)) == NULL)
		return n;
	while ((de = readdir(d)) != NULL && n < STICK_MAX_DEVS) {
		dev_t p;
		ssize_t len;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/partition", sysdir, de->d_name);
		if (access(path, F_OK) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s/dev", sysdir, de->d_name);
		if ((len = slurp(path, text, sizeof(text))) <= 0)
			continue;
		if (parse_majmin(text, strcspn(text, "\n"), &p) == 0)
			devs[n++] = p;
		snprintf(path, sizeof(path), "%s/%s", sysdir, de->d_name);
		*holders |= held(path);
	}
	closedir(d);
	return n;
}

/* Is one of devs a swap area (/proc/swaps names paths)? */
static int
swap_on(const dev_t *devs, size_t n)
{
	static char text[16384];
	char *line, *save = NULL;

	if (slurp("/proc/swaps", text, sizeof(text)) < 0)
		return 0;
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		struct stat st;

		line[strcspn(line, " \t")] = '\0';
		if (stat(line, &st) == 0 && S_ISBLK(st.st_mode))
			for (size_t i = 0; i < n; i++)
				if (st.st_rdev == devs[i])
					return 1;
	}
	return 0;
}

uint64_t
stick_partition_start(dev_t rdev)
{
	char path[96], buf[32];
	uint64_t start;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/start", major(rdev), minor(rdev));
	if (slurp(path, buf, sizeof(buf)) <= 0)
		return 0;
	buf[strcspn(buf, "\n")] = '\0';
	return parse_u64(buf, 0, UINT64_MAX, &start) == 0 ? start : 0;
}

int
stick_device_check(const char *path, dev_t rdev, char *why, size_t whylen)
{
	static char mounts[1 << 20];
	char sysdir[128], where[256];
	dev_t devs[STICK_MAX_DEVS];
	ssize_t len;
	size_t n;
	int holders;

	snprintf(sysdir, sizeof(sysdir), "/sys/dev/block/%u:%u", major(rdev), minor(rdev));
	if (access(sysdir, F_OK) != 0) {
		snprintf(why, whylen, "%s: the kernel has no %s (%s)", path, sysdir, strerror(errno));
		return -1;
	}
	snprintf(where, sizeof(where), "%s/partition", sysdir);
	if (access(where, F_OK) == 0) {
		snprintf(why, whylen, "%s is a partition: give the whole stick (its disk device)",
		    path);
		return -1;
	}
	n = disk_and_parts(sysdir, rdev, devs, &holders);
	if ((len = slurp("/proc/self/mountinfo", mounts, sizeof(mounts))) < 0) {
		snprintf(why, whylen, "/proc/self/mountinfo: %s", strerror(errno));
		return -1;
	}
	if (stick_mount_on(mounts, (size_t)len, devs, n, where, sizeof(where))) {
		if (strcmp(where, "/") == 0)
			snprintf(why, whylen, "%s is the system disk (/ is on it): refused", path);
		else
			snprintf(why, whylen, "%s is mounted (at %s): unmount it first", path, where);
		return -1;
	}
	if (swap_on(devs, n)) {
		snprintf(why, whylen, "%s holds a swap area in use: refused", path);
		return -1;
	}
	if (holders) {
		snprintf(why, whylen, "%s is in use by device-mapper or RAID (LVM, encryption): "
		    "refused", path);
		return -1;
	}
	return 0;
}
