/*
 * The FAT32 layout of services/stick/stick_fat.c: checked against the
 * rules of Microsoft's FAT specification, not against its own formulas --
 * the FAT covers every cluster, FAT32's cluster count range, the cluster
 * size table, the data region on 1 MiB -- and the sectors' fields read
 * back at their fixed offsets.  (tests/host/test_stick.sh has fsck.fat,
 * mtools and the kernel judge whole filesystems.)
 */
#include "harness.h"

#include "common/util.h"
#include "stick/stick_fat.h"

#define MIB 2048ull   /* sectors */
#define GIB (1024 * MIB)

/* The rules every layout must keep, whatever the size. */
static void
check_rules(const struct fat32_layout *l, uint64_t part)
{
	uint64_t data = fat32_data_start(l);

	CHECK(l->sectors <= part);
	CHECK(l->reserved >= 32);                       /* boot, FSInfo, their backups */
	CHECK(l->reserved <= 0xFFFF);
	CHECK_INT(data % FAT32_ALIGN, 0);
	CHECK(l->clusters >= FAT32_MIN_CLUSTERS);
	CHECK(l->clusters <= FAT32_MAX_CLUSTERS - 2);
	/* The data region holds the clusters, and no whole cluster is left out. */
	CHECK(data + (uint64_t)l->clusters * l->spc <= l->sectors);
	CHECK(l->clusters == FAT32_MAX_CLUSTERS - 2 ||
	    data + ((uint64_t)l->clusters + 1) * l->spc > l->sectors);
	/* Each FAT has an entry for every cluster (plus 0 and 1), and is not
	 * more than one sector (plus the 1 MiB rounding) too big. */
	CHECK((uint64_t)l->fat_sectors * FAT_SECTOR >= ((uint64_t)l->clusters + 2) * 4);
}

TEST(fat32_cluster_sizes_as_windows)
{
	static const struct { uint64_t sectors; uint32_t spc; } t[] = {
		{ 40 * MIB, 1 }, { 260 * MIB, 1 }, { 261 * MIB, 8 }, { 8 * GIB, 8 },
		{ 8 * GIB + MIB, 16 }, { 16 * GIB, 16 }, { 31 * GIB, 32 }, { 32 * GIB, 32 },
		{ 33 * GIB, 64 }, { 256 * GIB, 64 }, { 2048 * GIB - 1, 64 },
	};
	struct fat32_layout l;
	const char *why = NULL;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CHECK_INT(fat32_layout(t[i].sectors, 2048, 1, "PXESTICK", &l, &why), 0);
		CHECK_INT(l.spc, t[i].spc);
		CHECK_INT(l.sectors, t[i].sectors);
		check_rules(&l, t[i].sectors);
	}
}

TEST(fat32_sizes_sweep)
{
	struct fat32_layout l;
	const char *why = NULL;

	/* Odd sizes, near every boundary of the table and of a FAT sector. */
	for (uint64_t s = 34 * MIB; s < 300 * MIB; s += 4093)
		if (fat32_layout(s, 0, 1, "X", &l, &why) == 0)
			check_rules(&l, s);
	for (uint64_t s = 7 * GIB; s < 9 * GIB; s += 1000003) {
		CHECK_INT(fat32_layout(s, 0, 1, "X", &l, &why), 0);
		check_rules(&l, s);
	}
}

TEST(fat32_8gib_stick)
{
	/* The test stick: 8 GiB, the data partition from 64 MiB to the last
	 * MiB before the backup GPT. */
	uint64_t part = 8 * GIB - 64 * MIB - MIB;
	struct fat32_layout l;
	const char *why = NULL;

	CHECK_INT(fat32_layout(part, 64 * MIB, 0x1234abcd, "pxestick", &l, &why), 0);
	CHECK_INT(l.spc, 8);
	CHECK_INT(l.hidden, 64 * MIB);
	CHECK(memcmp(l.label, "PXESTICK   ", 11) == 0);
	check_rules(&l, part);
	/* About 2 million 4 KiB clusters: two FATs of about 8 MiB. */
	CHECK(l.clusters > 2000000 && l.clusters < 2100000);
}

TEST(fat32_too_small_and_too_big)
{
	struct fat32_layout l;
	const char *why = NULL;

	CHECK_INT(fat32_layout(0, 0, 1, "PXESTICK", &l, &why), -1);
	CHECK(why != NULL && strstr(why, "too small") != NULL);
	CHECK_INT(fat32_layout(2 * MIB, 0, 1, "PXESTICK", &l, &why), -1);
	CHECK_INT(fat32_layout(32 * MIB, 0, 1, "PXESTICK", &l, &why), -1);
	CHECK_INT(fat32_layout(34 * MIB, 0, 1, "PXESTICK", &l, &why), 0);
	/* 3 TiB: FAT32 counts sectors in 32 bits; 2 TiB of it is made. */
	CHECK_INT(fat32_layout(3 * 1024 * GIB, 0, 1, "PXESTICK", &l, &why), 0);
	CHECK_INT(l.sectors, 0xFFFFFFFFu);
	check_rules(&l, 0xFFFFFFFFu);
}

TEST(fat32_labels)
{
	struct fat32_layout l;
	const char *why = NULL;

	CHECK_INT(fat32_layout(64 * MIB, 0, 1, "", &l, &why), -1);
	CHECK(strstr(why, "label") != NULL);
	CHECK_INT(fat32_layout(64 * MIB, 0, 1, "TWELVE_CHARS", &l, &why), -1);
	CHECK_INT(fat32_layout(64 * MIB, 0, 1, "A B", &l, &why), -1);
	CHECK_INT(fat32_layout(64 * MIB, 0, 1, "A/B", &l, &why), -1);
	CHECK_INT(fat32_layout(64 * MIB, 0, 1, "\xc3\xa9t\xc3\xa9", &l, &why), -1);
	CHECK_INT(fat32_layout(64 * MIB, 0, 1, "ELEVEN_CHAR", &l, &why), 0);
	CHECK(memcmp(l.label, "ELEVEN_CHAR", 11) == 0);
	CHECK_INT(fat32_layout(64 * MIB, 0, 1, "my-Stick_2", &l, &why), 0);
	CHECK(memcmp(l.label, "MY-STICK_2 ", 11) == 0);
}

TEST(fat32_sectors_fields)
{
	struct fat32_layout l;
	const char *why = NULL;
	uint8_t b[FAT_SECTOR];

	CHECK_INT(fat32_layout(1 * GIB, 129024, 0xdeadbeef, "PXESTICK", &l, &why), 0);
	fat32_boot_sector(&l, b);
	CHECK_INT(load_le16(b + 11), 512);
	CHECK_INT(b[13], l.spc);
	CHECK_INT(load_le16(b + 14), l.reserved);
	CHECK_INT(b[16], 2);
	CHECK_INT(load_le16(b + 17), 0);                /* no FAT16 root directory */
	CHECK_INT(load_le16(b + 19), 0);
	CHECK_INT(load_le16(b + 22), 0);
	CHECK_INT(load_le32(b + 28), 129024);
	CHECK_INT(load_le32(b + 32), 1 * GIB);
	CHECK_INT(load_le32(b + 36), l.fat_sectors);
	CHECK_INT(load_le32(b + 44), 2);
	CHECK_INT(load_le16(b + 48), 1);
	CHECK_INT(load_le16(b + 50), 6);
	CHECK_INT(b[66], 0x29);
	CHECK_INT(load_le32(b + 67), 0xdeadbeef);
	CHECK(memcmp(b + 71, "PXESTICK   ", 11) == 0);
	CHECK(memcmp(b + 82, "FAT32   ", 8) == 0);
	CHECK(b[0] == 0xeb && b[510] == 0x55 && b[511] == 0xaa);

	fat32_fsinfo_sector(&l, b);
	CHECK_INT(load_le32(b), 0x41615252);
	CHECK_INT(load_le32(b + 484), 0x61417272);
	CHECK_INT(load_le32(b + 488), l.clusters - 1);
	CHECK_INT(load_le32(b + 508), 0xaa550000);

	fat32_fat_sector(b);
	CHECK_INT(load_le32(b), 0x0ffffff8);
	CHECK_INT(load_le32(b + 8), 0x0fffffff);        /* the root: one cluster */
	CHECK_INT(load_le32(b + 12), 0);                /* the rest free */

	fat32_root_sector(&l, 0x5a81, 0x6000, b);
	CHECK(memcmp(b, "PXESTICK   ", 11) == 0);
	CHECK_INT(b[11], 0x08);
	CHECK_INT(load_le16(b + 24), 0x5a81);
	CHECK_INT(b[32], 0);                            /* the end of the directory */
}
