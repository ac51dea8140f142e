/*
 * `pxestick stick grow`: the table of stick.h written to a device or an
 * image file.  All the deciding is in stick.c; this file opens, reads,
 * compares, writes and flushes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "stick/stick.h"
#include "stick/stick_cli.h"
#include "stick/stick_device.h"
#include "stick/stick_fat.h"

/* Linux's BLKPG (include/uapi/linux/blkpg.h): musl has no kernel headers,
 * and this is a stable ABI. */
#define STICK_BLKPG _IO(0x12, 105)
#define STICK_BLKPG_RESIZE_PARTITION 3
struct stick_blkpg_arg {
	int op, flags, datalen;
	void *data;
};
struct stick_blkpg_part {
	long long start, length; /* bytes */
	int pno;
	char devname[64], volname[64];
};

#define EXIT_REFUSED 1
#define EXIT_BAD     2
#define EXIT_STOPPED 3

static const char stick_usage[] =
    "usage: pxestick stick grow [--label LABEL] DEVICE-OR-IMAGE\n"
    "       pxestick stick write IMAGE DEVICE\n"
    "       pxestick stick mkfs [--label LABEL] [--serial HEX] PARTITION\n"
    "\n"
    "mkfs: make an empty FAT32 filesystem (label PXESTICK by default) that fills\n"
    "PARTITION (a block device, refused while mounted, or a file); the data\n"
    "region starts on a 1 MiB boundary, clusters are sized as Windows sizes\n"
    "them.  What the partition held is gone.\n"
    "\n"
    "write: put the appliance image (a raw .img) on a stick and grow its table,\n"
    "in one go.  A DEVICE that is a partition, is mounted (or holds /: the\n"
    "system disk), is swap or is used by device-mapper/RAID is refused before\n"
    "anything is written; the image is read back after writing.\n"
    "\n"
    "grow: "
    "Grow the stick's partition table to fill the stick, after its image was\n"
    "written to a larger one: the backup GPT moves to the last sectors, and the\n"
    "partition labelled LABEL (default PXESTICK; it must be the last one) then\n"
    "ends on the last 1 MiB boundary before it.  The filesystem inside is not\n"
    "touched.  Each step is written and flushed in an order that always leaves\n"
    "a valid table, so the command may be cut off at any point and run again; a\n"
    "damaged primary GPT is rebuilt from the backup at the last LBA.  Sectors\n"
    "that already hold what they should are not written: on a grown stick it\n"
    "writes nothing.\n"
    "Exit status: 0 grown or nothing to do, 1 no valid table or it cannot grow,\n"
    "2 usage or I/O error.  mkfs: 0 made, 1 refused (mounted or in use, too\n"
    "small for FAT32), 2 usage or I/O error.\n"
    "PXESTICK_STICK_STOP_AFTER=N (for tests): exit with status 3 right after the\n"
    "Nth write and its fsync, as a power cut would (mkfs: N=1, after the old\n"
    "filesystem is cleared).\n";

static int
usage_error(const char *msg)
{
	if (msg != NULL)
		fprintf(stderr, "pxestick stick: %s\n", msg);
	fputs(stick_usage, stderr);
	return EXIT_BAD;
}

static int
fd_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	return pread_all(*(int *)ctx, buf, len, off);
}

/* The disk's size in sectors: a file's length, a block device's size
 * (whose logical sectors must be 512 bytes). */
static int
disk_sectors(int fd, const char *name, int *is_blk, uint64_t *sectors)
{
	struct stat st;
	uint64_t bytes;
	int ssz;

	if (fstat(fd, &st) != 0) {
		fprintf(stderr, "pxestick stick: %s: %s\n", name, strerror(errno));
		return -1;
	}
	*is_blk = S_ISBLK(st.st_mode);
	if (S_ISREG(st.st_mode)) {
		bytes = (uint64_t)st.st_size;
	} else if (!*is_blk) {
		fprintf(stderr, "pxestick stick: %s: not a block device or a file\n", name);
		return -1;
	} else if (ioctl(fd, BLKGETSIZE64, &bytes) != 0 || ioctl(fd, BLKSSZGET, &ssz) != 0) {
		fprintf(stderr, "pxestick stick: %s: %s\n", name, strerror(errno));
		return -1;
	} else if (ssz != GPT_SECTOR) {
		fprintf(stderr, "pxestick stick: %s: %d-byte sectors (only 512 is handled)\n",
		    name, ssz);
		return -1;
	}
	/* A file's odd tail is no sector: the backup header goes before it. */
	*sectors = bytes / GPT_SECTOR;
	return 0;
}

/* The test hook: exit after this many writes (0: never). */
static unsigned long
stop_after(void)
{
	const char *s = getenv("PXESTICK_STICK_STOP_AFTER");
	uint64_t n;

	return s != NULL && parse_u64(s, 1, 1000, &n) == 0 ? (unsigned long)n : 0;
}

/* Write w unless the disk holds it already: 1 written, 0 skipped, -1. */
static int
write_step(int fd, const char *name, const struct stick_write *w)
{
	static uint8_t cur[STICK_GPT_MAX_ENTRIES_BYTES];
	uint64_t off = w->lba * GPT_SECTOR, last;

	if (pread_all(fd, cur, w->len, off) != 0) {
		fprintf(stderr, "pxestick stick: %s: reading the %s: %s\n", name, w->what,
		    strerror(errno));
		return -1;
	}
	if (memcmp(cur, w->data, w->len) == 0)
		return 0;
	/* fsync after each write: the order is what makes a cut safe. */
	if (pwrite_all(fd, w->data, w->len, off) != 0 || fsync(fd) != 0) {
		fprintf(stderr, "pxestick stick: %s: writing the %s: %s\n", name, w->what,
		    strerror(errno));
		return -1;
	}
	last = w->lba + (w->len + GPT_SECTOR - 1) / GPT_SECTOR - 1;
	if (last == w->lba)
		printf("%s: wrote the %s (LBA %llu)\n", name, w->what, (unsigned long long)last);
	else
		printf("%s: wrote the %s (LBA %llu-%llu)\n", name, w->what,
		    (unsigned long long)w->lba, (unsigned long long)last);
	fflush(stdout);
	return 1;
}

/* Tell the kernel the partition's new size; the table on the disk is
 * right either way, this only spares a reboot before the filesystem
 * grows.  BLKPG works while the partition is mounted (BLKRRPART not). */
static void
kernel_resize(int fd, const char *name, const struct stick_plan *p)
{
	struct stick_blkpg_part part = {
		.start = (long long)(p->part->first * GPT_SECTOR),
		.length = (long long)((p->new_last - p->part->first + 1) * GPT_SECTOR),
		.pno = (int)p->part->index + 1,
	};
	struct stick_blkpg_arg arg = {
		.op = STICK_BLKPG_RESIZE_PARTITION, .datalen = sizeof(part), .data = &part,
	};

	if (ioctl(fd, STICK_BLKPG, &arg) != 0)
		fprintf(stderr, "pxestick stick: %s: the kernel was not told partition %d's "
		    "new size (BLKPG: %s); it reads it at the next boot\n", name, part.pno,
		    strerror(errno));
}

/* The writes the disk does not hold yet, in order: the number, or -1. */
static int
write_plan(int fd, const char *name, const struct stick_plan *p)
{
	unsigned long stop = stop_after();
	int done = 0;

	for (size_t i = 0; i < STICK_WRITES; i++) {
		int r = write_step(fd, name, &p->writes[i]);

		if (r < 0)
			return -1;
		done += r;
		if (r > 0 && stop == (unsigned long)done) {
			fprintf(stderr, "pxestick stick: %s: stopped after write %d "
			    "(PXESTICK_STICK_STOP_AFTER)\n", name, done);
			exit(EXIT_STOPPED);
		}
	}
	return done;
}

static void
report(const char *name, const struct stick_table *t, const struct stick_plan *p, int writes)
{
	const struct gpt_part *g = p->part;

	if (writes == 0) {
		printf("%s: nothing to do: partition %u (%s) ends at LBA %llu, the backup GPT "
		    "is at the last LBA %llu\n", name, g->index + 1, g->name,
		    (unsigned long long)g->last, (unsigned long long)(p->disk_sectors - 1));
		return;
	}
	if (!p->grows) {
		/* A cut run finished, or a stale copy or MBR made right. */
		printf("%s: the table already filled the disk; %d of its parts rewritten\n",
		    name, writes);
		return;
	}
	if (p->new_last != g->last)
		printf("%s: partition %u (%s) grown: LBA %llu-%llu (was -%llu), %llu MiB\n",
		    name, g->index + 1, g->name, (unsigned long long)g->first,
		    (unsigned long long)p->new_last, (unsigned long long)g->last,
		    (unsigned long long)((p->new_last - g->first + 1) / STICK_ALIGN_SECTORS));
	else
		printf("%s: partition %u (%s) keeps LBA %llu-%llu\n", name, g->index + 1,
		    g->name, (unsigned long long)g->first, (unsigned long long)g->last);
	printf("%s: backup GPT at the last LBA %llu%s\n", name,
	    (unsigned long long)(p->disk_sectors - 1),
	    t->from_backup ? "; primary GPT rebuilt from the backup" : "");
}

/* Grow the table of the disk open at fd (name: for messages): 0, or an
 * exit status. */
static int
grow_fd(int fd, const char *name, const char *label)
{
	static struct stick_table table;
	static struct stick_plan plan;
	struct stick_source src = { fd_read, NULL, 0 };
	const char *why;
	char err[512];
	int is_blk, writes;

	src.ctx = &fd;
	if (disk_sectors(fd, name, &is_blk, &src.sectors) != 0)
		return EXIT_BAD;
	if (stick_load(&src, &table, err, sizeof(err)) != 0) {
		fprintf(stderr, "pxestick stick: %s: %s\n", name, err);
		return EXIT_REFUSED;
	}
	if (table.from_backup)
		printf("%s: the primary GPT is damaged (%s); using the backup at LBA %llu\n",
		    name, table.primary_why, (unsigned long long)table.hdr.my_lba);
	if (stick_plan(&table, src.sectors, label, &plan, &why) < 0) {
		fprintf(stderr, "pxestick stick: %s: cannot grow: %s\n", name, why);
		return EXIT_REFUSED;
	}
	if ((writes = write_plan(fd, name, &plan)) < 0)
		return EXIT_BAD;
	/* Also after a run that finished a cut one: the kernel may hold either size. */
	if (writes > 0 && is_blk)
		kernel_resize(fd, name, &plan);
	report(name, &table, &plan, writes);
	return 0;
}

static int
cmd_grow(int argc, char **argv)
{
	const char *label = STICK_DATA_LABEL, *path = NULL;
	char name[256];
	int fd, rc;

	for (int a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--label") == 0 && a + 1 < argc)
			label = argv[++a];
		else if (argv[a][0] == '-')
			return usage_error("unknown option (see --help)");
		else if (path == NULL)
			path = argv[a];
		else
			return usage_error("grow takes one DEVICE-OR-IMAGE");
	}
	if (path == NULL)
		return usage_error("grow takes one DEVICE-OR-IMAGE");
	log_escape(name, sizeof(name), path, strlen(path));
	if ((fd = open(path, O_RDWR | O_CLOEXEC)) < 0) {
		fprintf(stderr, "pxestick stick: %s: %s\n", name, strerror(errno));
		return EXIT_BAD;
	}
	rc = grow_fd(fd, name, label);
	close(fd);
	return rc;
}

/* ---- write ---- */

#define WRITE_CHUNK (4u << 20)

/* Copy the image (fd in, size bytes) onto the disk (out) from offset 0,
 * saying how far every few seconds; then flush and read it all back. */
static int
copy_image(int in, int out, uint64_t size, const char *iname, const char *name)
{
	uint8_t *buf = malloc(WRITE_CHUNK), *back = malloc(WRITE_CHUNK);
	time_t said = time(NULL);
	uint64_t off;
	int rc = -1;

	if (buf == NULL || back == NULL) {
		fprintf(stderr, "pxestick stick: out of memory\n");
		goto out;
	}
	for (off = 0; off < size; off += WRITE_CHUNK) {
		size_t n = size - off < WRITE_CHUNK ? (size_t)(size - off) : WRITE_CHUNK;

		if (pread_all(in, buf, n, off) != 0 || pwrite_all(out, buf, n, off) != 0) {
			fprintf(stderr, "pxestick stick: %s at byte %llu: %s\n", errno == 0 ? iname :
			    name, (unsigned long long)off, errno ? strerror(errno) : "short read");
			goto out;
		}
		if (time(NULL) - said >= 5) {
			said = time(NULL);
			fprintf(stderr, "%s: %llu of %llu MiB written\n", name,
			    (unsigned long long)(off >> 20), (unsigned long long)(size >> 20));
		}
	}
	if (fsync(out) != 0) {
		fprintf(stderr, "pxestick stick: %s: flushing: %s\n", name, strerror(errno));
		goto out;
	}
	for (off = 0; off < size; off += WRITE_CHUNK) {
		size_t n = size - off < WRITE_CHUNK ? (size_t)(size - off) : WRITE_CHUNK;

		if (pread_all(in, buf, n, off) != 0 || pread_all(out, back, n, off) != 0 ||
		    memcmp(buf, back, n) != 0) {
			fprintf(stderr, "pxestick stick: %s: reading back byte %llu-%llu: it is not "
			    "what was written (a failing or fake stick?)\n", name,
			    (unsigned long long)off, (unsigned long long)(off + n - 1));
			goto out;
		}
	}
	printf("%s: %llu MiB written and read back\n", name, (unsigned long long)(size >> 20));
	rc = 0;
out:
	free(buf);
	free(back);
	return rc;
}

/*
 * `stick write IMAGE DEVICE`: refuse a device in use (stick_device.h),
 * write, read back, grow the table.  A regular file as DEVICE is written
 * as it is (tests, VM disks).
 */
static int
cmd_write(int argc, char **argv)
{
	char iname[256], name[256], why[512];
	struct stat ist, dst;
	int in = -1, out = -1, rc = EXIT_BAD;
	uint64_t dsize;

	if (argc != 3)
		return usage_error("write takes IMAGE DEVICE");
	log_escape(iname, sizeof(iname), argv[1], strlen(argv[1]));
	log_escape(name, sizeof(name), argv[2], strlen(argv[2]));
	/* The device first: a refused one is never opened for writing. */
	if (stat(argv[2], &dst) != 0) {
		fprintf(stderr, "pxestick stick: %s: %s\n", name, strerror(errno));
		return EXIT_BAD;
	}
	if (S_ISBLK(dst.st_mode) && stick_device_check(name, dst.st_rdev, why, sizeof(why)) != 0) {
		fprintf(stderr, "pxestick stick: %s\n", why);
		return EXIT_REFUSED;
	}
	if (!S_ISBLK(dst.st_mode) && !S_ISREG(dst.st_mode)) {
		fprintf(stderr, "pxestick stick: %s: not a disk\n", name);
		return EXIT_REFUSED;
	}
	if ((in = open(argv[1], O_RDONLY | O_CLOEXEC)) < 0 || fstat(in, &ist) != 0 ||
	    !S_ISREG(ist.st_mode)) {
		fprintf(stderr, "pxestick stick: %s: %s\n", iname, in < 0 ? strerror(errno) :
		    "not a file (decompress a .img.zst first: zstd -d)");
		goto out;
	}
	{
		uint8_t head[2 * GPT_SECTOR];

		/* A GPT disk (a .img.zst written raw would be a dead stick). */
		if (pread_all(in, head, sizeof(head), 0) != 0 || head[510] != 0x55 ||
		    head[511] != 0xaa || memcmp(head + GPT_SECTOR, "EFI PART", 8) != 0) {
			fprintf(stderr, "pxestick stick: %s: not a disk image with a GPT "
			    "(decompress a .img.zst first: zstd -d)\n", iname);
			rc = EXIT_REFUSED;
			goto out;
		}
	}
	/* O_EXCL on a block device: the kernel refuses it while mounted. */
	out = open(argv[2], O_RDWR | O_CLOEXEC | (S_ISBLK(dst.st_mode) ? O_EXCL : 0));
	if (out < 0) {
		fprintf(stderr, "pxestick stick: %s: %s\n", name, strerror(errno));
		rc = errno == EBUSY ? EXIT_REFUSED : EXIT_BAD;
		goto out;
	}
	dsize = (uint64_t)dst.st_size;
	if (S_ISBLK(dst.st_mode) && ioctl(out, BLKGETSIZE64, &dsize) != 0)
		dsize = 0;
	if (S_ISREG(dst.st_mode) && dsize < (uint64_t)ist.st_size)
		dsize = (uint64_t)ist.st_size;   /* a file grows to hold it */
	if (dsize < (uint64_t)ist.st_size) {
		fprintf(stderr, "pxestick stick: %s (%llu MiB) is smaller than %s (%llu MiB)\n",
		    name, (unsigned long long)(dsize >> 20), iname,
		    (unsigned long long)((uint64_t)ist.st_size >> 20));
		rc = EXIT_REFUSED;
		goto out;
	}
	if (copy_image(in, out, (uint64_t)ist.st_size, iname, name) != 0)
		goto out;
	rc = grow_fd(out, name, STICK_DATA_LABEL);
	if (rc == 0)
		printf("%s: ready: the partition fills the stick (its FAT keeps the image's size "
		    "until the appliance's first boot makes it whole: docs/STICK.md)\n", name);
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return rc;
}

/* ---- mkfs ---- */

#define ZERO_CHUNK (1u << 20)

/* Zeros over sectors [first, first + count). */
static int
zero_sectors(int fd, uint64_t first, uint64_t count)
{
	static const uint8_t zero[ZERO_CHUNK];
	uint64_t off = first * FAT_SECTOR, end = (first + count) * FAT_SECTOR;

	while (off < end) {
		size_t n = end - off < ZERO_CHUNK ? (size_t)(end - off) : ZERO_CHUNK;

		if (pwrite_all(fd, zero, n, off) != 0)
			return -1;
		off += n;
	}
	return 0;
}

static int
put_sector(int fd, uint64_t lba, const uint8_t *b)
{
	return pwrite_all(fd, b, FAT_SECTOR, lba * FAT_SECTOR);
}

/*
 * Write the filesystem l onto fd.  The boot sector last: until it is
 * there the partition holds no filesystem anyone mounts (the first write
 * clears the old one), never half a new one.
 */
static int
mkfs_write(int fd, const struct fat32_layout *l)
{
	uint8_t boot[FAT_SECTOR], info[FAT_SECTOR], sec[FAT_SECTOR];
	struct tm tm;
	time_t now = time(NULL);
	uint16_t date = 1u << 5 | 1u, tod = 0;   /* 1980-01-01 00:00 */

	if (gmtime_r(&now, &tm) != NULL && tm.tm_year >= 80 && tm.tm_year < 80 + 128) {
		date = (uint16_t)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 | tm.tm_mday);
		tod = (uint16_t)(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
	}
	if (zero_sectors(fd, 0, fat32_data_start(l)) != 0 || fsync(fd) != 0)
		return -1;
	/* The test hook: a cut right here leaves a partition with no
	 * filesystem at all -- no label either (appliance/lib.sh copes). */
	if (stop_after() == 1) {
		fprintf(stderr, "pxestick stick: stopped after clearing the old filesystem "
		    "(PXESTICK_STICK_STOP_AFTER)\n");
		exit(EXIT_STOPPED);
	}
	fat32_fat_sector(sec);
	if (put_sector(fd, fat32_fat_start(l, 0), sec) != 0 ||
	    put_sector(fd, fat32_fat_start(l, 1), sec) != 0)
		return -1;
	/* The root directory: its one cluster, the label in its first entry. */
	if (zero_sectors(fd, fat32_data_start(l), l->spc) != 0)
		return -1;
	fat32_root_sector(l, date, tod, sec);
	if (put_sector(fd, fat32_data_start(l), sec) != 0)
		return -1;
	fat32_fsinfo_sector(l, info);
	fat32_boot_sector(l, boot);
	if (put_sector(fd, FAT32_FSINFO_SECTOR, info) != 0 ||
	    put_sector(fd, FAT32_BACKUP_FSINFO, info) != 0 ||
	    put_sector(fd, FAT32_BACKUP_BOOT, boot) != 0 || fsync(fd) != 0)
		return -1;
	return put_sector(fd, 0, boot) != 0 || fsync(fd) != 0 ? -1 : 0;
}

static int
cmd_mkfs(int argc, char **argv)
{
	const char *label = STICK_DATA_LABEL, *path = NULL, *why;
	struct fat32_layout l;
	uint32_t serial = (uint32_t)time(NULL) ^ (uint32_t)getpid() * 2654435761u;
	char name[256];
	struct stat st;
	uint64_t sectors, v;
	int fd, is_blk, rc = EXIT_BAD;

	for (int a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--label") == 0 && a + 1 < argc) {
			label = argv[++a];
		} else if (strcmp(argv[a], "--serial") == 0 && a + 1 < argc) {
			char *end;

			errno = 0;
			v = strtoull(argv[++a], &end, 16);
			if (errno != 0 || *end != '\0' || end == argv[a] || v > 0xFFFFFFFFu)
				return usage_error("--serial takes up to 8 hex digits");
			serial = (uint32_t)v;
		} else if (argv[a][0] == '-') {
			return usage_error("unknown option (see --help)");
		} else if (path == NULL) {
			path = argv[a];
		} else {
			return usage_error("mkfs takes one PARTITION");
		}
	}
	if (path == NULL)
		return usage_error("mkfs takes one PARTITION");
	/* The label is checked before anything is opened. */
	if (fat32_label(l.label, label) != 0)
		return usage_error(FAT32_LABEL_RULE);
	log_escape(name, sizeof(name), path, strlen(path));
	if (stat(path, &st) != 0) {
		fprintf(stderr, "pxestick stick: %s: %s\n", name, strerror(errno));
		return EXIT_BAD;
	}
	/* O_EXCL on a block device: the kernel refuses it while mounted. */
	fd = open(path, O_RDWR | O_CLOEXEC | (S_ISBLK(st.st_mode) ? O_EXCL : 0));
	if (fd < 0) {
		fprintf(stderr, "pxestick stick: %s: %s%s\n", name, strerror(errno),
		    errno == EBUSY ? " (mounted or in use)" : "");
		return errno == EBUSY ? EXIT_REFUSED : EXIT_BAD;
	}
	if (disk_sectors(fd, name, &is_blk, &sectors) != 0)
		goto out;
	if (fat32_layout(sectors, S_ISBLK(st.st_mode) ? stick_partition_start(st.st_rdev) : 0, serial, label, &l, &why) != 0) {
		fprintf(stderr, "pxestick stick: %s: %s\n", name, why);
		rc = EXIT_REFUSED;
		goto out;
	}
	if (mkfs_write(fd, &l) != 0) {
		fprintf(stderr, "pxestick stick: %s: writing the filesystem: %s\n", name,
		    strerror(errno));
		goto out;
	}
	printf("%s: FAT32 made, label %.*s: %llu MiB, %u clusters of %u bytes\n", name,
	    (int)strcspn(l.label, " "), l.label, (unsigned long long)l.sectors / 2048, l.clusters,
	    l.spc * FAT_SECTOR);
	rc = 0;
out:
	close(fd);
	return rc;
}

int
stick_cli_main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error(NULL);
	for (int a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0) {
			fputs(stick_usage, stdout);
			return 0;
		}
	}
	if (strcmp(argv[1], "grow") == 0)
		return cmd_grow(argc - 1, argv + 1);
	if (strcmp(argv[1], "write") == 0)
		return cmd_write(argc - 1, argv + 1);
	if (strcmp(argv[1], "mkfs") == 0)
		return cmd_mkfs(argc - 1, argv + 1);
	return usage_error("unknown stick command");
}
