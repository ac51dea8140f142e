/*
 * The GUID Partition Table on disk (UEFI 2.10, chapter 5.2-5.3): the
 * protective MBR at LBA 0, the GPT header at LBA 1 and its copy (the
 * "backup") at the disk's last LBA, each pointing at its own partition
 * entry array.  Pure functions over sector bytes: decode with every field
 * checked, encode with the CRCs computed.  No I/O (stick.h reads).
 *
 * Only 512-byte logical sectors: every USB stick we meet has them, and
 * the image is built for them (image/mkimage.sh).
 *
 * Every value read from the disk is untrusted: a stick may carry anything.
 * Every failure gives a static reason in *why ("entries CRC32 mismatch").
 */
#ifndef PXESTICK_STICK_GPT_H
#define PXESTICK_STICK_GPT_H

#include <stddef.h>
#include <stdint.h>

#define GPT_SECTOR       512u
#define GPT_HEADER_SIZE  92u    /* revision 1.0's fields; the rest of the sector is zero */
#define GPT_ENTRY_MIN    128u
#define GPT_NAME_UNITS   36u    /* UTF-16LE code units of a partition name */

/* The fields of a GPT header, decoded. */
struct gpt_header {
	uint32_t revision;
	uint32_t header_size;   /* 92..512: bytes the header CRC covers */
	uint64_t my_lba;        /* where this copy is: 1, or the disk's last LBA */
	uint64_t alternate_lba; /* where the other copy is */
	uint64_t first_usable, last_usable;
	uint8_t disk_guid[16];
	uint64_t entries_lba;
	uint32_t num_entries, entry_size, entries_crc;
};

/* A used partition entry (its type GUID is not zero), decoded. */
struct gpt_part {
	uint32_t index;         /* in the entry array; Linux names it index + 1 */
	uint64_t first, last;   /* LBAs, inclusive */
	char name[GPT_NAME_UNITS + 1]; /* ASCII; any other character is '?' */
};

/*
 * The 0xEE record of a protective MBR in sector s: 0..3; or -1 with *why
 * (no 0x55AA signature, no record of type 0xEE starting at LBA 1).
 */
int gpt_mbr_find(const uint8_t s[GPT_SECTOR], const char **why);

/*
 * Set the protective record rec's size to cover a disk of disk_sectors
 * (UEFI 5.2.3: the disk's size minus one, or 0xFFFFFFFF when that does not
 * fit).  Only when it is the MBR's only record: a hybrid MBR (other
 * records too) is left as it is, its 0xEE record covers what it chose.
 */
void gpt_mbr_resize(uint8_t s[GPT_SECTOR], int rec, uint64_t disk_sectors);

/*
 * Decode and check the header in sector s, read at LBA lba of a disk of
 * disk_sectors: signature, revision 1.x, header size, header CRC32, MyLBA
 * == lba, the usable range and both entry arrays inside the disk and
 * outside the usable range, entry size 128 x 2^n up to
 * STICK_GPT_MAX_ENTRY_SIZE, the array at most STICK_GPT_MAX_ENTRIES_BYTES.
 * lba 1 is checked as a primary header, any other as a backup.  0, or -1
 * with *why.  The entry array itself is checked by gpt_entries_decode().
 */
int gpt_header_decode(const uint8_t s[GPT_SECTOR], uint64_t lba, uint64_t disk_sectors,
    struct gpt_header *h, const char **why);

/* Sector s (all of it) holding header h, its CRC32 computed over
 * h->header_size bytes; the bytes past the 92 defined ones are zero. */
void gpt_header_encode(const struct gpt_header *h, uint8_t s[GPT_SECTOR]);

/* Bytes and sectors of h's entry array (h decoded: no overflow). */
size_t gpt_entries_len(const struct gpt_header *h);
uint64_t gpt_entries_sectors(const struct gpt_header *h);

/*
 * Check the entry array e[0..len) of header h (len == gpt_entries_len(h)):
 * its CRC32, and each used entry inside h's usable range, first <= last,
 * no two overlapping.  The used entries go to parts[0..max) sorted by
 * first LBA, their count to *n.  0, or -1 with *why.
 */
int gpt_entries_decode(const struct gpt_header *h, const uint8_t *e, size_t len,
    struct gpt_part *parts, size_t max, size_t *n, const char **why);

/* Set entry index's ending LBA in the array e (of header h) to last. */
void gpt_entry_set_last(const struct gpt_header *h, uint8_t *e, uint32_t index, uint64_t last);

#endif
