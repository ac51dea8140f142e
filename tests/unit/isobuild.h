/*
 * A minimal ISO 9660 writer for unit tests: lets a test place exact
 * records, SUSP entries and sectors -- including broken ones -- in memory.
 */
#ifndef PXESTICK_TEST_ISOBUILD_H
#define PXESTICK_TEST_ISOBUILD_H

#include <stddef.h>
#include <stdint.h>

#include "iso/iso.h"

#define MK_SECTOR 2048u
#define MK_ROOT   20u /* the root directory's sector */

struct mkiso {
	unsigned char *buf;
	size_t size;
};

/* An image of n sectors: PVD at 16 (root at MK_ROOT, one sector),
 * terminator at 17, dates set.  Root holds "." and ".." only. */
void mk_init(struct mkiso *m, size_t sectors);
void mk_free(struct mkiso *m);

unsigned char *mk_sector(struct mkiso *m, uint32_t s);
void mk_both32(unsigned char *p, uint32_t v);
void mk_both16(unsigned char *p, uint16_t v);

/* Write a directory record at p; returns its length. */
size_t mk_record(unsigned char *p, const void *name, size_t name_len, uint32_t lba,
    uint32_t size, uint8_t flags, const void *su, size_t su_len);

/* Directory builder: "." and ".." first, then entries, one sector. */
struct mkdir {
	struct mkiso *m;
	uint32_t sector, parent;
	size_t pos;
};
void mk_dir_begin(struct mkdir *d, struct mkiso *m, uint32_t sector, uint32_t parent,
    const void *self_su, size_t self_su_len);
void mk_dir_add(struct mkdir *d, const void *name, size_t name_len, uint32_t lba,
    uint32_t size, uint8_t flags, const void *su, size_t su_len);

/* SUSP entry builder into a buffer; returns bytes appended. */
size_t mk_susp(unsigned char *p, const char sig[2], const void *data, size_t len);

struct iso_image *mk_open(struct mkiso *m, char *err, size_t errlen);

#endif
