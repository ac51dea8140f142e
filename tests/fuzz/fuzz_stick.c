/*
 * Fuzz target: the stick's GPT reader and grow planner (services/stick)
 * on arbitrary disks.
 *
 * Input: one flag byte, the disk's size in sectors (4 bytes, little
 * endian; 0: the image's own size), then the image from LBA 0.  The disk
 * reads as zeros past the image.  Flags: bit 0 / bit 1 recompute the
 * primary's / the last LBA's header and entry CRCs first (libFuzzer
 * cannot forge a CRC32, and the interesting code is behind it); bits 2-4
 * pick where a power cut stops the plan's writes.
 *
 * Beyond "no crash", for every table that loads and plans: the new
 * headers decode at LBA 1 and at the last LBA of this disk with the new
 * entries; the partition only grows and stays usable; the writes cut off
 * after N still leave a table that loads; running again from there
 * finishes the table, and a run after that has nothing to write.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "stick/stick.h"

#define IN_HEADER 5
#define MAX_SECTORS (1ull << 36)  /* 32 TiB: large, and no offset overflows */
#define MAX_WRITES (4 * STICK_WRITES)

/* The disk: the input image, then the writes made so far, newest last. */
struct disk {
	uint8_t *img;
	size_t len;
	uint64_t sectors;
	size_t nw;
	struct {
		uint64_t off;
		size_t len;
		uint8_t *data;
	} w[MAX_WRITES];
};

static uint8_t
disk_byte(const struct disk *d, uint64_t o)
{
	for (size_t i = d->nw; i-- > 0;)
		if (o >= d->w[i].off && o - d->w[i].off < d->w[i].len)
			return d->w[i].data[o - d->w[i].off];
	return o < d->len ? d->img[o] : 0;
}

static int
disk_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	const struct disk *d = ctx;
	uint8_t *p = buf;

	if (off > d->sectors * GPT_SECTOR || len > d->sectors * GPT_SECTOR - off)
		__builtin_trap(); /* the reader asked for bytes past its disk */
	for (size_t i = 0; i < len; i++)
		p[i] = disk_byte(d, off + i);
	return 0;
}

static void
disk_write(struct disk *d, const struct stick_write *w)
{
	if (d->nw == MAX_WRITES)
		__builtin_trap();
	d->w[d->nw].off = w->lba * GPT_SECTOR;
	d->w[d->nw].len = w->len;
	if ((d->w[d->nw].data = malloc(w->len)) == NULL)
		abort();
	memcpy(d->w[d->nw++].data, w->data, w->len);
}

/* The CRCs of the header at lba, when it and its array lie in the image. */
static void
fix_crcs(struct disk *d, uint64_t lba)
{
	static uint8_t e[STICK_GPT_MAX_ENTRIES_BYTES];
	uint8_t *h;
	uint64_t n, at;
	uint32_t size;

	if (lba >= d->sectors || (lba + 1) * GPT_SECTOR > d->len)
		return;
	h = d->img + lba * GPT_SECTOR;
	n = (uint64_t)load_le32(h + 80) * load_le32(h + 84);
	at = load_le64(h + 72);
	if (n <= sizeof(e) && at < d->sectors && n <= (d->sectors - at) * GPT_SECTOR) {
		disk_read(d, e, (size_t)n, at * GPT_SECTOR);
		store_le32(h + 88, crc32_ieee(0, e, (size_t)n));
	}
	size = load_le32(h + 12);
	store_le32(h + 16, 0);
	store_le32(h + 16, crc32_ieee(0, h, size >= 92 && size <= GPT_SECTOR ? size : 92));
}

static struct stick_table table;
static struct stick_plan plan;

/* Load and plan d: the plan's result, or -1. */
static int
load_plan(struct disk *d)
{
	struct stick_source src = { disk_read, d, d->sectors };
	char err[512];
	const char *why = NULL;
	int r;

	if (stick_load(&src, &table, err, sizeof(err)) != 0) {
		if (err[0] == '\0')
			__builtin_trap(); /* every failure explains itself */
		return -1;
	}
	r = stick_plan(&table, d->sectors, STICK_DATA_LABEL, &plan, &why);
	if (r < 0 && (why == NULL || why[0] == '\0'))
		__builtin_trap();
	return r;
}

/* The plan's table is one a reader takes: both headers decode where
 * they go on this disk, and the entries decode with them, as many used
 * ones as before, the grown one only longer and still usable. */
static void
check_plan(void)
{
	static struct gpt_part parts[STICK_MAX_PARTS];
	struct gpt_header p, b;
	size_t n;
	const char *why;
	uint64_t last = plan.disk_sectors - 1;

	if (gpt_header_decode(plan.primary, 1, plan.disk_sectors, &p, &why) != 0 ||
	    gpt_header_decode(plan.backup, last, plan.disk_sectors, &b, &why) != 0 ||
	    p.alternate_lba != last || b.alternate_lba != 1 ||
	    gpt_entries_decode(&b, plan.entries, gpt_entries_len(&b), parts,
	    STICK_MAX_PARTS, &n, &why) != 0 || n != table.nparts ||
	    plan.new_last < plan.part->last || plan.new_last > p.last_usable)
		__builtin_trap();
}

/* Every write the disk does not hold yet: how many. */
static int
write_pending(struct disk *d, size_t stop)
{
	static uint8_t cur[STICK_GPT_MAX_ENTRIES_BYTES];
	int n = 0;

	for (size_t i = 0; i < STICK_WRITES && (size_t)n < stop; i++) {
		disk_read(d, cur, plan.writes[i].len, plan.writes[i].lba * GPT_SECTOR);
		if (memcmp(cur, plan.writes[i].data, plan.writes[i].len) == 0)
			continue;
		disk_write(d, &plan.writes[i]);
		n++;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct disk d = { 0 };
	uint64_t sectors;
	size_t cut;

	if (size < IN_HEADER)
		return 0;
	sectors = load_le32(data + 1);
	d.len = size - IN_HEADER;
	d.sectors = sectors != 0 ? sectors : d.len / GPT_SECTOR;
	if (d.sectors > MAX_SECTORS || (d.img = malloc(d.len + 1)) == NULL)
		return 0;
	memcpy(d.img, data + IN_HEADER, d.len);
	if (data[0] & 1)
		fix_crcs(&d, 1);
	if ((data[0] & 2) && d.sectors > 0)
		fix_crcs(&d, d.sectors - 1);
	cut = 1 + (size_t)(data[0] >> 2 & 7) % STICK_WRITES;

	if (load_plan(&d) >= 0) {
		check_plan();
		/* A power cut after `cut` writes, then a second run, then a third. */
		write_pending(&d, cut);
		if (load_plan(&d) < 0)
			__builtin_trap();
		check_plan();
		write_pending(&d, STICK_WRITES);
		if (load_plan(&d) != STICK_PLAN_FULL || table.from_backup)
			__builtin_trap();
		if (write_pending(&d, STICK_WRITES) != 0)
			__builtin_trap();
	}
	for (size_t i = 0; i < d.nw; i++)
		free(d.w[i].data);
	free(d.img);
	return 0;
}
