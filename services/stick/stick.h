/*
 * Growing the stick's data partition to fill the stick: the partition
 * table part (the filesystem inside is grown by someone else).
 *
 * The image is small; the stick it is written to is larger.  Its GPT then
 * describes the image: the backup header sits at the image's end, in the
 * middle of the stick, and the data partition ends there too.  The grown
 * table moves the backup header and entry array to the stick's last 33
 * sectors, sets the last usable LBA and the primary header's alternate
 * LBA to match, and ends the partition named PXESTICK (which must be the
 * last one) on the last 1 MiB boundary before the backup entries -- where
 * image/mkimage.sh ends it, so a grown stick looks like an image made for
 * that stick's size.
 *
 *   stick_load()   reads LBA 0, the primary header and its entries --
 *                  or, when the primary is damaged, the backup at the
 *                  disk's last LBA (the standard GPT recovery) -- through
 *                  a read callback, and checks all of it (stick_gpt.h).
 *   stick_plan()   pure: the table to write, and the writes in their
 *                  power-cut-safe order (below).
 *
 * Power cuts.  The writes, each followed by fsync, in this order:
 *   1. the backup entry array at the disk's end (sectors no table uses)
 *   2. the backup header at the last LBA: a complete new backup exists;
 *      the old primary still points at the old backup, both valid
 *   3. the primary entry array: the primary no longer matches its entries
 *      CRC, so readers (the kernel, libfdisk, firmware, stick_load) fall
 *      back to the backup at the last LBA, which is the new table
 *   4. the primary header: the new table, primary and backup
 *   5. the protective MBR's size (only a warning for readers until then)
 * A write that finds the disk already holding its bytes is skipped (the
 * caller compares), so a run after a cut at any point re-derives the same
 * table -- from the old primary (cut after 1 or 2), from the new backup
 * (cut after 3), from the new primary (after 4) -- and finishes it; a run
 * on a grown stick writes nothing.  When the table is read from the
 * backup (the primary is damaged), the primary is written first (3, 4,
 * then 1, 2): the valid copy is never touched before the other one is
 * complete.  Partition contents are never written.
 */
#ifndef PXESTICK_STICK_H
#define PXESTICK_STICK_H

#include <stddef.h>
#include <stdint.h>

#include "common/limits.h"
#include "stick/stick_gpt.h"

/* The partition ends on this boundary (sectors: 1 MiB), like the image's. */
#define STICK_ALIGN_SECTORS 2048u
/* Used entries kept: all an array of the largest size can hold. */
#define STICK_MAX_PARTS (STICK_GPT_MAX_ENTRIES_BYTES / GPT_ENTRY_MIN)
/* The label of the partition grown by default. */
#define STICK_DATA_LABEL "PXESTICK"

/* Where the disk's bytes come from: a device, a file, memory (fuzzer). */
struct stick_source {
	/* Read exactly len bytes at off.  0, or -1 with errno set. */
	int (*read)(void *ctx, void *buf, size_t len, uint64_t off);
	void *ctx;
	uint64_t sectors;       /* of GPT_SECTOR bytes */
};

/* A checked table, as read. */
struct stick_table {
	struct gpt_header hdr;  /* the header the table comes from */
	int from_backup;        /* the primary was refused: hdr is the backup */
	const char *primary_why; /* why, when from_backup */
	uint8_t mbr[GPT_SECTOR];
	int mbr_record;         /* its protective (0xEE) record */
	uint8_t entries[STICK_GPT_MAX_ENTRIES_BYTES];
	size_t entries_len;
	struct gpt_part parts[STICK_MAX_PARTS]; /* used entries, by first LBA */
	size_t nparts;
};

/*
 * Read and check the disk's GPT into t (caller memory; large: keep it
 * static).  0; or -1 with a message in err (size errlen) that says what
 * is wrong with the primary and, when it was tried, with the backup.
 */
int stick_load(const struct stick_source *src, struct stick_table *t, char *err, size_t errlen);

/* One write of a plan: len bytes (whole sectors) at LBA lba. */
struct stick_write {
	const char *what;       /* "backup entries", "primary header", ... */
	uint64_t lba;
	const uint8_t *data;
	size_t len;
};

#define STICK_WRITES 5

/* The table to write. */
struct stick_plan {
	uint64_t disk_sectors;
	const struct gpt_part *part; /* the partition grown (in the table's parts) */
	uint64_t new_last;      /* its last LBA after */
	int grows;              /* the table as read is not already the result */
	struct gpt_header primary_hdr, backup_hdr;
	uint8_t mbr[GPT_SECTOR], primary[GPT_SECTOR], backup[GPT_SECTOR];
	uint8_t entries[STICK_GPT_MAX_ENTRIES_BYTES];
	struct stick_write writes[STICK_WRITES]; /* in the order to write them */
};

enum { STICK_PLAN_GROW = 0, STICK_PLAN_FULL = 1 };

/*
 * Plan the table t grown over a disk of disk_sectors, the partition
 * labelled label grown (it must be the last partition on the disk).
 * STICK_PLAN_GROW: the table changes; STICK_PLAN_FULL: it already fills
 * the disk (the writes still say what a complete table holds: the caller
 * writes those the disk does not hold yet, e.g. a damaged backup); or -1
 * with *why (the disk is smaller than the table, no such partition, it is
 * not the last, no room for a primary rebuilt from the backup).  p keeps
 * pointers into t.
 */
int stick_plan(const struct stick_table *t, uint64_t disk_sectors, const char *label,
    struct stick_plan *p, const char **why);

#endif
