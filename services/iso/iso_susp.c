/*
 * System Use Sharing Protocol (SUSP 1.12) and Rock Ridge (RRIP 1.12):
 * the entries of one directory record's system-use field, following CE
 * continuation areas (bounded by ISO_MAX_CE_HOPS, each inside one block).
 */
#include <string.h>
#include <sys/stat.h>

#include "common/limits.h"
#include "common/util.h"
#include "iso/iso_format.h"
#include "iso/iso_internal.h"

/* State that spans several NM or SL entries of one record. */
struct susp_state {
	int sl_started;       /* a component has been appended */
	int sl_prev_continue; /* the previous component continues */
	int ce_pending;
	uint32_t ce_block, ce_offset, ce_length;
};

static int
rr_append(struct iso_image *img, int64_t sector, char *buf, size_t *len, size_t cap,
    const unsigned char *p, size_t n, const char *what)
{
	if (n > cap - *len)
		return iso_fail(img, sector, "Rock Ridge %s is longer than %zu bytes",
		    what, cap);
	if (memchr(p, '\0', n) != NULL)
		return iso_fail(img, sector, "Rock Ridge %s contains a NUL byte", what);
	memcpy(buf + *len, p, n);
	*len += n;
	buf[*len] = '\0';
	return 0;
}

static int
rr_nm(struct iso_image *img, int64_t sector, const unsigned char *d, size_t dlen,
    struct iso_rr *rr)
{
	if (dlen < 1)
		return iso_fail(img, sector, "Rock Ridge NM entry without flags");
	if (d[0] & (RR_NM_CURRENT | RR_NM_PARENT))
		return 0; /* names "." or "..": nothing to record */
	rr->has_nm = 1;
	return rr_append(img, sector, rr->name, &rr->name_len, ISO_MAX_NAME, d + 1,
	    dlen - 1, "name");
}

static int
rr_sl(struct iso_image *img, int64_t sector, const unsigned char *d, size_t dlen,
    struct iso_rr *rr, struct susp_state *st)
{
	size_t pos = 1; /* skip the entry's flags byte */

	if (dlen < 1)
		return iso_fail(img, sector, "Rock Ridge SL entry without flags");
	rr->has_sl = 1;
	while (pos < dlen) {
		unsigned cflags, clen;
		const unsigned char *text;
		size_t tlen;

		if (dlen - pos < 2)
			return iso_fail(img, sector, "Rock Ridge SL component header "
			    "overruns its entry");
		cflags = d[pos];
		clen = d[pos + 1];
		if (clen > dlen - pos - 2)
			return iso_fail(img, sector, "Rock Ridge SL component of %u bytes "
			    "overruns its entry", clen);
		text = d + pos + 2;
		tlen = clen;
		if (cflags & RR_SLC_ROOT) {
			text = (const unsigned char *)"/";
			tlen = rr->link_len == 0 ? 1 : 0;
		} else if (cflags & RR_SLC_CURRENT) {
			text = (const unsigned char *)".";
			tlen = 1;
		} else if (cflags & RR_SLC_PARENT) {
			text = (const unsigned char *)"..";
			tlen = 2;
		}
		/* A new component is separated by '/', unless the previous one
		 * continues or the target so far is just the root. */
		if (st->sl_started && !st->sl_prev_continue &&
		    !(rr->link_len == 1 && rr->link[0] == '/') &&
		    rr_append(img, sector, rr->link, &rr->link_len, ISO_MAX_PATH,
		    (const unsigned char *)"/", 1, "symlink target") != 0)
			return -1;
		if (rr_append(img, sector, rr->link, &rr->link_len, ISO_MAX_PATH, text,
		    tlen, "symlink target") != 0)
			return -1;
		st->sl_started = 1;
		st->sl_prev_continue = cflags & RR_SLC_CONTINUE;
		pos += 2 + (size_t)clen;
	}
	return 0;
}

static int
rr_tf(struct iso_image *img, int64_t sector, const unsigned char *d, size_t dlen,
    struct iso_rr *rr)
{
	size_t stamp, index = 0;

	if (dlen < 1)
		return iso_fail(img, sector, "Rock Ridge TF entry without flags");
	if (!(d[0] & RR_TF_MODIFY))
		return 0;
	if (d[0] & RR_TF_CREATION)
		index = 1; /* creation comes first, then modification */
	stamp = (d[0] & RR_TF_LONG_FORM) ? PVD_DATE_LEN : 7;
	if (1 + (index + 1) * stamp > dlen)
		return iso_fail(img, sector, "Rock Ridge TF entry is shorter than its "
		    "flags say");
	if (stamp == PVD_DATE_LEN) {
		struct iso_date date;

		iso_vd_date(d + 1 + index * stamp, &date);
		rr->mtime = date.valid ? date.utc : 0;
	} else {
		rr->mtime = iso_record_time(d + 1 + index * stamp);
	}
	rr->has_tf = 1;
	return 0;
}

static int
rr_px(struct iso_image *img, int64_t sector, const unsigned char *d, size_t dlen,
    struct iso_rr *rr)
{
	uint32_t mode, nlink;

	if (dlen < 16)
		return iso_fail(img, sector, "Rock Ridge PX entry of %zu bytes is too "
		    "short", dlen);
	if (iso_both32(img, sector, d, &mode, "Rock Ridge PX mode") != 0 ||
	    iso_both32(img, sector, d + 8, &nlink, "Rock Ridge PX links") != 0)
		return -1;
	switch (mode & S_IFMT) {
	case S_IFREG: case S_IFDIR: case S_IFLNK: case S_IFIFO: case S_IFSOCK:
	case S_IFCHR: case S_IFBLK:
		break;
	default:
		return iso_fail(img, sector, "Rock Ridge PX mode %#o has no valid file "
		    "type", mode);
	}
	rr->has_px = 1;
	rr->mode = mode & (S_IFMT | 07777);
	rr->nlink = nlink;
	return 0;
}

static int
susp_entry(struct iso_image *img, int64_t sector, const unsigned char *e, size_t len,
    struct iso_rr *rr, struct susp_state *st)
{
	const unsigned char *d = e + SUSP_DATA;
	size_t dlen = len - SUSP_HEADER;
	uint32_t v;

#define SIG(a, b) (e[0] == (a) && e[1] == (b))
	if (SIG('C', 'E')) {
		if (len < SUSP_CE_LEN)
			return iso_fail(img, sector, "SUSP CE entry is too short");
		if (iso_both32(img, sector, d, &st->ce_block, "SUSP CE block") != 0 ||
		    iso_both32(img, sector, d + 8, &st->ce_offset, "SUSP CE offset") != 0 ||
		    iso_both32(img, sector, d + 16, &st->ce_length, "SUSP CE length") != 0)
			return -1;
		st->ce_pending = 1;
	} else if (SIG('S', 'P')) {
		if (len < SUSP_SP_LEN || d[0] != 0xbe || d[1] != 0xef)
			return iso_fail(img, sector, "SUSP SP entry has bad check bytes");
		rr->has_sp = 1;
		rr->sp_skip = d[2];
	} else if (SIG('P', 'X')) {
		return rr_px(img, sector, d, dlen, rr);
	} else if (SIG('T', 'F')) {
		return rr_tf(img, sector, d, dlen, rr);
	} else if (SIG('N', 'M')) {
		return rr_nm(img, sector, d, dlen, rr);
	} else if (SIG('S', 'L')) {
		return rr_sl(img, sector, d, dlen, rr, st);
	} else if (SIG('C', 'L')) {
		if (len < 12 || iso_both32(img, sector, d, &v, "Rock Ridge CL block") != 0)
			return iso_fail(img, sector, "Rock Ridge CL entry is malformed");
		rr->has_child_link = 1;
		rr->child_lba = v;
	} else if (SIG('R', 'E')) {
		rr->is_relocated = 1;
	}
	/* PL, PN, RR, ER, ES, PD, SF, ZF, AA, ...: nothing we need. */
#undef SIG
	return 0;
}

/* Walk the entries of one area.  Returns 1 at an ST entry, 0 at the end. */
static int
susp_area(struct iso_image *img, int64_t sector, const unsigned char *p, size_t rem,
    struct iso_rr *rr, struct susp_state *st)
{
	while (rem >= SUSP_HEADER) {
		size_t len = p[SUSP_LEN];

		if (p[0] == 0)
			break; /* padding up to the end of the field */
		if (len < SUSP_HEADER || len > rem)
			return iso_fail(img, sector, "SUSP entry '%c%c' of length %zu "
			    "overruns its area (%zu bytes left)",
			    p[0] >= 0x20 && p[0] < 0x7f ? p[0] : '?',
			    p[1] >= 0x20 && p[1] < 0x7f ? p[1] : '?', len, rem);
		if (p[0] == 'S' && p[1] == 'T')
			return 1;
		if (susp_entry(img, sector, p, len, rr, st) != 0)
			return -1;
		p += len;
		rem -= len;
	}
	return 0;
}

int
iso_susp_parse(struct iso_image *img, int64_t sector, const unsigned char *su,
    size_t sulen, struct iso_rr *rr)
{
	unsigned char area[ISO_SECTOR];
	struct susp_state st;
	int hops = 0, r;

	memset(&st, 0, sizeof(st));
	rr->has_px = rr->has_tf = rr->has_nm = rr->has_sl = 0;
	rr->is_relocated = rr->has_child_link = rr->has_sp = 0;
	rr->name_len = rr->link_len = 0;
	rr->name[0] = rr->link[0] = '\0';
	r = susp_area(img, sector, su, sulen, rr, &st);
	while (r == 0 && st.ce_pending) {
		uint64_t off;

		if (++hops > ISO_MAX_CE_HOPS)
			return iso_fail(img, sector, "SUSP continuation (CE) chain longer "
			    "than %d areas (a loop?)", ISO_MAX_CE_HOPS);
		/* Each continuation area lies inside one logical block. */
		if (st.ce_offset > ISO_SECTOR || st.ce_length > ISO_SECTOR - st.ce_offset)
			return iso_fail(img, sector, "SUSP CE area (offset %u, length %u) "
			    "crosses its block", st.ce_offset, st.ce_length);
		off = (uint64_t)st.ce_block * ISO_SECTOR + st.ce_offset;
		if (iso_read_at(img, area, st.ce_length, off) != 0)
			return -1;
		sector = st.ce_block;
		st.ce_pending = 0;
		r = susp_area(img, sector, area, st.ce_length, rr, &st);
	}
	return r < 0 ? -1 : 0;
}
