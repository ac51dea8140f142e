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
#include <stdint.h>

#include "common/buf.h"
#include "common/limits.h"
#include "iso/iso.h"

/* One bootable Linux entry of an ISO. */
struct archiso_entry {
	char source[128];     /* where it came from: "loader/entries/01-….conf" */
	char title[ARCHISO_MAX_TITLE];
	char sort_key[64];
	/* Paths in the ISO: absolute once loaded (a syslinux config may give
	 * them relative to its working directory; archiso_load() resolves). */
	char kernel[ARCHISO_MAX_PATH];
	char initrd[ARCHISO_MAX_INITRDS][ARCHISO_MAX_PATH];
	size_t n_initrd;
	char options[ARCHISO_MAX_OPTIONS];             /* as the ISO writes them */
	uint64_t boot_bytes;  /* kernel + initrds (archiso_load) */
	unsigned ram_mib;     /* the client RAM this entry needs (archiso_ram_mib) */
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
 * LABEL blocks with MENU LABEL (its '^' hotkey marks dropped), LINUX/KERNEL,
 * INITRD (comma-separated) and APPEND (an "initrd=a,b" word in it names
 * initrds too).  Paths are kept as written (relative ones relative to
 * syslinux' working directory).  Appends Linux entries to out[*n] (up to
 * max); notes the rest.
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
	/* The root image the initramfs downloads: BASEDIR/x86_64/ROOTFS. */
	char rootfs[16];               /* "airootfs.sfs" or "airootfs.erofs" */
	uint64_t rootfs_size;
	int has_sha512;                /* airootfs.sha512 (checksum=y) */
	int has_cms_sig;               /* ROOTFS.cms.sig (cms_verify=y) */
	/* Memtest86+ where the ISO ships it: the Linux-boot-protocol image
	 * (BIOS) and the EFI program, or "". */
	char memtest_bios[ARCHISO_MAX_PATH], memtest_efi[ARCHISO_MAX_PATH];
	size_t n_entries;
	struct archiso_entry entries[ARCHISO_MAX_ENTRIES];
};

/*
 * Read the boot entries of img (file name filename, used for NAME) in
 * sort-key/name order: loader/entries/NAME.conf, else the syslinux configs
 * (GRUB-era ISOs, 2022.07-2024.04, have no loader/ on ISO 9660), with
 * relative syslinux paths resolved as syslinux does, titles made true for
 * an HTTP boot (no "BIOS", "UEFI", "NBD", "NFS", "HTTP") and entries that
 * netboot identically folded into the first.  Finds the root image, its
 * checksum and signature, and memtest86+.  Returns 0, or -1 when the ISO
 * has no Linux entry at all (why in err).  Notes go to note (may be NULL).
 */
int archiso_load(struct archiso *a, const struct iso_image *img, const char *filename,
    archiso_note_fn *note, void *ctx, char *err, size_t errlen);

/* NAME for an ISO file name: basename without ".iso", [A-Za-z0-9._-] only. */
void archiso_name(const char *filename, char *out, size_t outsize);

/*
 * The client RAM (MiB) that booting entry e over HTTP needs.  The hooks
 * force copytoram over HTTP and never free the download, so the root
 * image sits in RAM twice; the kernel and initrds are loaded by iPXE and
 * the initramfs is unpacked; the live system needs room of its own:
 *
 *   2 x root image + 4 x (kernel + initrds) + ARCHISO_RAM_BASE_MIB
 *
 * rounded up to 64 MiB (docs/FLASHING.md says how it was measured).
 */
#define ARCHISO_RAM_BASE_MIB    512
unsigned archiso_ram_mib(const struct archiso *a, const struct archiso_entry *e);

/* How clients check the root image (settings key `verify`). */
enum archiso_verify {
	ARCHISO_VERIFY_CHECKSUM,  /* checksum=y: sha512sum -c, no clock involved */
	ARCHISO_VERIFY_CMS,       /* cms_verify=y: openssl cms, needs a true client clock */
	ARCHISO_VERIFY_NONE,
};

/* How entries boot: what archiso_cmdline() adds to every command line. */
struct archiso_boot {
	const char *server;       /* http://ADDR[:PORT]: script.cfg, and the images */
	enum archiso_verify verify;
	const char *cow_spacesize;  /* the live overlay's size ("1G"), or "": the ISO's */
	int script;               /* script.cfg is served: add script= */
	/* Where this ISO's files come from instead (a payload URL: a cache
	 * or mirror that holds URL/iso/NAME/...), or NULL: server. */
	const char *images;
};

/*
 * The kernel command line for netbooting entry e of a as boot says: the
 * ISO's options minus those that find the medium as a block device or
 * that we decide (checksum, verify, cms_verify, copytoram, script...),
 * plus archiso_http_srv= (boot->images, else boot->server), ip=dhcp, BOOTIF= (iPXE's ${netX/mac}),
 * checksum=y or cms_verify=y (as boot->verify says, where the ISO has
 * the file), cow_spacesize=, systemd.wants=network-online.target (the
 * live system's script= download waits for that target, which nothing
 * else pulls in on archiso v87 ISOs), script= when served, and
 * initrd=NAME per initrd for UEFI iPXE.  Options with characters unsafe
 * in an iPXE script or the initramfs' eval are dropped (noted).  Returns
 * 0, or -1 if out is too small.
 */
int archiso_cmdline(const struct archiso *a, const struct archiso_entry *e,
    const struct archiso_boot *boot, char *out, size_t outsize, archiso_note_fn *note,
    void *ctx);

/* What the menu picks when the time is up. */
enum archiso_default {
	ARCHISO_DEFAULT_ENTRY,   /* default_iso, default_entry */
	ARCHISO_DEFAULT_LOCAL,   /* the next boot device: the local disk */
	ARCHISO_DEFAULT_WAIT,    /* nothing: the menu waits for a choice */
};

/* Menu settings for boot.ipxe. */
struct archiso_menu {
	struct archiso_boot boot;
	unsigned timeout_s;      /* 0: wait for a key */
	size_t default_iso;      /* index of the default ISO ... */
	size_t default_entry;    /* ... and of its entry */
	unsigned client_mib;     /* the client's RAM (iPXE's ${memsize}), 0: unknown */
	enum archiso_default dflt;
	/* Per ISO (the isos[] of archiso_ipxe), the payload URL its kernel,
	 * initramfs and root image come from, or NULL (boot.server).  NULL
	 * itself: none anywhere. */
	const char *const *images;
};

/* SMBIOS memory devices the menu's probe reads, and the most RAM believed. */
#define ARCHISO_MAX_DIMMS       16
#define ARCHISO_MAX_CLIENT_MIB  (64u * 1024 * 1024)

/*
 * boot.ipxe's first step: iPXE asks again, saying its RAM --
 * SERVER/boot.ipxe?memsize=${memsize}&dimm=...&dimmx=... (iPXE's own
 * figure where the build has it, else each SMBIOS memory device's size)
 * plus the plain part of query, so ?entry= survives -- and gets the menu
 * made for that machine.
 */
void archiso_ipxe_probe(const char *server, const char *query, size_t query_len,
    struct buf *out);

/*
 * The client's RAM in MiB from what the probe sent (each argument as it
 * came in the query, may be NULL): memsize when it is a number, else the
 * sum of the SMBIOS type 17 sizes in dimm (comma-separated little-endian
 * hex words) with 0x7FFF's extended sizes from dimmx.  0: unknown.
 */
unsigned archiso_client_mib(const char *memsize, size_t memsize_len, const char *dimm,
    size_t dimm_len, const char *dimmx, size_t dimmx_len);

/*
 * Write boot.ipxe for isos[0..n) into out: a menu of every entry (with
 * the RAM it needs) and Memtest86+ where an ISO ships it.  An entry the
 * client has too little RAM for says so and returns to the menu.  An ISO
 * with a payload URL (menu->images) loads from there, and from
 * menu->boot.server when the payload URL fails (then with the server's
 * archiso_http_srv= too).
 */
void archiso_ipxe(const struct archiso *const *isos, size_t n,
    const struct archiso_menu *menu, struct buf *out, archiso_note_fn *note,
    void *ctx);

/* Is s a server URL we can put into scripts: http://[A-Za-z0-9.:[]-]+ ? */
int archiso_server_ok(const char *s);

/* "checksum", "cms", "none"; and back (0, or -1 for anything else). */
const char *archiso_verify_name(enum archiso_verify v);
int archiso_verify_parse(const char *s, enum archiso_verify *v);

/*
 * Check BASEDIR/x86_64/ROOTFS against airootfs.sha512 (and
 * .sha256 where present) by streaming it through SHA-2.  Returns 0 when it
 * matches, -1 (why in err) on mismatch, missing file or missing checksum.
 */
int archiso_verify(const struct archiso *a, char *err, size_t errlen);

/* The same, telling progress (bytes of the root image hashed of total)
 * after every MiB; progress may be NULL. */
typedef void archiso_progress_fn(void *ctx, uint64_t done, uint64_t total);
int archiso_verify_progress(const struct archiso *a, archiso_progress_fn *progress, void *ctx,
    char *err, size_t errlen);

#endif
