/*
 * The stick's table: read, check, plan the grown one (stick.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "stick/stick.h"

/* Read and check one header copy at lba and its entry array into t. */
static int
load_copy(const struct stick_source *src, uint64_t lba, struct stick_table *t,
    const char **why)
{
	uint8_t s[GPT_SECTOR];

	if (src->read(src->ctx, s, sizeof(s), lba * GPT_SECTOR) != 0) {
		*why = "cannot read the header";
		return -1;
	}
	if (gpt_header_decode(s, lba, src->sectors, &t->hdr, why) != 0)
		return -1;
	/* Decoded: the array is inside the disk and at most the limit. */
	t->entries_len = gpt_entries_len(&t->hdr);
	if (src->read(src->ctx, t->entries, t->entries_len, t->hdr.entries_lba * GPT_SECTOR) != 0) {
		*why = "cannot read the partition entry array";
		return -1;
	}
	return gpt_entries_decode(&t->hdr, t->entries, t->entries_len, t->parts,
	    STICK_MAX_PARTS, &t->nparts, why);
}

int
stick_load(const struct stick_source *src, struct stick_table *t, char *err, size_t errlen)
{
	const char *why, *bwhy;
	uint64_t last;

	memset(t, 0, sizeof(*t));
	/* MBR, primary header, one entry sector, backup header at the least. */
	if (src->sectors < 4) {
		snprintf(err, errlen, "%llu sectors: too small to hold a GPT",
		    (unsigned long long)src->sectors);
		return -1;
	}
	if (src->read(src->ctx, t->mbr, GPT_SECTOR, 0) != 0) {
		snprintf(err, errlen, "LBA 0: %s", strerror(errno));
		return -1;
	}
	if ((t->mbr_record = gpt_mbr_find(t->mbr, &why)) < 0) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	if (load_copy(src, 1, t, &why) == 0)
		return 0;
	/* UEFI 5.3.2: a damaged primary is recovered from the backup, which
	 * is found at the disk's last LBA (the primary's pointer to it is
	 * what cannot be trusted). */
	last = src->sectors - 1;
	if (load_copy(src, last, t, &bwhy) == 0) {
		t->from_backup = 1;
		t->primary_why = why;
		return 0;
	}
	snprintf(err, errlen, "no valid GPT: primary header (LBA 1): %s; backup header "
	    "(LBA %llu): %s", why, (unsigned long long)last, bwhy);
	return -1;
}

/* The partition labelled label, which must be the last on the disk (the
 * only one that can grow without moving another). */
static const struct gpt_part *
plan_find(const struct stick_table *t, const char *label, const char **why)
{
	for (size_t i = 0; i < t->nparts; i++) {
		if (strcmp(t->parts[i].name, label) != 0)
			continue;
		if (i + 1 != t->nparts) {
			*why = "the partition to grow is not the last one on the disk";
			return NULL;
		}
		return &t->parts[i];
	}
	*why = "no partition with that label";
	return NULL;
}

/*
 * The partition's new last LBA: the last 1 MiB boundary before the
 * backup entries (1 MiB alignment is what mkimage.sh, sfdisk and parted
 * use; the few sectors up to the last usable LBA stay free).  Never
 * shorter than it is: a partition already past that boundary keeps its end.
 */
static uint64_t
plan_last(uint64_t last_usable, uint64_t old_last)
{
	uint64_t mib = (last_usable + 1) / STICK_ALIGN_SECTORS;

	if (mib == 0 || mib * STICK_ALIGN_SECTORS - 1 <= old_last)
		return old_last;
	return mib * STICK_ALIGN_SECTORS - 1;
}

/* The two headers of the grown table over the entries in p. */
static int
plan_headers(const struct stick_table *t, struct stick_plan *p, uint64_t last_usable,
    const char **why)
{
	uint64_t n = gpt_entries_sectors(&t->hdr);

	p->primary_hdr = t->hdr;
	p->primary_hdr.my_lba = 1;
	p->primary_hdr.alternate_lba = p->disk_sectors - 1;
	p->primary_hdr.last_usable = last_usable;
	p->primary_hdr.entries_crc = crc32_ieee(0, p->entries, t->entries_len);
	if (t->from_backup) {
		/* The backup does not say where the primary's array was:
		 * right after the header, where every tool puts it. */
		p->primary_hdr.entries_lba = 2;
		if (2 + n > t->hdr.first_usable) {
			*why = "no room for the primary entry array before the first usable LBA";
			return -1;
		}
	}
	p->backup_hdr = p->primary_hdr;
	p->backup_hdr.my_lba = p->disk_sectors - 1;
	p->backup_hdr.alternate_lba = 1;
	p->backup_hdr.entries_lba = p->disk_sectors - 1 - n;
	gpt_header_encode(&p->primary_hdr, p->primary);
	gpt_header_encode(&p->backup_hdr, p->backup);
	return 0;
}

/*
 * The order (stick.h): the copy the table was not read from first, so the
 * one that is valid stays valid until the other is complete.  Read from
 * the primary: the backup, then the primary.  Read from the backup (the
 * primary is damaged): the primary first -- the new backup entries may
 * lie over the array the current backup points at.
 */
static void
plan_writes(const struct stick_table *t, struct stick_plan *p)
{
	const struct stick_write backup[2] = {
		{ "backup entries", p->backup_hdr.entries_lba, p->entries, t->entries_len },
		{ "backup header", p->backup_hdr.my_lba, p->backup, GPT_SECTOR },
	}, primary[2] = {
		{ "primary entries", p->primary_hdr.entries_lba, p->entries, t->entries_len },
		{ "primary header", 1, p->primary, GPT_SECTOR },
	};

	memcpy(p->writes, t->from_backup ? primary : backup, sizeof(backup));
	memcpy(p->writes + 2, t->from_backup ? backup : primary, sizeof(backup));
	p->writes[4] = (struct stick_write){ "protective MBR", 0, p->mbr, GPT_SECTOR };
}

int
stick_plan(const struct stick_table *t, uint64_t disk_sectors, const char *label,
    struct stick_plan *p, const char **why)
{
	uint64_t n = gpt_entries_sectors(&t->hdr), last_usable;

	memset(p, 0, sizeof(*p));
	p->disk_sectors = disk_sectors;
	if ((p->part = plan_find(t, label, why)) == NULL)
		return -1;
	/* The table was checked against this disk size: n < disk_sectors. */
	if (disk_sectors < n + 2 || disk_sectors - 2 - n < t->hdr.first_usable) {
		*why = "the disk is too small for the table";
		return -1;
	}
	last_usable = disk_sectors - 2 - n;
	if (p->part->last > last_usable) {
		*why = "the partition ends past the last usable LBA of this disk (a disk "
		    "smaller than the image?)";
		return -1;
	}
	p->new_last = plan_last(last_usable, p->part->last);
	memcpy(p->entries, t->entries, t->entries_len);
	gpt_entry_set_last(&t->hdr, p->entries, p->part->index, p->new_last);
	if (plan_headers(t, p, last_usable, why) != 0)
		return -1;
	memcpy(p->mbr, t->mbr, GPT_SECTOR);
	gpt_mbr_resize(p->mbr, t->mbr_record, disk_sectors);
	plan_writes(t, p);
	p->grows = t->from_backup || t->hdr.alternate_lba != disk_sectors - 1 ||
	    t->hdr.last_usable != last_usable || p->new_last != p->part->last;
	return p->grows ? STICK_PLAN_GROW : STICK_PLAN_FULL;
}
