/*
 * Every limit pxestick enforces on untrusted input, in one place.  Input
 * beyond a limit is refused on purpose, with a message that names the limit.
 */
#ifndef PXESTICK_COMMON_LIMITS_H
#define PXESTICK_COMMON_LIMITS_H

/* ---- ISO 9660 reader (services/iso) ---- */

/* Entries (files, directories, links) indexed per image.  A full Arch ISO
 * has a few hundred; a Debian DVD about 60,000. */
#define ISO_MAX_NODES           (4u * 1024 * 1024)
/* Bytes of names and symlink targets kept per image. */
#define ISO_MAX_NAME_POOL       (256u * 1024 * 1024)
/* Data extents per image (multi-extent files use one per 4 GiB part). */
#define ISO_MAX_EXTENTS         (8u * 1024 * 1024)
/* Bytes in one directory's extent (a 100,000-entry directory needs ~12 MiB). */
#define ISO_MAX_DIR_BYTES       (64u * 1024 * 1024)
/* Nesting of directories below the root. */
#define ISO_MAX_DEPTH           256
/* Length of a path we build or resolve, and of one name. */
#define ISO_MAX_PATH            4096
#define ISO_MAX_NAME            1024
/* SUSP continuation areas (CE) followed for one directory record. */
#define ISO_MAX_CE_HOPS         32
/* Bytes of system-use data gathered for one record (record + CE areas). */
#define ISO_MAX_SUSP_BYTES      (64u * 1024)
/* Symlinks followed while resolving one path (as Linux's 40). */
#define ISO_MAX_SYMLINK_HOPS    40
/* Volume descriptors read before the terminator must appear. */
#define ISO_MAX_VOLUME_DESCRIPTORS 64
/* El Torito boot catalog: sectors read, entries kept. */
#define ISO_MAX_BOOT_CATALOG_SECTORS 4
#define ISO_MAX_BOOT_ENTRIES    16

/* ---- authorized_keys and script.cfg (services/keyinject) ---- */

/* Bytes of an authorized_keys file read at all (a few hundred keys). */
#define KEYS_MAX_FILE           (1024u * 1024)
/* Bytes of one line, newline excluded.  A 16384-bit RSA key (OpenSSH's
 * largest) is ~2,800 base64 characters; the rest is room for options. */
#define KEYS_MAX_LINE           16384
/* Bytes of a decoded key blob: all a line can hold (OpenSSH's
 * SSH_MAX_PUBKEY_BYTES is 16384). */
#define KEYS_MAX_BLOB           (KEYS_MAX_LINE / 4 * 3)
/* Key lines kept per file; the rest are refused (duplicates are found by
 * fingerprint, one slot per key). */
#define KEYS_MAX_KEYS           256
/* RSA modulus size in bits: at least 2048 (NIST SP 800-131A; OpenSSH
 * itself still takes 1024), at most OpenSSH's SSH_RSA_MAXIMUM_MODULUS_SIZE. */
#define KEYS_RSA_MIN_BITS       2048
#define KEYS_RSA_MAX_BITS       16384
/* Bytes of one error message, quoted input included. */
#define KEYS_MAX_ERROR          256
/* Bytes of the --extra script embedded in script.cfg. */
#define KEYS_MAX_EXTRA          (256u * 1024)

/* ---- Arch ISO knowledge (services/archiso) ---- */

/* Boot entries kept per ISO (Arch ships three). */
#define ARCHISO_MAX_ENTRIES     32
/* initrd lines per entry (microcode images + the initramfs). */
#define ARCHISO_MAX_INITRDS     8
/* A path inside the ISO named by an entry. */
#define ARCHISO_MAX_PATH        256
#define ARCHISO_MAX_TITLE       128
#define ARCHISO_MAX_NAME        64
/* Kernel options as written, and the command line we build. */
#define ARCHISO_MAX_OPTIONS     2048
#define ARCHISO_MAX_CMDLINE     4096
/* Bytes of one config file (entry or syslinux cfg) we read. */
#define ARCHISO_MAX_CONFIG      (64u * 1024)
/* Entry files looked at in loader/entries. */
#define ARCHISO_MAX_ENTRY_FILES 64
/* A checksum file (airootfs.sha512). */
#define ARCHISO_MAX_CHECKSUM_FILE 4096

#endif
