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

#endif
