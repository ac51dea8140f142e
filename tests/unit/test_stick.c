/*
 * The stick's GPT (services/stick): tables written here field by field
 * (not by the code under test) on a sparse in-memory disk, then loaded,
 * planned, and the plan applied -- whole, or cut off after each write as
 * a power cut would -- and loaded again.
 */
#include "harness.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/sysmacros.h>

#include "common/util.h"
#include "stick/stick.h"
#include "stick/stick_device.h"

/* ---- a sparse disk: the sectors written, zeros elsewhere ---- */

#define MD_MAX 256

struct mdisk {
	uint64_t sectors;
	size_t n;
	uint64_t lba[MD_MAX];
	uint8_t data[MD_MAX][GPT_SECTOR];
};

static uint8_t *
md_sector(struct mdisk *d, uint64_t lba, int create)
{
	static const uint8_t zero[GPT_SECTOR];

	for (size_t i = 0; i < d->n; i++)
		if (d->lba[i] == lba)
			return d->data[i];
	if (!create || d->n == MD_MAX)
		return (uint8_t *)zero;
	d->lba[d->n] = lba;
	memset(d->data[d->n], 0, GPT_SECTOR);
	return d->data[d->n++];
}

static void
md_write(struct mdisk *d, uint64_t off, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		md_sector(d, (off + i) / GPT_SECTOR, 1)[(off + i) % GPT_SECTOR] = p[i];
}

static int
md_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct mdisk *d = ctx;
	uint8_t *p = buf;

	if (off + len > d->sectors * GPT_SECTOR) {
		errno = EIO;
		return -1;
	}
	for (size_t i = 0; i < len; i++)
		p[i] = md_sector(d, (off + i) / GPT_SECTOR, 0)[(off + i) % GPT_SECTOR];
	return 0;
}

/* ---- a GPT as sfdisk writes it, built by hand ---- */

struct tpart {
	uint64_t first, last;
	const char *name;
};

#define T_ENTRIES 128
#define T_ESIZE 128
#define OLD 131072u             /* a 64 MiB image */
#define BIG 2097152u            /* on a 1 GiB stick */

static void
t_header(uint8_t *h, uint64_t my, uint64_t alt, uint64_t last_usable, uint64_t entries,
    uint32_t ecrc)
{
	memset(h, 0, GPT_SECTOR);
	memcpy(h, "EFI PART", 8);
	store_le32(h + 8, 0x00010000);
	store_le32(h + 12, 92);
	store_le64(h + 24, my);
	store_le64(h + 32, alt);
	store_le64(h + 40, 34);
	store_le64(h + 48, last_usable);
	memset(h + 56, 0x5a, 16);
	store_le64(h + 72, entries);
	store_le32(h + 80, T_ENTRIES);
	store_le32(h + 84, T_ESIZE);
	store_le32(h + 88, ecrc);
	store_le32(h + 16, crc32_ieee(0, h, 92));
}

/* Recompute the CRCs of the header at lba after a test changed it. */
static void
t_fix(struct mdisk *d, uint64_t lba)
{
	uint8_t *h = md_sector(d, lba, 1), e[65536];
	uint64_t n = (uint64_t)load_le32(h + 80) * load_le32(h + 84);
	uint32_t size = load_le32(h + 12);

	if (n <= sizeof(e) && md_read(d, e, (size_t)n, load_le64(h + 72) * GPT_SECTOR) == 0)
		store_le32(h + 88, crc32_ieee(0, e, (size_t)n));
	store_le32(h + 16, 0);
	store_le32(h + 16, crc32_ieee(0, h, size <= GPT_SECTOR ? size : 92));
}

/* A GPT for an image of old sectors, on a disk of disk sectors. */
static void
t_disk(struct mdisk *d, uint64_t old, uint64_t disk, const struct tpart *p, size_t np)
{
	uint8_t mbr[GPT_SECTOR] = { 0 }, e[T_ENTRIES * T_ESIZE] = { 0 }, h[GPT_SECTOR];
	uint64_t last_usable = old - 34;
	uint32_t ecrc;

	d->n = 0;
	d->sectors = disk;
	mbr[446 + 4] = 0xee;
	store_le32(mbr + 446 + 8, 1);
	store_le32(mbr + 446 + 12, (uint32_t)(old - 1));
	mbr[510] = 0x55;
	mbr[511] = 0xaa;
	md_write(d, 0, mbr, sizeof(mbr));
	for (size_t i = 0; i < np; i++) {
		uint8_t *x = e + i * T_ESIZE;

		memset(x, 0xa0, 16);    /* type */
		memset(x + 16, (int)(0xb0 + i), 16);
		store_le64(x + 32, p[i].first);
		store_le64(x + 40, p[i].last);
		for (size_t k = 0; p[i].name[k] != '\0'; k++)
			x[56 + 2 * k] = (uint8_t)p[i].name[k];
	}
	ecrc = crc32_ieee(0, e, sizeof(e));
	md_write(d, 2 * GPT_SECTOR, e, sizeof(e));
	md_write(d, (old - 33) * GPT_SECTOR, e, sizeof(e));
	t_header(h, 1, old - 1, last_usable, 2, ecrc);
	md_write(d, GPT_SECTOR, h, sizeof(h));
	t_header(h, old - 1, 1, last_usable, old - 33, ecrc);
	md_write(d, (old - 1) * GPT_SECTOR, h, sizeof(h));
}

static const struct tpart one[] = { { 2048, OLD - 2048 - 1, "PXESTICK" } };

static struct mdisk disk;
static struct stick_table table;
static struct stick_plan plan;

static int
load(char *err, size_t errlen)
{
	struct stick_source src = { md_read, &disk, disk.sectors };

	return stick_load(&src, &table, err, errlen);
}

/* The plan's first n writes onto the disk. */
static void
apply(size_t n)
{
	for (size_t i = 0; i < n && i < STICK_WRITES; i++)
		md_write(&disk, plan.writes[i].lba * GPT_SECTOR, plan.writes[i].data,
		    plan.writes[i].len);
}

/* How many of the plan's writes the disk does not hold yet. */
static int
pending(void)
{
	static uint8_t cur[STICK_GPT_MAX_ENTRIES_BYTES];
	int n = 0;

	for (size_t i = 0; i < STICK_WRITES; i++) {
		md_read(&disk, cur, plan.writes[i].len, plan.writes[i].lba * GPT_SECTOR);
		n += memcmp(cur, plan.writes[i].data, plan.writes[i].len) != 0;
	}
	return n;
}

/* Load and plan: the plan's result, or -1 with the reason in err. */
static int
load_plan(char *err, size_t errlen)
{
	const char *why;
	int r;

	if (load(err, errlen) != 0)
		return -1;
	if ((r = stick_plan(&table, disk.sectors, STICK_DATA_LABEL, &plan, &why)) < 0)
		snprintf(err, errlen, "%s", why);
	return r;
}

/* The grown disk as sfdisk would write it for 1 GiB. */
static void
check_grown(void)
{
	char err[512];
	struct gpt_header h;
	const char *why = "";

	CHECK_INT(load_plan(err, sizeof(err)), STICK_PLAN_FULL);
	CHECK_INT(table.from_backup, 0);
	CHECK_INT(table.hdr.alternate_lba, BIG - 1);
	CHECK_INT(table.hdr.last_usable, BIG - 34);
	CHECK_INT(table.nparts, 1);
	CHECK_INT(table.parts[0].first, 2048);
	CHECK_INT(table.parts[0].last, BIG - 2048 - 1);
	CHECK_INT(pending(), 0);
	CHECK_INT(load_le32(md_sector(&disk, 0, 0) + 446 + 12), BIG - 1);
	CHECK_INT(gpt_header_decode(md_sector(&disk, BIG - 1, 0), BIG - 1, BIG, &h, &why), 0);
	CHECK_INT(h.entries_lba, BIG - 33);
	CHECK_INT(h.alternate_lba, 1);
}

TEST(stick_grow_valid)
{
	char err[512] = "";

	t_disk(&disk, OLD, BIG, one, 1);
	CHECK_INT(load_plan(err, sizeof(err)), STICK_PLAN_GROW);
	CHECK_STR(err, "");
	CHECK_STR(table.parts[0].name, "PXESTICK");
	CHECK_INT(plan.new_last, BIG - 2048 - 1);
	CHECK_INT(plan.writes[0].lba, BIG - 33);
	CHECK_INT(plan.writes[1].lba, BIG - 1);
	CHECK_INT(plan.writes[2].lba, 2);
	CHECK_INT(plan.writes[3].lba, 1);
	CHECK_INT(plan.writes[4].lba, 0);
	CHECK_INT(pending(), 5);
	apply(STICK_WRITES);
	check_grown();
}

TEST(stick_already_full)
{
	char err[512];

	t_disk(&disk, OLD, OLD, one, 1);
	CHECK_INT(load_plan(err, sizeof(err)), STICK_PLAN_FULL);
	CHECK_INT(plan.new_last, OLD - 2048 - 1);
	CHECK_INT(pending(), 0);
}

/* Not a MiB multiple: the end is still on a MiB boundary. */
TEST(stick_grow_unaligned_disk)
{
	char err[512];

	t_disk(&disk, OLD, BIG + 1000, one, 1);
	CHECK_INT(load_plan(err, sizeof(err)), STICK_PLAN_GROW);
	CHECK_INT(plan.new_last, BIG - 1);
	CHECK_INT((plan.new_last + 1) % STICK_ALIGN_SECTORS, 0);
	CHECK(plan.new_last <= plan.primary_hdr.last_usable);
}

/* A power cut after each write: the disk still loads, as the old or the
 * new table, and a second run finishes it. */
TEST(stick_power_cut)
{
	char err[512];

	for (size_t cut = 1; cut < STICK_WRITES; cut++) {
		t_disk(&disk, OLD, BIG, one, 1);
		CHECK_INT(load_plan(err, sizeof(err)), STICK_PLAN_GROW);
		apply(cut);
		CHECK_INT(load(err, sizeof(err)), 0);
		CHECK(table.parts[0].last == OLD - 2049 || table.parts[0].last == BIG - 2049);
		/* After the primary entries (3), only the new backup is valid. */
		CHECK_INT(table.from_backup, cut == 3);
		CHECK_INT(load_plan(err, sizeof(err)), cut >= 4 ? STICK_PLAN_FULL : STICK_PLAN_GROW);
		CHECK_INT(pending(), STICK_WRITES - (int)cut);
		apply(STICK_WRITES);
		check_grown();
	}
}

TEST(stick_primary_bad_backup_good)
{
	char err[512];

	t_disk(&disk, OLD, OLD, one, 1);
	md_sector(&disk, 1, 1)[60] ^= 1;        /* the disk GUID: header CRC */
	CHECK_INT(load_plan(err, sizeof(err)), STICK_PLAN_GROW);
	CHECK_INT(table.from_backup, 1);
	CHECK_STR(table.primary_why, "header CRC32 mismatch");
	CHECK_INT(table.hdr.my_lba, OLD - 1);
	CHECK_INT(pending(), 1);                /* the primary header */
	apply(STICK_WRITES);
	CHECK_INT(load_plan(err, sizeof(err)), STICK_PLAN_FULL);
	CHECK_INT(table.from_backup, 0);
	CHECK_INT(pending(), 0);
}

/* load fails with both reasons in err, the primary's containing want. */
static void
check_refused(const char *want)
{
	char err[512] = "";

	CHECK_INT(load(err, sizeof(err)), -1);
	if (strstr(err, want) == NULL)
		test_fail(__FILE__, __LINE__, "\"%s\" not in \"%s\"", want, err);
}

TEST(stick_bad_signature)
{
	t_disk(&disk, OLD, BIG, one, 1);
	memcpy(md_sector(&disk, 1, 1), "EFI PARX", 8);
	check_refused("primary header (LBA 1): no GPT signature");
	check_refused("backup header (LBA 2097151): no GPT signature");
}

TEST(stick_bad_crcs)
{
	t_disk(&disk, OLD, BIG, one, 1);
	md_sector(&disk, 1, 1)[48] ^= 1;
	check_refused("primary header (LBA 1): header CRC32 mismatch");
	t_disk(&disk, OLD, BIG, one, 1);
	md_sector(&disk, 2, 1)[40] ^= 1;
	check_refused("primary header (LBA 1): partition entry array CRC32 mismatch");
}

TEST(stick_bad_header_fields)
{
	static const struct {
		unsigned off, width;
		uint64_t value;
		const char *want;
	} cases[] = {
		{ 8, 4, 0x00020000, "revision" },
		{ 12, 4, 91, "header size" },
		{ 12, 4, 513, "header size" },
		{ 24, 8, 2, "MyLBA" },
		{ 32, 8, BIG, "alternate header LBA past the end" },
		{ 32, 8, 1000, "alternate header LBA inside" },
		{ 40, 8, 1, "first usable" },
		{ 48, 8, BIG, "last usable LBA past the end" },
		{ 72, 8, 1, "primary partition entry array" },
		{ 72, 8, BIG - 2, "past the end of the disk" },
		{ 72, 8, UINT64_MAX, "past the end of the disk" },
		{ 80, 4, 0, "no partition entries" },
		{ 80, 4, 0xffffffff, "larger than 64 KiB" },
		{ 80, 4, 513, "larger than 64 KiB" },
		{ 84, 4, 0x80000000, "not 128 x 2^n" },
		{ 84, 4, 129, "not 128 x 2^n" },
		{ 84, 4, 64, "not 128 x 2^n" },
		{ 84, 4, 8192, "not 128 x 2^n" },
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		uint8_t *h;

		t_disk(&disk, OLD, BIG, one, 1);
		h = md_sector(&disk, 1, 1);
		if (cases[i].width == 4)
			store_le32(h + cases[i].off, (uint32_t)cases[i].value);
		else
			store_le64(h + cases[i].off, cases[i].value);
		t_fix(&disk, 1);
		check_refused(cases[i].want);
	}
}

/* Sizes the spec allows: a 512-byte header, 256-byte entries. */
TEST(stick_other_sizes)
{
	char err[512];
	uint8_t *h;

	t_disk(&disk, OLD, BIG, one, 1);
	store_le32(md_sector(&disk, 1, 1) + 12, 512);
	t_fix(&disk, 1);
	CHECK_INT(load_plan(err, sizeof(err)), STICK_PLAN_GROW);
	CHECK_INT(plan.primary_hdr.header_size, 512);
	apply(STICK_WRITES);
	CHECK_INT(load_plan(err, sizeof(err)), STICK_PLAN_FULL);

	t_disk(&disk, OLD, BIG, one, 1);
	h = md_sector(&disk, 1, 1);
	store_le32(h + 80, 64);                 /* 64 x 256: the same 32 sectors */
	store_le32(h + 84, 256);
	t_fix(&disk, 1);
	CHECK_INT(load_plan(err, sizeof(err)), STICK_PLAN_GROW);
	apply(STICK_WRITES);
	CHECK_INT(load_plan(err, sizeof(err)), STICK_PLAN_FULL);
	CHECK_INT(table.hdr.entry_size, 256);
}

TEST(stick_partition_outside)
{
	const struct tpart beyond[] = { { 2048, OLD - 33, "PXESTICK" } };
	const struct tpart before[] = { { 33, 4000, "PXESTICK" } };
	const struct tpart reversed[] = { { 5000, 4000, "PXESTICK" } };

	t_disk(&disk, OLD, BIG, beyond, 1);
	check_refused("outside the usable LBAs");
	t_disk(&disk, OLD, BIG, before, 1);
	check_refused("outside the usable LBAs");
	t_disk(&disk, OLD, BIG, reversed, 1);
	check_refused("ends before it starts");
}

TEST(stick_overlap)
{
	const struct tpart two[] = { { 2048, 10000, "BOOT" }, { 10000, 20000, "PXESTICK" } };
	const struct tpart same[] = { { 2048, 10000, "PXESTICK" }, { 2048, 2048, "X" } };

	t_disk(&disk, OLD, BIG, two, 2);
	check_refused("overlap");
	t_disk(&disk, OLD, BIG, same, 2);
	check_refused("overlap");
}

TEST(stick_disk_smaller_than_image)
{
	char err[512];

	t_disk(&disk, OLD, OLD / 2, one, 1);
	CHECK_INT(load(err, sizeof(err)), -1);
	CHECK(strstr(err, "smaller than the image") != NULL);
	t_disk(&disk, OLD, 3, one, 1);
	CHECK_INT(load(err, sizeof(err)), -1);
	CHECK(strstr(err, "too small") != NULL);
}

TEST(stick_which_partition)
{
	const struct tpart last[] = { { 2048, 4095, "BOOT" }, { 4096, 8191, "PXESTICK" } };
	const struct tpart first[] = { { 4096, 8191, "BOOT" }, { 2048, 4095, "PXESTICK" } };
	const struct tpart none[] = { { 2048, 4095, "DATA" } };
	char err[512];

	t_disk(&disk, OLD, BIG, last, 2);
	CHECK_INT(load_plan(err, sizeof(err)), STICK_PLAN_GROW);
	CHECK_INT(plan.part->index, 1);
	CHECK_INT(plan.part->first, 4096);
	CHECK_INT(plan.new_last, BIG - 2049);
	t_disk(&disk, OLD, BIG, first, 2);      /* entry order is not disk order */
	CHECK_INT(load_plan(err, sizeof(err)), -1);
	CHECK_STR(err, "the partition to grow is not the last one on the disk");
	t_disk(&disk, OLD, BIG, none, 1);
	CHECK_INT(load_plan(err, sizeof(err)), -1);
	CHECK_STR(err, "no partition with that label");
}

TEST(stick_mbr)
{
	char err[512];
	uint8_t *m;

	t_disk(&disk, OLD, BIG, one, 1);
	md_sector(&disk, 0, 1)[511] = 0;
	check_refused("no MBR signature");
	t_disk(&disk, OLD, BIG, one, 1);
	md_sector(&disk, 0, 1)[446 + 4] = 0x83;
	check_refused("not a protective MBR");
	/* Hybrid: another record too; the 0xEE one is left as it is. */
	t_disk(&disk, OLD, BIG, one, 1);
	m = md_sector(&disk, 0, 1);
	memcpy(m + 446 + 16, m + 446, 16);
	m[446 + 4] = 0x0c;
	store_le32(m + 446 + 8, 2048);
	CHECK_INT(load_plan(err, sizeof(err)), STICK_PLAN_GROW);
	CHECK_INT(table.mbr_record, 1);
	CHECK_INT(memcmp(plan.mbr, m, GPT_SECTOR), 0);
	/* Over 2 TiB: 0xFFFFFFFF. */
	t_disk(&disk, OLD, 1ull << 33, one, 1);
	CHECK_INT(load_plan(err, sizeof(err)), STICK_PLAN_GROW);
	CHECK_INT(load_le32(plan.mbr + 446 + 12), 0xffffffffu);
}

/*
 * Rebuilt from a backup whose entry array is not right before it (the
 * spec allows a gap): the new backup array lies over the old one, so the
 * primary must be complete before the backup is touched.  A cut after
 * any write still leaves a table that loads.
 */
TEST(stick_power_cut_from_backup)
{
	const uint64_t moved = OLD - 43, usable = OLD - 44;
	uint8_t e[T_ENTRIES * T_ESIZE], *h;
	char err[512];

	for (size_t cut = 1; cut < STICK_WRITES; cut++) {
		t_disk(&disk, OLD, OLD, one, 1);
		md_read(&disk, e, sizeof(e), 2 * GPT_SECTOR);
		md_write(&disk, moved * GPT_SECTOR, e, sizeof(e));
		h = md_sector(&disk, OLD - 1, 1);
		store_le64(h + 72, moved);
		store_le64(h + 48, usable);
		t_fix(&disk, OLD - 1);
		memcpy(md_sector(&disk, 1, 1), "NOT GPT!", 8);
		CHECK_INT(load_plan(err, sizeof(err)), STICK_PLAN_GROW);
		CHECK_INT(table.from_backup, 1);
		CHECK_STR(plan.writes[0].what, "primary entries");
		CHECK_INT(plan.writes[2].lba, OLD - 33);
		apply(cut);
		CHECK_INT(load(err, sizeof(err)), 0);
		CHECK_INT(load_plan(err, sizeof(err)), cut >= 2 ? STICK_PLAN_FULL : STICK_PLAN_GROW);
		apply(STICK_WRITES);
		CHECK_INT(load_plan(err, sizeof(err)), STICK_PLAN_FULL);
		CHECK_INT(table.from_backup, 0);
		CHECK_INT(table.hdr.last_usable, OLD - 34);
		CHECK_INT(pending(), 0);
	}
}

/* A full disk whose backup is damaged: nothing grows, the backup header
 * is written again (and only it). */
TEST(stick_backup_damaged_on_full_disk)
{
	char err[512];

	t_disk(&disk, OLD, OLD, one, 1);
	md_sector(&disk, OLD - 1, 1)[100] = 1;  /* past the header: CRC still good */
	md_sector(&disk, OLD - 1, 1)[30] ^= 1;  /* MyLBA: CRC bad */
	CHECK_INT(load_plan(err, sizeof(err)), STICK_PLAN_FULL);
	CHECK_INT(table.from_backup, 0);
	CHECK_INT(pending(), 1);
	apply(STICK_WRITES);
	CHECK_INT(pending(), 0);
	CHECK_INT(md_sector(&disk, OLD - 1, 0)[100], 0);
}

/* Which mount sits on the disk or one of its partitions (mountinfo). */
TEST(stick_mount_on_finds_mounts)
{
	static const char info[] =
	    "22 27 0:21 / /proc rw,relatime - proc proc rw\n"
	    "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
	    "40 27 8:17 / /media/usb\\040stick rw,relatime - vfat /dev/sdb1 rw\n"
	    "41 27 8:33 /sub /mnt/x rw - ext4 /dev/sdc1 rw\n"
	    "garbage line\n"
	    "42 27 notmaj / /y rw\n"
	    "43 27 8:";
	dev_t sdb[2] = { makedev(8, 16), makedev(8, 17) };
	dev_t vda[1] = { makedev(254, 0) };
	dev_t sdd[2] = { makedev(8, 48), makedev(8, 49) };
	dev_t sdc1[1] = { makedev(8, 33) };
	char where[64];

	CHECK_INT(stick_mount_on(info, sizeof(info) - 1, sdb, 2, where, sizeof(where)), 1);
	CHECK_STR(where, "/media/usb\\040stick");
	CHECK_INT(stick_mount_on(info, sizeof(info) - 1, vda, 1, where, sizeof(where)), 1);
	CHECK_STR(where, "/");
	CHECK_INT(stick_mount_on(info, sizeof(info) - 1, sdd, 2, where, sizeof(where)), 0);
	CHECK_INT(stick_mount_on(info, sizeof(info) - 1, sdc1, 1, where, sizeof(where)), 1);
	CHECK_STR(where, "/mnt/x");
	/* cut anywhere: never read past the end */
	for (size_t n = 0; n < sizeof(info); n++)
		(void)stick_mount_on(info, n, sdb, 2, where, sizeof(where));
	CHECK_INT(stick_mount_on("", 0, sdb, 2, where, sizeof(where)), 0);
}
