/*
 * ISO 9660 reader: ECMA-119 with Rock Ridge (SUSP/RRIP), Joliet and
 * El Torito, for serving files straight out of an .iso.
 *
 * iso_open() reads the volume descriptors and walks the whole directory
 * tree once, building an in-memory index (nodes, names, extents and a hash
 * table by parent+name).  After that every lookup, stat and directory walk
 * is memory-only, allocation-free and O(1) per path component; only
 * iso_pread() touches the image again.  Memory is bounded by the limits in
 * common/limits.h, so a hostile image cannot make the index grow without
 * bound.
 *
 * Name precedence (chosen once per image): Rock Ridge names when the root
 * carries a SUSP "SP" entry, else the Joliet tree when a Joliet SVD exists,
 * else plain ISO 9660 names with ";1" and a trailing dot removed.  Only in
 * the plain case is lookup case-insensitive (ASCII).
 *
 * Every length and offset read from the image is checked against the record,
 * the sector and the image size.  A malformed image makes iso_open() fail
 * with a message "IMAGE: sector N: what is wrong" -- never a crash, hang or
 * out-of-bounds read.
 *
 * Thread-safety: an open image is read-only; concurrent lookups are safe.
 */
#ifndef PXESTICK_ISO_H
#define PXESTICK_ISO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct iso_image;

/* The root directory is always node 0. */
#define ISO_ROOT_ID 0u

/* Where the image's bytes come from (a file, or memory for the fuzzer). */
struct iso_source {
	/* Read exactly len bytes at off.  Return 0, or -1 with errno set. */
	int (*read)(void *ctx, void *buf, size_t len, uint64_t off);
	void *ctx;
	uint64_t size; /* total bytes in the image */
};

/* One contiguous run of a file's data inside the .iso file. */
struct iso_extent {
	uint64_t offset; /* byte offset in the image */
	uint64_t length; /* bytes */
};

struct iso_date {
	int valid;      /* 0 when the field is unset (all zeros) */
	int64_t utc;    /* seconds since the epoch, UTC */
	int tz_minutes; /* offset from UTC the writer recorded */
	char raw[17];   /* the 16 ASCII digits YYYYMMDDHHMMSScc, NUL-terminated */
};

#define ISO_EXT_ROCKRIDGE 0x1u
#define ISO_EXT_JOLIET    0x2u

#define ISO_BOOT_PLATFORM_X86 0x00
#define ISO_BOOT_PLATFORM_PPC 0x01
#define ISO_BOOT_PLATFORM_MAC 0x02
#define ISO_BOOT_PLATFORM_EFI 0xef

/* One El Torito boot catalog entry. */
struct iso_boot_entry {
	uint8_t platform;   /* ISO_BOOT_PLATFORM_* of its section */
	uint8_t bootable;   /* boot indicator 0x88 */
	uint8_t emulation;  /* 0 none, 1-3 floppy 1.2/1.44/2.88M, 4 hard disk */
	uint16_t load_segment;
	uint16_t sector_count; /* virtual 512-byte sectors to load */
	uint32_t load_rba;     /* image location, in 2048-byte blocks */
};

struct iso_volume {
	/* Strings are trimmed of trailing spaces and NUL-terminated UTF-8. */
	char system_id[100];
	char volume_id[100];
	char volume_set_id[400];
	char publisher[400];
	char preparer[400];
	char application[400];
	/* blkid's LABEL: the Joliet volume id where it differs from the PVD's. */
	char label[100];
	/* blkid's UUID: modification date (else creation date) as
	 * "YYYY-MM-DD-HH-MM-SS-cc"; empty when both dates are unset.  This is
	 * what Arch's archisosearchuuid= names. */
	char uuid[24];
	struct iso_date created, modified, expires, effective;
	uint32_t block_size;
	uint32_t volume_blocks;
	unsigned extensions; /* ISO_EXT_* found */
	unsigned names;      /* which names the tree uses: ISO_EXT_* or 0 = plain */
	int has_eltorito;
	uint32_t boot_catalog_lba;
	size_t n_boot;
	struct iso_boot_entry boot[16];
	/* Why the boot catalog could not be read ("" if it was).  A broken
	 * catalog does not stop the files from being served. */
	char boot_error[160];
};

/* What iso_stat() reports.  Pointers stay valid until iso_close(). */
struct iso_stat {
	uint32_t id;
	uint32_t mode;   /* S_IFMT type and permission bits */
	uint32_t nlink;
	uint64_t size;   /* file size; directory extent size; symlink target length */
	int64_t mtime;   /* seconds since the epoch, UTC */
	const char *name;      /* last path component; "" for the root */
	const char *link;      /* symlink target, or NULL */
};

/* Lookup results (negative) */
#define ISO_OK            0
#define ISO_ENOENT      (-1) /* no such entry */
#define ISO_ENOTDIR     (-2) /* a non-final component is not a directory */
#define ISO_ELOOP       (-3) /* too many symlinks */
#define ISO_ENAMETOOLONG (-4)

/* Lookup flags */
#define ISO_FOLLOW 0x1u /* follow a symlink in the final component too */

/*
 * Open an image file read-only and index it.  On failure returns NULL and
 * writes a one-line message naming the image (and sector) into err.
 */
struct iso_image *iso_open(const char *path, char *err, size_t errlen);

/* Same, reading through src; name is used in messages.  src is copied. */
struct iso_image *iso_open_source(const struct iso_source *src, const char *name,
    char *err, size_t errlen);

void iso_close(struct iso_image *img);

/* The image file's descriptor (for sendfile), or -1 for other sources. */
int iso_fd(const struct iso_image *img);
const char *iso_name(const struct iso_image *img);
const struct iso_volume *iso_volume(const struct iso_image *img);
uint32_t iso_node_count(const struct iso_image *img);

/*
 * Look up a '/'-separated path (len bytes, no NUL needed; leading, repeated
 * and trailing slashes allowed; "." and ".." resolved inside the image, ".."
 * at the root stays at the root).  Symlinks in intermediate components are
 * always followed; in the last one only with ISO_FOLLOW.  Returns ISO_OK and
 * the node in *id, or a negative ISO_E* code.
 */
int iso_lookup(const struct iso_image *img, const char *path, size_t len,
    unsigned flags, uint32_t *id);

/* Look up one name (len bytes) in directory dir. */
int iso_lookup_child(const struct iso_image *img, uint32_t dir, const char *name,
    size_t len, uint32_t *id);

void iso_stat(const struct iso_image *img, uint32_t id, struct iso_stat *st);

/* The parent directory of id (the root is its own parent). */
uint32_t iso_parent(const struct iso_image *img, uint32_t id);

/*
 * A directory's entries are the ids [*first, *first + return value), in
 * on-disc order.  Returns 0 for non-directories.
 */
uint32_t iso_children(const struct iso_image *img, uint32_t dir, uint32_t *first);

/* The file's data extents, in file order.  Returns their count. */
size_t iso_extents(const struct iso_image *img, uint32_t id,
    const struct iso_extent **ext);

/*
 * Absolute path of id ("/" for the root) into buf.  Returns the length it
 * needs (excluding NUL); the result is complete only if that is < size.
 */
size_t iso_path(const struct iso_image *img, uint32_t id, char *buf, size_t size);

/*
 * Read up to len bytes of file id at file offset off.  Returns the bytes
 * read (0 at or past the end), or -1 with errno set.
 */
ssize_t iso_pread(const struct iso_image *img, uint32_t id, void *buf, size_t len,
    uint64_t off);

/* A message for an ISO_E* code. */
const char *iso_strerror(int code);

#endif
