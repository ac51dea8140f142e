/*
 * GPT on disk (stick_gpt.h).  Offsets are UEFI 2.10's tables 5-5 (MBR
 * partition record), 5-6 (GPT header) and 5-7 (partition entry).
 */
#include <string.h>

#include "common/limits.h"
#include "common/util.h"
#include "stick/stick_gpt.h"

/* Protective MBR (UEFI 5.2.3). */
enum {
	MBR_RECORDS = 446, MBR_RECORD_LEN = 16, MBR_SIG = 510,
	REC_TYPE = 4, REC_START = 8, REC_SIZE = 12, TYPE_PROTECTIVE = 0xee,
};

/* GPT header (UEFI 5.3.2). */
enum {
	H_SIG = 0, H_REVISION = 8, H_SIZE = 12, H_CRC = 16, H_MY = 24, H_ALT = 32,
	H_FIRST = 40, H_LAST = 48, H_GUID = 56, H_ENTRIES = 72, H_NUM = 80,
	H_ENTRY_SIZE = 84, H_ENTRIES_CRC = 88,
};

/* Partition entry (UEFI 5.3.3). */
enum { E_TYPE = 0, E_FIRST = 32, E_LAST = 40, E_NAME = 56 };

static const uint8_t gpt_signature[8] = { 'E', 'F', 'I', ' ', 'P', 'A', 'R', 'T' };

int
gpt_mbr_find(const uint8_t s[GPT_SECTOR], const char **why)
{
	if (s[MBR_SIG] != 0x55 || s[MBR_SIG + 1] != 0xaa) {
		*why = "LBA 0 has no MBR signature (0x55AA)";
		return -1;
	}
	for (int i = 0; i < 4; i++) {
		const uint8_t *r = s + MBR_RECORDS + i * MBR_RECORD_LEN;

		if (r[REC_TYPE] == TYPE_PROTECTIVE && load_le32(r + REC_START) == 1)
			return i;
	}
	*why = "LBA 0 is not a protective MBR (no record of type 0xEE at LBA 1)";
	return -1;
}

void
gpt_mbr_resize(uint8_t s[GPT_SECTOR], int rec, uint64_t disk_sectors)
{
	uint8_t *r = s + MBR_RECORDS + rec * MBR_RECORD_LEN;

	for (int i = 0; i < 4; i++)
		if (i != rec && s[MBR_RECORDS + i * MBR_RECORD_LEN + REC_TYPE] != 0)
			return; /* hybrid */
	store_le32(r + REC_SIZE, disk_sectors - 1 > UINT32_MAX ? UINT32_MAX :
	    (uint32_t)(disk_sectors - 1));
}

size_t
gpt_entries_len(const struct gpt_header *h)
{
	return (size_t)h->num_entries * h->entry_size;
}

uint64_t
gpt_entries_sectors(const struct gpt_header *h)
{
	return (gpt_entries_len(h) + GPT_SECTOR - 1) / GPT_SECTOR;
}

static uint32_t
header_crc(const uint8_t s[GPT_SECTOR], uint32_t size)
{
	uint8_t tmp[GPT_SECTOR];

	/* The CRC covers the header with its own CRC field taken as zero. */
	memcpy(tmp, s, size);
	memset(tmp + H_CRC, 0, 4);
	return crc32_ieee(0, tmp, size);
}

static void
header_fields(const uint8_t *s, struct gpt_header *h)
{
	h->revision = load_le32(s + H_REVISION);
	h->header_size = load_le32(s + H_SIZE);
	h->my_lba = load_le64(s + H_MY);
	h->alternate_lba = load_le64(s + H_ALT);
	h->first_usable = load_le64(s + H_FIRST);
	h->last_usable = load_le64(s + H_LAST);
	memcpy(h->disk_guid, s + H_GUID, 16);
	h->entries_lba = load_le64(s + H_ENTRIES);
	h->num_entries = load_le32(s + H_NUM);
	h->entry_size = load_le32(s + H_ENTRY_SIZE);
	h->entries_crc = load_le32(s + H_ENTRIES_CRC);
}

/* The entry size and count, before any size is computed from them. */
static const char *
check_entry_geometry(const struct gpt_header *h)
{
	if (h->entry_size < GPT_ENTRY_MIN || h->entry_size > STICK_GPT_MAX_ENTRY_SIZE ||
	    (h->entry_size & (h->entry_size - 1)) != 0)
		return "partition entry size is not 128 x 2^n bytes (up to 4096)";
	if (h->num_entries == 0)
		return "no partition entries";
	/* 32 x 32 bits: no overflow in 64. */
	if ((uint64_t)h->num_entries * h->entry_size > STICK_GPT_MAX_ENTRIES_BYTES)
		return "partition entry array larger than 64 KiB (STICK_GPT_MAX_ENTRIES_BYTES)";
	return NULL;
}

/* Where the header says things are, against the disk and each other.
 * Every sum is taken after its terms are known to be below disk. */
static const char *
check_layout(const struct gpt_header *h, uint64_t lba, uint64_t disk)
{
	uint64_t n = gpt_entries_sectors(h);

	if (h->my_lba != lba)
		return "MyLBA is not the LBA the header was read at";
	if (h->alternate_lba >= disk)
		return "alternate header LBA past the end of the disk (a disk smaller than the image?)";
	if (h->last_usable >= disk)
		return "last usable LBA past the end of the disk (a disk smaller than the image?)";
	if (h->first_usable < 2 || h->first_usable > h->last_usable)
		return "first usable LBA not between the primary header and the last usable LBA";
	if (h->entries_lba >= disk || n > disk - h->entries_lba)
		return "partition entry array past the end of the disk";
	if (lba == 1) {
		if (h->alternate_lba <= h->last_usable)
			return "alternate header LBA inside the usable LBAs";
		if (h->entries_lba < 2 || h->entries_lba + n > h->first_usable)
			return "primary partition entry array not between LBA 2 and the first usable LBA";
	} else {
		if (lba <= h->last_usable)
			return "backup header inside the usable LBAs";
		if (h->alternate_lba >= h->first_usable)
			return "alternate header LBA inside the usable LBAs";
		if (h->entries_lba <= h->last_usable || h->entries_lba + n > lba)
			return "backup partition entry array not between the last usable LBA and the header";
	}
	return NULL;
}

int
gpt_header_decode(const uint8_t s[GPT_SECTOR], uint64_t lba, uint64_t disk_sectors,
    struct gpt_header *h, const char **why)
{
	const char *bad;

	if (memcmp(s + H_SIG, gpt_signature, sizeof(gpt_signature)) != 0) {
		*why = "no GPT signature (\"EFI PART\")";
		return -1;
	}
	header_fields(s, h);
	if (h->revision >> 16 != 1) {
		*why = "GPT revision is not 1.x";
		return -1;
	}
	if (h->header_size < GPT_HEADER_SIZE || h->header_size > GPT_SECTOR) {
		*why = "header size outside 92..512 bytes";
		return -1;
	}
	if (header_crc(s, h->header_size) != load_le32(s + H_CRC)) {
		*why = "header CRC32 mismatch";
		return -1;
	}
	if ((bad = check_entry_geometry(h)) != NULL ||
	    (bad = check_layout(h, lba, disk_sectors)) != NULL) {
		*why = bad;
		return -1;
	}
	return 0;
}

void
gpt_header_encode(const struct gpt_header *h, uint8_t s[GPT_SECTOR])
{
	memset(s, 0, GPT_SECTOR);
	memcpy(s + H_SIG, gpt_signature, sizeof(gpt_signature));
	store_le32(s + H_REVISION, h->revision);
	store_le32(s + H_SIZE, h->header_size);
	store_le64(s + H_MY, h->my_lba);
	store_le64(s + H_ALT, h->alternate_lba);
	store_le64(s + H_FIRST, h->first_usable);
	store_le64(s + H_LAST, h->last_usable);
	memcpy(s + H_GUID, h->disk_guid, 16);
	store_le64(s + H_ENTRIES, h->entries_lba);
	store_le32(s + H_NUM, h->num_entries);
	store_le32(s + H_ENTRY_SIZE, h->entry_size);
	store_le32(s + H_ENTRIES_CRC, h->entries_crc);
	store_le32(s + H_CRC, header_crc(s, h->header_size));
}

static int
entry_used(const uint8_t *e)
{
	for (int i = 0; i < 16; i++)
		if (e[E_TYPE + i] != 0)
			return 1;
	return 0;
}

static void
entry_name(const uint8_t *e, char *out)
{
	size_t i;

	for (i = 0; i < GPT_NAME_UNITS; i++) {
		uint16_t u = load_le16(e + E_NAME + 2 * i);

		if (u == 0)
			break;
		out[i] = u >= 0x20 && u < 0x7f ? (char)u : '?';
	}
	out[i] = '\0';
}

/* Insert p into parts[0..n) kept sorted by first LBA. */
static void
parts_insert(struct gpt_part *parts, size_t n, const struct gpt_part *p)
{
	size_t k = n;

	while (k > 0 && parts[k - 1].first > p->first) {
		parts[k] = parts[k - 1];
		k--;
	}
	parts[k] = *p;
}

int
gpt_entries_decode(const struct gpt_header *h, const uint8_t *e, size_t len,
    struct gpt_part *parts, size_t max, size_t *n, const char **why)
{
	size_t used = 0;

	if (len != gpt_entries_len(h) || crc32_ieee(0, e, len) != h->entries_crc) {
		*why = "partition entry array CRC32 mismatch";
		return -1;
	}
	for (uint32_t i = 0; i < h->num_entries; i++) {
		const uint8_t *p = e + (size_t)i * h->entry_size;
		struct gpt_part part;

		if (!entry_used(p))
			continue;
		part.index = i;
		part.first = load_le64(p + E_FIRST);
		part.last = load_le64(p + E_LAST);
		if (part.first > part.last) {
			*why = "a partition ends before it starts";
			return -1;
		}
		if (part.first < h->first_usable || part.last > h->last_usable) {
			*why = "a partition lies outside the usable LBAs";
			return -1;
		}
		if (used == max) {
			*why = "more partitions than this reader keeps";
			return -1;
		}
		entry_name(p, part.name);
		parts_insert(parts, used++, &part);
	}
	for (size_t k = 1; k < used; k++) {
		if (parts[k].first <= parts[k - 1].last) {
			*why = "two partitions overlap";
			return -1;
		}
	}
	*n = used;
	return 0;
}

void
gpt_entry_set_last(const struct gpt_header *h, uint8_t *e, uint32_t index, uint64_t last)
{
	store_le64(e + (size_t)index * h->entry_size + E_LAST, last);
}
