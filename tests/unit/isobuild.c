#include "isobuild.h"

#include <stdlib.h>
#include <string.h>

void
mk_both32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++) {
		p[i] = (unsigned char)(v >> (8 * i));
		p[7 - i] = (unsigned char)(v >> (8 * i));
	}
}

void
mk_both16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

unsigned char *
mk_sector(struct mkiso *m, uint32_t s)
{
	return m->buf + (size_t)s * MK_SECTOR;
}

size_t
mk_record(unsigned char *p, const void *name, size_t name_len, uint32_t lba,
    uint32_t size, uint8_t flags, const void *su, size_t su_len)
{
	size_t len = 33 + name_len + (name_len % 2 == 0) + su_len;

	len += len & 1;
	memset(p, 0, len);
	p[0] = (unsigned char)len;
	mk_both32(p + 2, lba);
	mk_both32(p + 10, size);
	p[18] = 124; /* 2024 */
	p[19] = 9;
	p[20] = 1;
	p[21] = 12;
	p[22] = 40;
	p[23] = 1;
	p[25] = flags;
	mk_both16(p + 28, 1);
	p[32] = (unsigned char)name_len;
	memcpy(p + 33, name, name_len);
	if (su_len)
		memcpy(p + 33 + name_len + (name_len % 2 == 0), su, su_len);
	return len;
}

void
mk_dir_begin(struct mkdir *d, struct mkiso *m, uint32_t sector, uint32_t parent,
    const void *self_su, size_t self_su_len)
{
	unsigned char *s = mk_sector(m, sector);

	d->m = m;
	d->sector = sector;
	d->parent = parent;
	memset(s, 0, MK_SECTOR);
	d->pos = mk_record(s, "\0", 1, sector, MK_SECTOR, 2, self_su, self_su_len);
	d->pos += mk_record(s + d->pos, "\1", 1, parent, MK_SECTOR, 2, NULL, 0);
}

void
mk_dir_add(struct mkdir *d, const void *name, size_t name_len, uint32_t lba,
    uint32_t size, uint8_t flags, const void *su, size_t su_len)
{
	d->pos += mk_record(mk_sector(d->m, d->sector) + d->pos, name, name_len, lba,
	    size, flags, su, su_len);
}

size_t
mk_susp(unsigned char *p, const char sig[2], const void *data, size_t len)
{
	p[0] = (unsigned char)sig[0];
	p[1] = (unsigned char)sig[1];
	p[2] = (unsigned char)(4 + len);
	p[3] = 1;
	if (len)
		memcpy(p + 4, data, len);
	return 4 + len;
}

static void
vd_date(unsigned char *p, const char *digits)
{
	memcpy(p, digits, 16);
	p[16] = 0;
}

void
mk_init(struct mkiso *m, size_t sectors)
{
	unsigned char *pvd, *term;
	struct mkdir root;

	m->size = sectors * MK_SECTOR;
	m->buf = calloc(sectors, MK_SECTOR);
	pvd = mk_sector(m, 16);
	pvd[0] = 1;
	memcpy(pvd + 1, "CD001", 5);
	pvd[6] = 1;
	memset(pvd + 8, ' ', 32);
	memset(pvd + 40, ' ', 32);
	memcpy(pvd + 40, "TESTVOL", 7);
	mk_both32(pvd + 80, (uint32_t)sectors);
	mk_both16(pvd + 120, 1);
	mk_both16(pvd + 124, 1);
	mk_both16(pvd + 128, MK_SECTOR);
	memset(pvd + 190, ' ', 4 * 128);
	vd_date(pvd + 813, "2024090112400100");
	vd_date(pvd + 830, "2024090212400100");
	memset(pvd + 847, '0', 16);
	memset(pvd + 864, '0', 16);
	mk_record(pvd + 156, "\0", 1, MK_ROOT, MK_SECTOR, 2, NULL, 0);
	term = mk_sector(m, 17);
	term[0] = 255;
	memcpy(term + 1, "CD001", 5);
	term[6] = 1;
	mk_dir_begin(&root, m, MK_ROOT, MK_ROOT, NULL, 0);
}

void
mk_free(struct mkiso *m)
{
	free(m->buf);
	m->buf = NULL;
}

static int
mem_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct mkiso *m = ctx;

	if (off > m->size || len > m->size - off)
		return -1;
	memcpy(buf, m->buf + off, len);
	return 0;
}

struct iso_image *
mk_open(struct mkiso *m, char *err, size_t errlen)
{
	struct iso_source src = { mem_read, m, m->size };

	return iso_open_source(&src, "test.iso", err, errlen);
}
