/*
 * One read-only file tree shared by HTTP and TFTP:
 *   /               the files directory (ipxe.efi, snponly.efi, ...)
 *   /NAME/...       each share (a directory served read-only: repo/,
 *                   archinstall/, ...)
 *   /iso/NAME/...   the contents of each verified ISO, through the ISO reader
 *   /boot.ipxe      the boot menu (generated per request: it names the
 *                   server address the client reached us on; without
 *                   ?memsize= it is one line that asks again with the
 *                   client's RAM, so the menu can say what fits)
 *   /script.cfg     the SSH key installer (from the keys file), then the steps:
 *                   extra-scripts' *.sh in name order, then pxestick's own
 *                   (pacman from /repo/, archinstall), see vfs_steps.c
 *
 * A struct vfs is reference-counted: a reload builds a new one while
 * transfers in flight keep the old one alive.  What it serves is fixed
 * once built; what changes afterwards is a memo of the boot menus
 * generated so far, and each ISO's payload URL (where clients fetch its
 * heavy files: set when the payload check says so, vfs_set_payload).  Generated documents are themselves
 * reference-counted (struct vfs_doc), and an open file holds its own
 * reference, so a memo slot reused for another variant never frees a
 * document that a reader is still sending.  Not thread-safe (one event
 * loop).
 */
#ifndef PXESTICK_VFS_H
#define PXESTICK_VFS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "archiso/archiso.h"
#include "common/buf.h"
#include "common/limits.h"
#include "iso/iso.h"

#define VFS_MAX_PATH 1024
#define VFS_MAX_URL  256
#define VFS_MENU_CACHE 8
/* Boot once: the menu of a machine done with the live system boots the
 * local disk after this long (seconds). */
#define VFS_DONE_TIMEOUT_S 3

/*
 * A document made in memory (boot.ipxe, script.cfg): shared by whoever
 * holds a reference -- the tree or its memo, and every open file of it.
 */
struct vfs_doc {
	unsigned refs;
	int hashed;             /* hash is set (the first open: data is final by then) */
	uint64_t hash;          /* of data: the ETag */
	size_t len;
	char data[];
};

/* A document of len bytes, a copy of data (or zeroes when data is NULL,
 * for the caller to fill), NUL-terminated after them, with one
 * reference; NULL without memory. */
struct vfs_doc *vfs_doc_new(const char *data, size_t len);
/* Drop a reference; the last one frees it.  NULL is fine. */
void vfs_doc_unref(struct vfs_doc *d);

/* One ISO as the tree sees it. */
struct vfs_iso {
	char name[ARCHISO_MAX_NAME];
	char path[VFS_MAX_PATH];
	struct iso_image *img;
	struct archiso *arch;
	int64_t file_mtime;      /* of the .iso file: part of ETags */
	/* Where clients load its kernel, initramfs and root image from: a
	 * payload URL that passed the check, or "" (this server). */
	char payload[VFS_MAX_URL];
	/* What the payload check said: "checking ...", each URL refused and
	 * why; "" when there are no payload URLs. */
	char payload_note[1536];
};

/* A directory served read-only at /NAME/. */
struct vfs_share {
	char name[32];
	char path[VFS_MAX_PATH];
	int fd;
};
#define VFS_MAX_SHARES 16

/*
 * An ISO found on a reload that was never verified: not served until a
 * check outside the loop (isocheck/) passes it.  done/total: the check's
 * progress, set while it runs.
 */
struct vfs_waiting {
	char path[VFS_MAX_PATH];
	char key[VFS_MAX_PATH + 64];   /* its verdict line, "SIZE MTIME.NSEC PATH\n" */
	uint64_t done, total;
};

/* A verdict the background check reached on an ISO file as it was then
 * (its key): passed (reason "") or refused. */
struct vfs_judged {
	char key[VFS_MAX_PATH + 64];
	char reason[256];
};

/* An ISO that was refused, and why (shown on the console and /status). */
struct vfs_refused {
	char path[VFS_MAX_PATH];
	char reason[256];
};

struct vfs {
	unsigned refs;
	int files_fd;                /* the files directory, or -1 */
	char files_dir[VFS_MAX_PATH];
	struct vfs_share shares[VFS_MAX_SHARES];
	size_t n_shares;
	size_t n_steps;              /* script.cfg's steps (extra-scripts and ours) */
	struct vfs_iso *isos;
	size_t n_isos;
	struct vfs_refused *refused;
	size_t n_refused;
	struct vfs_waiting *waiting;  /* spec.defer_verify: ISOs to check first */
	size_t n_waiting;
	struct vfs_doc *script;      /* script.cfg, or NULL (see script_reason) */
	size_t n_keys;
	char script_reason[256];
	int64_t built;               /* when (ETags of generated documents) */
	/* boot.ipxe as last generated per (server URL, fixed entry): most
	 * clients reach one address, so this is nearly always a hit.  The
	 * memo holds a reference to each document it keeps. */
	struct vfs_menu_cache {
		char key[128];
		struct vfs_doc *doc;
	} menus[VFS_MENU_CACHE];
	size_t next_menu;
	unsigned menu_timeout;
	size_t default_iso, default_entry;
	enum archiso_verify verify;  /* how clients check the root image */
	char cow_spacesize[16];      /* the live overlay's size, or "" */
	int default_local;           /* menu-default = local */
};

/* Receives progress and problems while building (one line each). */
typedef void vfs_log_fn(void *ctx, const char *msg);

/* What a tree is built from. */
struct vfs_spec {
	const char *const *isos;     /* .iso files, or directories scanned for *.iso */
	size_t n_isos;
	const char *files;           /* the files directory, or "" */
	const char *keys;            /* the authorized_keys file, or "" */
	const char *state;           /* where ISO verdicts are kept, or "" */
	unsigned menu_timeout;       /* seconds, 0: wait */
	const char *menu_default;    /* "ISONAME" or "ISONAME:N", "" = the first */
	enum archiso_verify verify;  /* checksum=y, cms_verify=y or nothing */
	const char *cow_spacesize;   /* cow_spacesize= for the live overlay, or "" */
	const char *extra_scripts;   /* a directory of *.sh steps for script.cfg, or "" */
	const struct vfs_share_spec {
		const char *name, *path;
	} *shares;                   /* served read-only at /NAME/ */
	size_t n_shares;
	const char *const *archinstall;      /* MACs ("aa:bb:...") or "all" */
	size_t n_archinstall;
	/* A reload: an ISO with no verdict yet is listed in waiting instead
	 * of hashed here (the loop must not stall); one whose file is as it
	 * was when the background check judged it is served or refused as
	 * judged (also without a state dir to keep verdicts in). */
	int defer_verify;
	const struct vfs_judged *judged;
	size_t n_judged;
};

/*
 * Build a tree from spec: open and verify every ISO (a corrupt or
 * non-Arch one is refused, with the reason logged and kept), open the
 * files directory, read the keys and generate script.cfg.  Returns a tree
 * with one reference, or NULL (out of memory: message in err).
 */
struct vfs *vfs_build(const struct vfs_spec *spec, vfs_log_fn *log, void *ctx, char *err,
    size_t errlen);
void vfs_ref(struct vfs *v);
void vfs_unref(struct vfs *v);

/*
 * Keep the verdict key (a vfs_waiting's) in STATE/verified-isos, as a
 * build does for the ISOs it verified: the next build serves that file
 * without hashing it.  0, or -1 (not written: the file is checked again).
 */
int vfs_verdict_keep(const char *state, const char *key);

/*
 * ISO i's payload URL (url, or "" for this server) and what the check
 * said of it (note).  The boot menus made so far are dropped: the next
 * boot.ipxe names the new place.
 */
void vfs_set_payload(struct vfs *v, size_t i, const char *url, const char *note);

/*
 * The security boundary for client paths.  Decodes %XX once (when
 * decode is set: HTTP; TFTP names are not encoded), cuts a query string
 * (HTTP), then refuses NUL, backslash, control bytes and ".." segments;
 * "." segments and repeated slashes are removed.  out always starts with
 * '/'; a trailing '/' is kept (it asks for a directory).
 * Returns 0, or -1 with reason pointing at a static message.
 */
int vfs_path_clean(const char *raw, size_t len, int decode, char *out, size_t outsize,
    const char **reason);

enum vfs_kind { VFS_DISK, VFS_ISO, VFS_MEM, VFS_DIR };

/* Where a directory's entries come from. */
enum vfs_dir { VFS_DIR_ROOT, VFS_DIR_ISOS, VFS_DIR_IN_ISO, VFS_DIR_DISK };

struct vfs_file {
	enum vfs_kind kind;
	uint64_t size;
	int64_t mtime;
	char etag[64];
	const char *type;            /* Content-Type */
	int fd;                      /* DISK: ours (closed by vfs_close); ISO: the image's */
	const struct iso_extent *ext; /* ISO: the data extents */
	size_t n_ext;
	struct vfs_doc *doc;         /* MEM: the document (a reference, held while open) */
	const char *mem;             /* MEM: doc->data */
	enum vfs_dir dir;            /* DIR: which kind */
	int dir_fd;                  /* DIR_DISK: the files directory's or a share's */
	const struct vfs_iso *iso;   /* ISO, DIR_IN_ISO */
	uint32_t iso_id;
	char rel[VFS_MAX_PATH];      /* DIR_DISK: path below the files directory */
	struct vfs *vfs;             /* a reference, held while open */
};

/* What a request knows that a generated document may need. */
struct vfs_request {
	const char *server_url;      /* "http://ADDR[:PORT]" the client reached */
	/* The query of the request (HTTP), or NULL: "entry=ISONAME[:N]" on
	 * /boot.ipxe boots that entry without waiting (DHCP reservations
	 * with a fixed entry send their clients there). */
	const char *query;
	size_t query_len;
};

/* Find ISONAME[:N] (len bytes) among v's ISOs.  0 and the indexes, or -1. */
int vfs_find_entry(const struct vfs *v, const char *spec, size_t len, size_t *iso,
    size_t *entry);

#define VFS_OK      0
#define VFS_ENOENT  (-1)
#define VFS_EACCES  (-2)  /* exists but is not served (special file, ...) */
#define VFS_NOKEYS  (-3)  /* /script.cfg without valid keys */
#define VFS_EIO     (-4)

/*
 * Open a cleaned path.  On VFS_OK, f must be closed with vfs_close().
 * A directory opens as VFS_DIR (list it with vfs_list).
 */
int vfs_open(struct vfs *v, const char *path, const struct vfs_request *rq,
    struct vfs_file *f);
void vfs_close(struct vfs_file *f);

/* Read up to len bytes at off (all kinds but DIR).  Bytes, 0 at end, -1. */
ssize_t vfs_pread(const struct vfs_file *f, void *buf, size_t len, uint64_t off);

/*
 * For sendfile(2): the descriptor and its offset holding the file's byte
 * off, and how many bytes follow contiguously there.  DISK and ISO only.
 */
int vfs_segment(const struct vfs_file *f, uint64_t off, int *fd, uint64_t *fd_off,
    uint64_t *len);

/* Directory entries: cb per entry (is_dir set for directories). */
typedef void vfs_list_fn(void *ctx, const char *name, int is_dir, uint64_t size,
    int64_t mtime);
void vfs_list(const struct vfs_file *dir, vfs_list_fn *cb, void *ctx);

/* Content-Type for a file name. */
const char *vfs_content_type(const char *name);

#endif
