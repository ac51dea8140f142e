/*
 * Opening an image: volume descriptors (ECMA-119 8), volume identity as
 * blkid reports it, and the choice of which directory tree to index.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/limits.h"
#include "common/util.h"
#include "iso/iso_format.h"
#include "iso/iso_internal.h"

/* blkid: a date whose 16 digits are all '0' with offset 0 is "unset". */
static int
vd_date_unset(const unsigned char *p)
{
	for (int i = 0; i < 16; i++)
		if (p[i] != '0')
			return 0;
	return p[16] == 0;
}

/*
 * The UUID blkid derives from a date.  A date that is set but not 16
 * digits (NUL bytes, say) gives no UUID at all, as with blkid, whose
 * string stops at the first NUL: then nothing reaches a kernel command
 * line either.
 */
static void
vd_uuid(const unsigned char *p, char out[24])
{
	for (int i = 0; i < 16; i++)
		if (p[i] < '0' || p[i] > '9') {
			out[0] = '\0';
			return;
		}
	snprintf(out, 24, "%.4s-%.2s-%.2s-%.2s-%.2s-%.2s-%.2s", p, p + 4, p + 6, p + 8,
	    p + 10, p + 12, p + 14);
}

static void
vd_string(const unsigned char *p, size_t len, int joliet, char *out, size_t outsize)
{
	size_t n;

	if (joliet) {
		n = iso_utf16be_to_utf8(p, len, out, outsize);
	} else {
		n = 0;
		/* Bytes >= 0x80 pass as they are (blkid reports them raw, and
		 * writers put UTF-8 there); control bytes never do. */
		for (size_t i = 0; i < len && n + 1 < outsize; i++)
			out[n++] = (p[i] >= 0x20 && p[i] != 0x7f) ? (char)p[i] : '?';
		out[n] = '\0';
	}
	while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\0'))
		out[--n] = '\0';
}

static int
is_joliet_escape(const unsigned char *esc)
{
	return esc[0] == '%' && esc[1] == '/' &&
	    (esc[2] == '@' || esc[2] == 'C' || esc[2] == 'E');
}

/* Validate a volume's root directory record and remember where it is. */
static int
vd_root(struct iso_image *img, int64_t sector, const unsigned char *vd,
    uint32_t *lba, uint32_t *size)
{
	const unsigned char *r = vd + PVD_ROOT_RECORD;

	if (r[DR_LENGTH] < DR_MIN_LENGTH || r[DR_NAME_LEN] != 1)
		return iso_fail(img, sector, "root directory record is malformed "
		    "(length %u, name length %u)", r[DR_LENGTH], r[DR_NAME_LEN]);
	if (!(r[DR_FLAGS] & DR_FLAG_DIRECTORY))
		return iso_fail(img, sector, "root directory record is not a directory");
	if (iso_both32(img, sector, r + DR_EXTENT, lba, "root extent") != 0 ||
	    iso_both32(img, sector, r + DR_SIZE, size, "root size") != 0)
		return -1;
	if ((uint64_t)*lba * ISO_SECTOR + *size > img->src.size)
		return iso_fail(img, sector, "root directory (sector %u, %u bytes) lies "
		    "past the end of the image", *lba, *size);
	return 0;
}

static int
vd_primary(struct iso_image *img, int64_t sector, const unsigned char *vd)
{
	struct iso_volume *v = &img->vol;
	uint16_t bs;
	uint32_t blocks;

	if (iso_both16(img, sector, vd + PVD_BLOCK_SIZE, &bs, "logical block size") != 0 ||
	    iso_both32(img, sector, vd + PVD_SPACE_SIZE, &blocks, "volume space size") != 0)
		return -1;
	if (bs != ISO_SECTOR)
		return iso_fail(img, sector, "logical block size %u is not supported "
		    "(only 2048)", bs);
	v->block_size = bs;
	v->volume_blocks = blocks;
	vd_string(vd + PVD_SYSTEM_ID, 32, 0, v->system_id, sizeof(v->system_id));
	vd_string(vd + PVD_VOLUME_ID, 32, 0, v->volume_id, sizeof(v->volume_id));
	vd_string(vd + PVD_VOLUME_SET_ID, 128, 0, v->volume_set_id, sizeof(v->volume_set_id));
	vd_string(vd + PVD_PUBLISHER, 128, 0, v->publisher, sizeof(v->publisher));
	vd_string(vd + PVD_PREPARER, 128, 0, v->preparer, sizeof(v->preparer));
	vd_string(vd + PVD_APPLICATION, 128, 0, v->application, sizeof(v->application));
	iso_vd_date(vd + PVD_CREATED, &v->created);
	iso_vd_date(vd + PVD_MODIFIED, &v->modified);
	iso_vd_date(vd + PVD_EXPIRES, &v->expires);
	iso_vd_date(vd + PVD_EFFECTIVE, &v->effective);
	/* Exactly util-linux's rule (libblkid iso9660.c). */
	if (!vd_date_unset(vd + PVD_MODIFIED))
		vd_uuid(vd + PVD_MODIFIED, v->uuid);
	else if (!vd_date_unset(vd + PVD_CREATED))
		vd_uuid(vd + PVD_CREATED, v->uuid);
	memcpy(v->label, v->volume_id, sizeof(v->label));
	return vd_root(img, sector, vd, &img->root_lba, &img->root_size);
}

struct vd_scan {
	int have_pvd;
	unsigned char joliet_volid[32];
};

static int
vd_read_all(struct iso_image *img, struct vd_scan *scan)
{
	unsigned char vd[ISO_SECTOR];

	for (uint32_t i = 0; i < ISO_MAX_VOLUME_DESCRIPTORS; i++) {
		uint32_t sector = ISO_SYSTEM_AREA_SECTORS + i;

		if (iso_read_at(img, vd, sizeof(vd), (uint64_t)sector * ISO_SECTOR) != 0)
			return -1;
		if (memcmp(vd + VD_ID, "CD001", 5) != 0)
			return iso_fail(img, sector, "no ISO 9660 volume descriptor here "
			    "(not an ISO image, or the descriptor set lacks a terminator)");
		switch (vd[VD_TYPE]) {
		case VD_TYPE_TERMINATOR:
			if (!scan->have_pvd)
				return iso_fail(img, sector, "descriptor set ends without a "
				    "primary volume descriptor");
			return 0;
		case VD_TYPE_PRIMARY:
			if (scan->have_pvd)
				break; /* ECMA-119: the first one counts */
			if (vd_primary(img, sector, vd) != 0)
				return -1;
			scan->have_pvd = 1;
			break;
		case VD_TYPE_SUPPLEMENTARY:
			if (img->have_joliet || !is_joliet_escape(vd + PVD_ESCAPES))
				break;
			if (vd_root(img, sector, vd, &img->joliet_lba, &img->joliet_size) != 0)
				return -1;
			memcpy(scan->joliet_volid, vd + PVD_VOLUME_ID, 32);
			img->have_joliet = 1;
			break;
		case VD_TYPE_BOOT:
			if (memcmp(vd + BRVD_SYSTEM_ID, "EL TORITO SPECIFICATION", 23) == 0) {
				img->vol.has_eltorito = 1;
				img->vol.boot_catalog_lba = load_le32(vd + BRVD_CATALOG_LBA);
			}
			break;
		default:
			break;
		}
	}
	return iso_fail(img, -1, "no volume descriptor set terminator in the first %u "
	    "descriptors", ISO_MAX_VOLUME_DESCRIPTORS);
}

/* blkid uses the Joliet volume id unless it equals the PVD's in ASCII. */
static void
vd_joliet_label(struct iso_image *img, const unsigned char *jvolid)
{
	unsigned char pvd_raw[32];
	size_t n = strlen(img->vol.volume_id);
	int same = 1;

	memset(pvd_raw, ' ', sizeof(pvd_raw));
	memcpy(pvd_raw, img->vol.volume_id, n < 32 ? n : 32);
	for (size_t i = 0; i < 16; i++)
		if (jvolid[2 * i] != 0 || jvolid[2 * i + 1] != pvd_raw[i])
			same = 0;
	if (!same)
		vd_string(jvolid, 32, 1, img->vol.label, sizeof(img->vol.label));
}

static int
source_fd_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	return pread_all(*(int *)ctx, buf, len, off);
}

struct iso_image *
iso_open_source(const struct iso_source *src, const char *name, char *err,
    size_t errlen)
{
	struct iso_image *img;
	struct vd_scan scan;

	if (errlen > 0)
		err[0] = '\0';
	img = calloc(1, sizeof(*img));
	if (img == NULL || (img->name = strdup(name)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		free(img);
		return NULL;
	}
	img->src = *src;
	img->fd = -1;
	img->err = err;
	img->errlen = errlen;
	memset(&scan, 0, sizeof(scan));
	if (vd_read_all(img, &scan) != 0)
		goto fail;
	if (img->have_joliet) {
		img->vol.extensions |= ISO_EXT_JOLIET;
		vd_joliet_label(img, scan.joliet_volid);
	}
	/* No fallback to another tree on failure: a damaged image is
	 * reported, not half-read. */
	if (iso_tree_build(img) != 0)
		goto fail;
	if (img->vol.has_eltorito && iso_eltorito_read(img) != 0)
		goto fail;
	img->err = NULL;
	img->errlen = 0;
	return img;
fail:
	if (errlen > 0 && err[0] == '\0')
		snprintf(err, errlen, "%s: cannot read image", name);
	img->err = NULL;
	iso_close(img);
	return NULL;
}

struct iso_image *
iso_open(const char *path, char *err, size_t errlen)
{
	struct iso_source src;
	struct iso_image *img;
	struct stat st;
	int *fdp;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	fdp = malloc(sizeof(*fdp));
	if (fdp == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		close(fd);
		return NULL;
	}
	*fdp = fd;
	src.read = source_fd_read;
	src.ctx = fdp;
	src.size = (uint64_t)st.st_size;
	if (S_ISBLK(st.st_mode)) {
		off_t end = lseek(fd, 0, SEEK_END);

		src.size = end > 0 ? (uint64_t)end : 0;
	}
	img = iso_open_source(&src, path, err, errlen);
	if (img == NULL) {
		free(fdp);
		close(fd);
		return NULL;
	}
	img->fd = fd;
	return img;
}

void
iso_close(struct iso_image *img)
{
	if (img == NULL)
		return;
	if (img->fd >= 0) {
		close(img->fd);
		free(img->src.ctx);
	}
	free(img->nodes);
	free(img->names);
	free(img->extents);
	free(img->hash);
	free(img->seen_dirs);
	free(img->name);
	free(img);
}

int iso_fd(const struct iso_image *img) { return img->fd; }
const char *iso_name(const struct iso_image *img) { return img->name; }
const struct iso_volume *iso_volume(const struct iso_image *img) { return &img->vol; }
uint32_t iso_node_count(const struct iso_image *img) { return img->n_nodes; }
