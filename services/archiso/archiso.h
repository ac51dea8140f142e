/*
 * What pxestick knows about Arch ISOs: the boot entries an ISO carries
 * (systemd-boot loader/entries, else its syslinux configs), how to turn
 * them into HTTP netboot kernel command lines, the airootfs checksum
 * check, and the boot.ipxe menu over several ISOs.
 *
 * Parsers take text and caller memory and do no I/O (fuzzable); the
 * loaders read from an open struct iso_image.
 */
#ifndef PXESTICK_ARCHISO_H
#define PXESTICK_ARCHISO_H

#include <stddef.h>

#include "common/buf.h"
#include "common/limits.h"
#include "iso/iso.h"

/* One bootable Linux entry of an ISO. */
struct archiso_entry {
	char source[128];     /* where it came from: "loader/entries/01-….conf" */
	char title[ARCHISO_MAX_TITLE];
	char sort_key[64];
	char kernel[ARCHISO_MAX_PATH];                 /* absolute path in the ISO */
	char initrd[ARCHISO_MAX_INITRDS][ARCHISO_MAX_PATH];
	size_t n_initrd;
	char options[ARCHISO_MAX_OPTIONS];             /* as the ISO writes them */
};

/* Receives one human-readable note (skipped entries, problems). */
typedef void archiso_note_fn(void *ctx, const char *msg);

/*
 * Parse one systemd-boot entry file (Boot Loader Specification type #1:
 * "key value" lines, '#' comments).  Returns 1 for a Linux entry, 0 for an
 * entry that is not Linux (efi=, no linux line: why in err), -1 for a
 * malformed one (why in err).
 */
int archiso_entry_parse(const char *text, size_t len, const char *source,
    struct archiso_entry *e, char *err, size_t errlen);

/*
 * Parse a syslinux config (archiso_sys-linux.cfg, archiso_pxe-linux.cfg):
 * LABEL blocks with MENU LABEL, LINUX/KERNEL, INITRD (comma-separated) and
 * APPEND.  Appends Linux entries to out[*n] (up to max); notes the rest.
 */
void archiso_syslinux_parse(const char *text, size_t len, const char *source,
    struct archiso_entry *out, size_t *n, size_t max, archiso_note_fn *note,
    void *ctx);

/* Everything pxestick needs to netboot one ISO. */
struct archiso {
	const struct iso_image *img;
	char name[ARCHISO_MAX_NAME];   /* URL- and iPXE-safe: /iso/NAME/ */
	char date[11];                 /* YYYY-MM-DD of the volume, or "" */
	char basedir[64];              /* archisobasedir, default "arch" */
	int has_cms_sig;               /* BASEDIR/x86_64/airootfs.sfs.cms.sig */
	size_t n_entries;
	struct archiso_entry entries[ARCHISO_MAX_ENTRIES];
};

/*
 * Read the boot entries of img (file name filename, used for NAME) in
 * sort-key/name order.  Returns 0, or -1 when the ISO has no Linux entry
 * at all (why in err).  Notes go to note (may be NULL).
 */
int archiso_load(struct archiso *a, const struct iso_image *img, const char *filename,
    archiso_note_fn *note, void *ctx, char *err, size_t errlen);

/* NAME for an ISO file name: basename without ".iso", [A-Za-z0-9._-] only. */
void archiso_name(const char *filename, char *out, size_t outsize);

/*
 * The kernel command line for netbooting entry e of a from server (an
 * http:// URL without trailing slash): the ISO's options minus those that
 * find the medium as a block device, plus archiso_http_srv=, ip=dhcp,
 * BOOTIF= (iPXE's ${netX/mac}), script=, cms_verify=y where signed, and
 * initrd=NAME per initrd for UEFI iPXE.  Options with characters unsafe in
 * an iPXE script or the initramfs' eval are dropped (noted).  Returns 0,
 * or -1 if out is too small.
 */
int archiso_cmdline(const struct archiso *a, const struct archiso_entry *e,
    const char *server, char *out, size_t outsize, archiso_note_fn *note, void *ctx);

/* Menu settings for boot.ipxe. */
struct archiso_menu {
	const char *server;      /* http://ADDR[:PORT] */
	unsigned timeout_s;      /* 0: wait for a key */
	size_t default_iso;      /* index of the default ISO ... */
	size_t default_entry;    /* ... and of its entry */
};

/* Write boot.ipxe for isos[0..n) into out. */
void archiso_ipxe(const struct archiso *const *isos, size_t n,
    const struct archiso_menu *menu, struct buf *out, archiso_note_fn *note,
    void *ctx);

/* Is s a server URL we can put into scripts: http://[A-Za-z0-9.:[]-]+ ? */
int archiso_server_ok(const char *s);

/*
 * Check BASEDIR/x86_64/airootfs.{sfs,erofs} against airootfs.sha512 (and
 * .sha256 where present) by streaming it through SHA-2.  Returns 0 when it
 * matches, -1 (why in err) on mismatch, missing file or missing checksum.
 */
int archiso_verify(const struct archiso *a, char *err, size_t errlen);

#endif
