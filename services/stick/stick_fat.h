/*
 * A FAT32 filesystem made on the stick's data partition once it has been
 * grown to fill the stick (the image's small FAT cannot grow in place: its
 * FAT tables, sized for the image, fix its largest size).
 *
 * Why our own and not mkfs: the appliance holds busybox and one static
 * musl binary; busybox's mkdosfs pads the label with NULs (fsck.fat then
 * removes it, and some systems show no name) and places no backup boot
 * sector where FAT32 readers look for it.  dosfstools' mkfs.fat is a
 * glibc binary.  A FAT32 format is a handful of fixed sectors:
 *
 *   fat32_layout()  pure: cluster size (as Windows picks it), reserved
 *                   sectors, FAT size, clusters -- the data region
 *                   starting on a 1 MiB boundary, like the partitions
 *   fat32_*_sector() pure: the bytes of the boot sector, the FSInfo
 *                   sector, the first sector of each FAT and of the root
 *                   directory (which holds the volume label)
 *
 * stick_cli.c (`pxestick stick mkfs`) writes them; the host tests have
 * fsck.fat, mtools and the kernel's vfat judge the result.
 */
#ifndef PXESTICK_STICK_STICK_FAT_H
#define PXESTICK_STICK_STICK_FAT_H

#include <stdint.h>

#define FAT_SECTOR 512u
/* FAT32 needs at least this many clusters, or readers take it for FAT16. */
#define FAT32_MIN_CLUSTERS 65525u
/* Cluster numbers are 28 bits; the top few are markers. */
#define FAT32_MAX_CLUSTERS 0x0FFFFFF5u
/* The data region starts on this boundary (sectors: 1 MiB). */
#define FAT32_ALIGN 2048u

struct fat32_layout {
	uint32_t sectors;       /* the filesystem's size (the partition's, at most 2 TiB) */
	uint32_t hidden;        /* the partition's first LBA (BPB "hidden sectors") */
	uint32_t spc;           /* sectors per cluster */
	uint32_t reserved;      /* sectors before the first FAT (boot, FSInfo, backups) */
	uint32_t fat_sectors;   /* each of the two FATs */
	uint32_t clusters;      /* data clusters, numbered from 2 */
	uint32_t serial;        /* the volume serial number */
	char label[11];         /* space padded */
};

/* Where the parts are, in sectors from the filesystem's start. */
#define FAT32_FSINFO_SECTOR 1u
#define FAT32_BACKUP_BOOT   6u
#define FAT32_BACKUP_FSINFO 7u
static inline uint32_t fat32_fat_start(const struct fat32_layout *l, unsigned n)
{
	return l->reserved + n * l->fat_sectors;
}
static inline uint32_t fat32_data_start(const struct fat32_layout *l)
{
	return l->reserved + 2 * l->fat_sectors;
}

/* label as FAT stores it (11 bytes, upper case, space padded) in out: 0;
 * -1 when it is not 1 to 11 of A-Z 0-9 _ - (lower case is made upper). */
#define FAT32_LABEL_RULE "the label must be 1 to 11 of A-Z 0-9 _ -"
int fat32_label(char out[11], const char *label);

/*
 * The layout of a FAT32 filesystem on a partition of part_sectors (512
 * bytes) starting at LBA hidden, named label (1 to 11 of A-Z 0-9 _ -;
 * lower case is made upper).  0; or -1 with why: the partition too small
 * for FAT32 (about 33 MiB) or the label not allowed.  A partition over
 * 2 TiB gets a 2 TiB filesystem (FAT32's 32-bit sector count).
 */
int fat32_layout(uint64_t part_sectors, uint64_t hidden, uint32_t serial, const char *label,
    struct fat32_layout *l, const char **why);

/* The sectors to write (each FAT_SECTOR bytes); date: DOS date and time
 * of the volume label entry. */
void fat32_boot_sector(const struct fat32_layout *l, uint8_t *out);
void fat32_fsinfo_sector(const struct fat32_layout *l, uint8_t *out);
void fat32_fat_sector(uint8_t *out);
void fat32_root_sector(const struct fat32_layout *l, uint16_t dos_date, uint16_t dos_time,
    uint8_t *out);

#endif
