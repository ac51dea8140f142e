/*
 * On-disc layout of ECMA-119 (ISO 9660), SUSP 1.12, RRIP 1.12, Joliet and
 * El Torito: named offsets, so parsers never use bare numbers.
 */
#ifndef PXESTICK_ISO_FORMAT_H
#define PXESTICK_ISO_FORMAT_H

#define ISO_SECTOR              2048u
#define ISO_SYSTEM_AREA_SECTORS 16u /* MBR/GPT of hybrid images live here */

/* Volume descriptor (ECMA-119 8.1) */
#define VD_TYPE          0
#define VD_ID            1   /* "CD001" */
#define VD_VERSION       6
#define VD_TYPE_BOOT     0
#define VD_TYPE_PRIMARY  1
#define VD_TYPE_SUPPLEMENTARY 2
#define VD_TYPE_PARTITION 3
#define VD_TYPE_TERMINATOR 255

/* Primary / supplementary volume descriptor (ECMA-119 8.4, 8.5) */
#define PVD_FLAGS             7   /* SVD: volume flags */
#define PVD_SYSTEM_ID         8   /* 32 bytes */
#define PVD_VOLUME_ID         40  /* 32 bytes */
#define PVD_SPACE_SIZE        80  /* both-endian 32 */
#define PVD_ESCAPES           88  /* SVD: 32 bytes of escape sequences */
#define PVD_BLOCK_SIZE        128 /* both-endian 16 */
#define PVD_ROOT_RECORD       156 /* 34-byte directory record */
#define PVD_VOLUME_SET_ID     190 /* 128 bytes */
#define PVD_PUBLISHER         318 /* 128 bytes */
#define PVD_PREPARER          446 /* 128 bytes */
#define PVD_APPLICATION       574 /* 128 bytes */
#define PVD_CREATED           813 /* 17-byte date */
#define PVD_MODIFIED          830
#define PVD_EXPIRES           847
#define PVD_EFFECTIVE         864
#define PVD_DATE_LEN          17

/* Boot record volume descriptor (El Torito 2.0) */
#define BRVD_SYSTEM_ID        7   /* "EL TORITO SPECIFICATION", NUL-padded */
#define BRVD_CATALOG_LBA      71  /* little-endian 32 */

/* Directory record (ECMA-119 9.1) */
#define DR_LENGTH       0
#define DR_EAR_LENGTH   1
#define DR_EXTENT       2   /* both-endian 32 */
#define DR_SIZE         10  /* both-endian 32 */
#define DR_DATE         18  /* 7 bytes */
#define DR_FLAGS        25
#define DR_UNIT_SIZE    26
#define DR_GAP_SIZE     27
#define DR_VOLSEQ       28  /* both-endian 16 */
#define DR_NAME_LEN     32
#define DR_NAME         33
#define DR_MIN_LENGTH   34  /* fixed part plus a one-byte name */

#define DR_FLAG_HIDDEN     0x01
#define DR_FLAG_DIRECTORY  0x02
#define DR_FLAG_ASSOCIATED 0x04
#define DR_FLAG_MULTIEXTENT 0x80

/* SUSP entry header (SUSP 1.12, 4) */
#define SUSP_SIG     0
#define SUSP_LEN     2
#define SUSP_VER     3
#define SUSP_DATA    4
#define SUSP_HEADER  4

/* CE: continuation area = block, offset, length, each both-endian 32 */
#define SUSP_CE_LEN  28
/* SP: check bytes BE EF, then LEN_SKP */
#define SUSP_SP_LEN  7

/* RRIP NM / SL flags */
#define RR_NM_CONTINUE 0x01
#define RR_NM_CURRENT  0x02
#define RR_NM_PARENT   0x04
#define RR_SL_CONTINUE 0x01
#define RR_SLC_CONTINUE 0x01
#define RR_SLC_CURRENT  0x02
#define RR_SLC_PARENT   0x04
#define RR_SLC_ROOT     0x08

/* RRIP TF flags: which timestamps follow, in this order */
#define RR_TF_CREATION  0x01
#define RR_TF_MODIFY    0x02
#define RR_TF_ACCESS    0x04
#define RR_TF_ATTRIBUTES 0x08
#define RR_TF_BACKUP    0x10
#define RR_TF_EXPIRATION 0x20
#define RR_TF_EFFECTIVE 0x40
#define RR_TF_LONG_FORM 0x80

/* El Torito boot catalog (32-byte entries) */
#define ET_ENTRY_SIZE      32
#define ET_HEADER_VALIDATION 0x01
#define ET_HEADER_MORE     0x90
#define ET_HEADER_LAST     0x91
#define ET_BOOTABLE        0x88
#define ET_NOT_BOOTABLE    0x00
#define ET_VAL_PLATFORM    1
#define ET_VAL_KEY55       30
#define ET_VAL_KEYAA       31
#define ET_SEC_PLATFORM    1
#define ET_SEC_COUNT       2   /* little-endian 16 */
#define ET_ENT_INDICATOR   0
#define ET_ENT_MEDIA       1
#define ET_ENT_SEGMENT     2   /* little-endian 16 */
#define ET_ENT_SYSTYPE     4
#define ET_ENT_SECTORS     6   /* little-endian 16 */
#define ET_ENT_RBA         8   /* little-endian 32 */
#define ET_EXTENSION       0x44

#endif
