/*
 * El Torito boot catalog (El Torito 1.0, 2.x): the validation entry, the
 * initial/default entry, then sections (header 0x90 more / 0x91 last) of
 * entries, skipping extension entries (0x44).
 *
 * A damaged catalog is reported in vol.boot_error and does not fail the
 * open: the files are still good to serve.
 */
#include <stdio.h>
#include <string.h>

#include "common/limits.h"
#include "common/util.h"
#include "iso/iso_format.h"
#include "iso/iso_internal.h"

static void
boot_entry(struct iso_volume *v, const unsigned char *e, unsigned platform)
{
	struct iso_boot_entry *b;

	if (v->n_boot >= ISO_MAX_BOOT_ENTRIES || v->n_boot >= sizeof(v->boot) / sizeof(v->boot[0]))
		return;
	b = &v->boot[v->n_boot++];
	b->platform = (uint8_t)platform;
	b->bootable = e[ET_ENT_INDICATOR] == ET_BOOTABLE;
	b->emulation = e[ET_ENT_MEDIA] & 0x0f;
	b->load_segment = load_le16(e + ET_ENT_SEGMENT);
	b->sector_count = load_le16(e + ET_ENT_SECTORS);
	b->load_rba = load_le32(e + ET_ENT_RBA);
}

static int
validation_ok(const unsigned char *e)
{
	unsigned sum = 0;

	if (e[0] != ET_HEADER_VALIDATION || e[ET_VAL_KEY55] != 0x55 ||
	    e[ET_VAL_KEYAA] != 0xaa)
		return 0;
	for (int i = 0; i < ET_ENTRY_SIZE; i += 2)
		sum += load_le16(e + i);
	return (sum & 0xffff) == 0;
}

int
iso_eltorito_read(struct iso_image *img)
{
	unsigned char cat[ISO_MAX_BOOT_CATALOG_SECTORS * ISO_SECTOR];
	struct iso_volume *v = &img->vol;
	uint64_t off = (uint64_t)v->boot_catalog_lba * ISO_SECTOR;
	size_t len = sizeof(cat), pos;
	unsigned platform, left_in_section = 0;
	int last_section = 0;

	if (off >= img->src.size) {
		snprintf(v->boot_error, sizeof(v->boot_error), "boot catalog sector %u "
		    "is past the end of the image", v->boot_catalog_lba);
		return 0;
	}
	if (len > img->src.size - off)
		len = (size_t)(img->src.size - off) / ET_ENTRY_SIZE * ET_ENTRY_SIZE;
	if (img->src.read(img->src.ctx, cat, len, off) != 0 || len < 2 * ET_ENTRY_SIZE) {
		snprintf(v->boot_error, sizeof(v->boot_error), "boot catalog at sector %u "
		    "cannot be read", v->boot_catalog_lba);
		return 0;
	}
	if (!validation_ok(cat)) {
		snprintf(v->boot_error, sizeof(v->boot_error), "boot catalog at sector %u "
		    "has a bad validation entry (key or checksum)", v->boot_catalog_lba);
		return 0;
	}
	platform = cat[ET_VAL_PLATFORM];
	boot_entry(v, cat + ET_ENTRY_SIZE, platform); /* initial/default entry */
	for (pos = 2 * ET_ENTRY_SIZE; pos + ET_ENTRY_SIZE <= len; pos += ET_ENTRY_SIZE) {
		const unsigned char *e = cat + pos;

		if (left_in_section == 0) {
			if (last_section || (e[0] != ET_HEADER_MORE && e[0] != ET_HEADER_LAST))
				break;
			last_section = e[0] == ET_HEADER_LAST;
			platform = e[ET_SEC_PLATFORM];
			left_in_section = load_le16(e + ET_SEC_COUNT);
			continue;
		}
		if (e[0] == ET_EXTENSION)
			continue; /* belongs to the entry before it */
		if (e[0] != ET_BOOTABLE && e[0] != ET_NOT_BOOTABLE) {
			snprintf(v->boot_error, sizeof(v->boot_error), "boot catalog entry "
			    "%zu has an unknown indicator %#x", pos / ET_ENTRY_SIZE, e[0]);
			break;
		}
		boot_entry(v, e, platform);
		left_in_section--;
	}
	return 0;
}
