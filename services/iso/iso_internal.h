/*
 * Internals shared by the files of the ISO reader.  Not for other modules.
 */
#ifndef PXESTICK_ISO_INTERNAL_H
#define PXESTICK_ISO_INTERNAL_H

#include <stdint.h>

#include "iso/iso.h"

#define ISO_NO_LINK UINT32_MAX

/* One indexed entry.  Children of a directory are contiguous node ids. */
struct iso_node {
	uint32_t parent;
	uint32_t name_off;    /* NUL-terminated name in img->names */
	uint32_t link_off;    /* NUL-terminated symlink target, or ISO_NO_LINK */
	uint32_t mode;
	uint32_t nlink;
	uint32_t first_extent;
	uint32_t n_extents;
	uint32_t first_child;
	uint32_t n_children;
	uint16_t depth;
	uint16_t name_len;
	uint64_t size;
	int64_t mtime;
};

struct iso_image {
	char *name;             /* for messages */
	struct iso_source src;
	int fd;                 /* when opened from a file, else -1 */
	struct iso_volume vol;

	/* Where the chosen tree's root directory is. */
	uint32_t root_lba;
	uint32_t root_size;
	int have_joliet;
	uint32_t joliet_lba, joliet_size;
	unsigned susp_skip;     /* SP's LEN_SKP when Rock Ridge is used */
	int rock_ridge;         /* names/modes from Rock Ridge */
	int joliet;             /* names from the Joliet tree */     /* SP's LEN_SKP when Rock Ridge is used */

	struct iso_node *nodes;
	uint32_t n_nodes, cap_nodes;
	char *names;
	uint32_t names_len, names_cap;
	struct iso_extent *extents;
	uint32_t n_extents, cap_extents;

	/* Open-addressing hash of (parent, name) -> node id + 1. */
	uint32_t *hash;
	uint32_t hash_mask;

	/* Directory extents already walked, to refuse cycles. */
	uint32_t *seen_dirs;
	uint32_t seen_mask, n_seen;

	/* Error message being built (iso_open fails with it). */
	char *err;
	size_t errlen;
	int failed;
};

/* Record a failure "IMAGE: sector N: msg" (sector < 0: none). Returns -1. */
int iso_fail(struct iso_image *img, int64_t sector, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Read len bytes at byte offset off, failing cleanly past the image end. */
int iso_read_at(struct iso_image *img, void *buf, size_t len, uint64_t off);

/* Both-endian fields: the two copies must agree. */
int iso_both32(struct iso_image *img, int64_t sector, const unsigned char *p,
    uint32_t *out, const char *what);
int iso_both16(struct iso_image *img, int64_t sector, const unsigned char *p,
    uint16_t *out, const char *what);

/* 7-byte directory record date -> UTC seconds. */
int64_t iso_record_time(const unsigned char *p);
/* 17-byte volume descriptor date. */
void iso_vd_date(const unsigned char *p, struct iso_date *d);
/* Days-from-civil: seconds since the epoch for a UTC date. */
int64_t iso_make_time(int year, int mon, int day, int hour, int min, int sec);

/* UCS-2/UTF-16BE (Joliet) -> UTF-8.  Returns bytes written (< outsize). */
size_t iso_utf16be_to_utf8(const unsigned char *in, size_t inlen, char *out,
    size_t outsize);

/* Walk the directory tree from the root and build the index. */
int iso_tree_build(struct iso_image *img);
/* Boot catalog into img->vol.boot. */
int iso_eltorito_read(struct iso_image *img);

/*
 * What the system-use area (plus CE continuations) of one directory record
 * says.  name/link point into caller-provided buffers.
 */
struct iso_rr {
	int has_px, has_tf, has_nm, has_sl, is_relocated, has_child_link, has_sp;
	uint32_t mode, nlink;
	int64_t mtime;
	uint32_t child_lba;          /* CL */
	unsigned sp_skip;            /* SP LEN_SKP */
	char name[ISO_MAX_NAME + 1];
	size_t name_len;
	char link[ISO_MAX_PATH + 1];
	size_t link_len;
};

/*
 * Parse the system-use field su (sulen bytes) of the record in sector
 * 'sector', following CE entries.  Returns 0 or -1 (img->err set).
 */
int iso_susp_parse(struct iso_image *img, int64_t sector, const unsigned char *su,
    size_t sulen, struct iso_rr *rr);

/* Name pool / node helpers (iso_index.c). */
int iso_index_add_name(struct iso_image *img, const char *s, size_t len, uint32_t *off);
int iso_index_hash_insert(struct iso_image *img, uint32_t id);
uint32_t iso_name_hash(const struct iso_image *img, uint32_t parent, const char *s,
    size_t len);

#endif
