/*
 * FAT32 layout and sectors (stick_fat.h).  Field offsets are those of
 * Microsoft's FAT specification (fatgen103): the BIOS parameter block at
 * byte 11 of the boot sector, the FAT32 extension from byte 36.
 */
#include <string.h>

#include "common/util.h"
#include "stick/stick_fat.h"

/* Sectors per cluster by partition size, as fatgen103's table (and
 * Windows): 512 B clusters up to 260 MiB, 4 KiB to 8 GiB, 8 KiB to
 * 16 GiB, 16 KiB to 32 GiB, 32 KiB above. */
static uint32_t
cluster_sectors(uint64_t sectors)
{
	if (sectors <= 532480u)
		return 1;
	if (sectors <= 16777216u)
		return 8;
	if (sectors <= 33554432u)
		return 16;
	if (sectors <= 67108864u)
		return 32;
	return 64;
}

int
fat32_label(char out[11], const char *label)
{
	size_t n = strlen(label);

	if (n == 0 || n > 11)
		return -1;
	memset(out, ' ', 11);
	for (size_t i = 0; i < n; i++) {
		char c = label[i];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return -1;
		out[i] = c;
	}
	return 0;
}

int
fat32_layout(uint64_t part_sectors, uint64_t hidden, uint32_t serial, const char *label,
    struct fat32_layout *l, const char **why)
{
	uint64_t total = part_sectors > 0xFFFFFFFFu ? 0xFFFFFFFFu : part_sectors;
	uint32_t fat = 1;

	memset(l, 0, sizeof(*l));
	if (fat32_label(l->label, label) != 0) {
		*why = FAT32_LABEL_RULE;
		return -1;
	}
	l->sectors = (uint32_t)total;
	l->hidden = hidden > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)hidden;
	l->serial = serial;
	l->spc = cluster_sectors(total);
	/*
	 * The FAT holds a 4-byte entry per cluster (and two unused), but the
	 * clusters are what the FATs leave: grow the FAT until it covers them.
	 * Each round the FAT only grows and the clusters only shrink, so this
	 * ends (in two or three rounds).
	 */
	for (;;) {
		uint64_t data = (32u + 2u * (uint64_t)fat + FAT32_ALIGN - 1) / FAT32_ALIGN * FAT32_ALIGN;
		uint64_t clusters, need;

		if (data >= total) {
			*why = "the partition is too small for FAT32 (it needs about 33 MiB)";
			return -1;
		}
		clusters = (total - data) / l->spc;
		if (clusters > FAT32_MAX_CLUSTERS - 2)
			clusters = FAT32_MAX_CLUSTERS - 2;
		need = ((clusters + 2) * 4 + FAT_SECTOR - 1) / FAT_SECTOR;
		if (need <= fat) {
			l->fat_sectors = fat;
			l->reserved = (uint32_t)(data - 2u * fat);
			l->clusters = (uint32_t)clusters;
			break;
		}
		fat = (uint32_t)need;
	}
	if (l->clusters < FAT32_MIN_CLUSTERS) {
		*why = "the partition is too small for FAT32 (it needs about 33 MiB)";
		return -1;
	}
	return 0;
}

void
fat32_boot_sector(const struct fat32_layout *l, uint8_t *b)
{
	/* Never booted (the partition is not marked bootable): a BIOS that
	 * runs it anyway halts instead of executing zeros. */
	static const uint8_t halt[] = { 0xfa, 0xf4, 0xeb, 0xfd }; /* cli; hlt; jmp hlt */

	memset(b, 0, FAT_SECTOR);
	b[0] = 0xeb, b[1] = 0x58, b[2] = 0x90;         /* jmp 0x5a; nop */
	memcpy(b + 3, "PXESTICK", 8);                  /* OEM name */
	store_le16(b + 11, FAT_SECTOR);
	b[13] = (uint8_t)l->spc;
	store_le16(b + 14, (uint16_t)l->reserved);
	b[16] = 2;                                     /* FATs */
	/* 17: root entries, 19: 16-bit sectors, 22: 16-bit FAT size: 0 on FAT32 */
	b[21] = 0xf8;                                  /* media: fixed disk */
	store_le16(b + 24, 63);                        /* geometry, for old readers */
	store_le16(b + 26, 255);
	store_le32(b + 28, l->hidden);
	store_le32(b + 32, l->sectors);
	store_le32(b + 36, l->fat_sectors);
	/* 40: both FATs mirrored; 42: version 0.0 */
	store_le32(b + 44, 2);                         /* the root directory's cluster */
	store_le16(b + 48, FAT32_FSINFO_SECTOR);
	store_le16(b + 50, FAT32_BACKUP_BOOT);
	b[64] = 0x80;                                  /* drive number */
	b[66] = 0x29;                                  /* the next three fields are valid */
	store_le32(b + 67, l->serial);
	memcpy(b + 71, l->label, 11);
	memcpy(b + 82, "FAT32   ", 8);
	memcpy(b + 90, halt, sizeof(halt));
	b[510] = 0x55, b[511] = 0xaa;
}

void
fat32_fsinfo_sector(const struct fat32_layout *l, uint8_t *b)
{
	memset(b, 0, FAT_SECTOR);
	store_le32(b, 0x41615252);                     /* "RRaA" */
	store_le32(b + 484, 0x61417272);               /* "rrAa" */
	store_le32(b + 488, l->clusters - 1);          /* free: all but the root's */
	store_le32(b + 492, 3);                        /* where to look for one */
	store_le32(b + 508, 0xaa550000);
}

void
fat32_fat_sector(uint8_t *b)
{
	memset(b, 0, FAT_SECTOR);
	store_le32(b, 0x0ffffff8);                     /* entry 0: the media byte */
	store_le32(b + 4, 0x0fffffff);                 /* entry 1: clean, no errors */
	store_le32(b + 8, 0x0fffffff);                 /* cluster 2, the root: its last */
}

void
fat32_root_sector(const struct fat32_layout *l, uint16_t dos_date, uint16_t dos_time,
    uint8_t *b)
{
	memset(b, 0, FAT_SECTOR);
	memcpy(b, l->label, 11);
	b[11] = 0x08;                                  /* attribute: volume label */
	store_le16(b + 14, dos_time);                  /* created */
	store_le16(b + 16, dos_date);
	store_le16(b + 18, dos_date);                  /* accessed */
	store_le16(b + 22, dos_time);                  /* written */
	store_le16(b + 24, dos_date);
}
