/*
 * Walking the directory tree once (breadth first) to build the index:
 * directory records (ECMA-119 9.1, 6.8.1), multi-extent files, Joliet
 * names, Rock Ridge relocation (CL/RE) and the name rules of each tree.
 *
 * Breadth-first order makes each directory's children a contiguous range
 * of node ids and every parent id smaller than its children's.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/limits.h"
#include "common/util.h"
#include "iso/iso_format.h"
#include "iso/iso_internal.h"

#define NO_NODE UINT32_MAX

/* What one directory record says, after validation. */
struct record {
	uint32_t lba;       /* first data block (after any extended attributes) */
	uint32_t size;
	unsigned flags;
	int64_t mtime;
	const unsigned char *name;
	size_t name_len;
	const unsigned char *su; /* system-use field */
	size_t su_len;
};

static int
grow(struct iso_image *img, void **arr, uint32_t *cap, uint32_t need, size_t elem,
    uint32_t limit, const char *what)
{
	uint32_t ncap;
	void *p;

	if (need <= *cap)
		return 0;
	if (need > limit)
		return iso_fail(img, -1, "more than %u %s: refusing to index further",
		    limit, what);
	ncap = *cap ? *cap : 64;
	while (ncap < need)
		ncap = ncap > limit / 2 ? limit : ncap * 2;
	p = realloc(*arr, (size_t)ncap * elem);
	if (p == NULL)
		return iso_fail(img, -1, "out of memory indexing %u %s", ncap, what);
	*arr = p;
	*cap = ncap;
	return 0;
}

static int
add_extent(struct iso_image *img, uint64_t offset, uint64_t length)
{
	if (grow(img, (void **)&img->extents, &img->cap_extents, img->n_extents + 1,
	    sizeof(*img->extents), ISO_MAX_EXTENTS, "extents") != 0)
		return -1;
	img->extents[img->n_extents].offset = offset;
	img->extents[img->n_extents].length = length;
	img->n_extents++;
	return 0;
}

static struct iso_node *
add_node(struct iso_image *img, uint32_t parent)
{
	struct iso_node *n;

	if (grow(img, (void **)&img->nodes, &img->cap_nodes, img->n_nodes + 1,
	    sizeof(*img->nodes), ISO_MAX_NODES, "entries") != 0)
		return NULL;
	n = &img->nodes[img->n_nodes++];
	memset(n, 0, sizeof(*n));
	n->parent = parent;
	n->link_off = ISO_NO_LINK;
	n->first_extent = img->n_extents;
	return n;
}

/* Remember a directory extent; a second visit means a cycle. */
static int
seen_dir(struct iso_image *img, int64_t sector, uint32_t lba)
{
	uint32_t i;

	if (img->n_seen * 2 >= img->seen_mask) {
		uint32_t ncap = img->seen_mask ? (img->seen_mask + 1) * 2 : 256;
		uint32_t *nt = calloc(ncap, sizeof(*nt));

		if (nt == NULL)
			return iso_fail(img, sector, "out of memory");
		for (i = 0; img->seen_dirs && i <= img->seen_mask; i++) {
			uint32_t v = img->seen_dirs[i], h;

			if (v == 0)
				continue;
			for (h = (v * 2654435761u) & (ncap - 1); nt[h]; h = (h + 1) & (ncap - 1))
				;
			nt[h] = v;
		}
		free(img->seen_dirs);
		img->seen_dirs = nt;
		img->seen_mask = ncap - 1;
	}
	/* Stored as lba + 1 so that 0 means empty. */
	for (i = ((lba + 1) * 2654435761u) & img->seen_mask; img->seen_dirs[i];
	    i = (i + 1) & img->seen_mask)
		if (img->seen_dirs[i] == lba + 1)
			return iso_fail(img, sector, "directory at sector %u is reached "
			    "twice (a directory cycle)", lba);
	img->seen_dirs[i] = lba + 1;
	img->n_seen++;
	return 0;
}

/* Parse and bound-check the record at buf[0..avail). */
static int
record_parse(struct iso_image *img, int64_t sector, const unsigned char *r,
    size_t avail, struct record *rec)
{
	size_t len = r[DR_LENGTH], name_len, su_off;
	uint32_t lba, size;
	uint16_t volseq;

	if (len < DR_MIN_LENGTH || len > avail)
		return iso_fail(img, sector, "directory record of %zu bytes overruns "
		    "its sector (%zu bytes left) or is too short", len, avail);
	name_len = r[DR_NAME_LEN];
	if (name_len == 0 || DR_NAME + name_len > len)
		return iso_fail(img, sector, "directory record name of %zu bytes does "
		    "not fit its %zu-byte record", name_len, len);
	if (iso_both32(img, sector, r + DR_EXTENT, &lba, "extent location") != 0 ||
	    iso_both32(img, sector, r + DR_SIZE, &size, "data length") != 0 ||
	    iso_both16(img, sector, r + DR_VOLSEQ, &volseq, "volume sequence") != 0)
		return -1;
	if (r[DR_UNIT_SIZE] != 0 || r[DR_GAP_SIZE] != 0)
		return iso_fail(img, sector, "interleaved file (unit %u, gap %u) is not "
		    "supported", r[DR_UNIT_SIZE], r[DR_GAP_SIZE]);
	if (lba > UINT32_MAX - r[DR_EAR_LENGTH])
		return iso_fail(img, sector, "extent location overflows");
	rec->lba = lba + r[DR_EAR_LENGTH];
	rec->size = size;
	rec->flags = r[DR_FLAGS];
	rec->mtime = iso_record_time(r + DR_DATE);
	rec->name = r + DR_NAME;
	rec->name_len = name_len;
	/* ECMA-119 9.1.12: a pad byte follows an even-length name. */
	su_off = DR_NAME + name_len + (name_len % 2 == 0);
	rec->su = r + su_off;
	rec->su_len = su_off < len ? len - su_off : 0;
	return 0;
}

static int
is_dot_record(const struct record *rec)
{
	return rec->name_len == 1 && (rec->name[0] == 0 || rec->name[0] == 1);
}

/* The system-use field after SP's skip bytes, or nothing. */
static int
record_rr(struct iso_image *img, int64_t sector, const struct record *rec,
    struct iso_rr *rr)
{
	size_t skip = img->susp_skip;

	return iso_susp_parse(img, sector, rec->su + (skip < rec->su_len ? skip : rec->su_len),
	    skip < rec->su_len ? rec->su_len - skip : 0, rr);
}

/*
 * Read the first record ("." entry) of the directory at lba; used for the
 * root's SP/PX/TF and for the real size of a relocated (CL) directory.
 */
static int
dir_self(struct iso_image *img, uint32_t lba, unsigned char *buf, struct record *rec)
{
	if (iso_read_at(img, buf, ISO_SECTOR, (uint64_t)lba * ISO_SECTOR) != 0 ||
	    record_parse(img, lba, buf, ISO_SECTOR, rec) != 0)
		return -1;
	if (!is_dot_record(rec) || rec->name[0] != 0)
		return iso_fail(img, lba, "directory does not begin with its \".\" entry");
	return 0;
}

/* Turn the record's own name into the tree's name rules.  Returns length. */
static int
record_name(struct iso_image *img, int64_t sector, const struct record *rec,
    const struct iso_rr *rr, char *out)
{
	size_t n;

	if (img->rock_ridge && rr->has_nm) {
		memcpy(out, rr->name, rr->name_len + 1);
		n = rr->name_len;
	} else if (img->joliet) {
		n = iso_utf16be_to_utf8(rec->name, rec->name_len, out, ISO_MAX_NAME + 1);
		if (memchr(out, ';', n) != NULL)
			n = (size_t)((char *)memchr(out, ';', n) - out);
		out[n] = '\0';
	} else {
		n = rec->name_len;
		memcpy(out, rec->name, n);
		out[n] = '\0';
		if (memchr(out, ';', n) != NULL)
			n = (size_t)((char *)memchr(out, ';', n) - out);
		/* "FILE." (no extension) is "FILE"; directories have no dot. */
		if (n > 1 && out[n - 1] == '.')
			n--;
		out[n] = '\0';
	}
	if (n == 0 || memchr(out, '/', n) != NULL || memchr(out, '\0', n) != NULL ||
	    (n == 1 && out[0] == '.') || (n == 2 && out[0] == '.' && out[1] == '.'))
		return iso_fail(img, sector, "entry has an invalid name (empty, \".\", "
		    "\"..\" or containing '/' or NUL)");
	return (int)n;
}

/* A root-level rr_moved that holds only relocated (RE) directories is
 * an artefact of the writer: hide it, as Linux's and libarchive's readers do. */
static int
dir_only_relocated(struct iso_image *img, const struct record *rec, int *only)
{
	unsigned char sec[ISO_SECTOR];
	struct iso_rr *rr = malloc(sizeof(*rr));
	uint32_t nsec = (rec->size + ISO_SECTOR - 1) / ISO_SECTOR, entries = 0;
	int rc = 0;

	if (rr == NULL)
		return iso_fail(img, rec->lba, "out of memory");
	*only = 1;
	for (uint32_t s = 0; s < nsec && *only && rc == 0; s++) {
		size_t pos = 0, lim = rec->size - s * ISO_SECTOR;

		if (lim > ISO_SECTOR)
			lim = ISO_SECTOR;
		if (iso_read_at(img, sec, ISO_SECTOR, ((uint64_t)rec->lba + s) * ISO_SECTOR) != 0) {
			rc = -1;
			break;
		}
		while (pos < lim && sec[pos] != 0 && *only) {
			struct record r;

			if (record_parse(img, rec->lba + s, sec + pos, lim - pos, &r) != 0 ||
			    (!is_dot_record(&r) && record_rr(img, rec->lba + s, &r, rr) != 0)) {
				rc = -1;
				break;
			}
			if (!is_dot_record(&r)) {
				entries++;
				if (!rr->is_relocated)
					*only = 0;
			}
			pos += sec[pos];
		}
	}
	free(rr);
	if (rc == 0 && entries == 0)
		*only = 0; /* an empty rr_moved the writer left for us: show it */
	return rc;
}

static int
node_type(struct iso_image *img, int64_t sector, const struct record *rec,
    const struct iso_rr *rr, struct iso_node *n)
{
	int is_dir = (rec->flags & DR_FLAG_DIRECTORY) || rr->has_child_link;

	if (img->rock_ridge && rr->has_px) {
		uint32_t type = rr->mode & S_IFMT;

		if (is_dir != (type == S_IFDIR))
			return iso_fail(img, sector, "Rock Ridge mode %#o contradicts the "
			    "record's directory flag", rr->mode);
		n->mode = rr->mode;
		n->nlink = rr->nlink;
	} else {
		n->mode = is_dir ? (S_IFDIR | 0555) : (S_IFREG | 0444);
		n->nlink = is_dir ? 2 : 1;
	}
	n->mtime = img->rock_ridge && rr->has_tf ? rr->mtime : rec->mtime;
	return 0;
}

static int
node_data(struct iso_image *img, int64_t sector, const struct record *rec,
    const struct iso_rr *rr, struct iso_node *n, unsigned char *scratch)
{
	uint64_t off = (uint64_t)rec->lba * ISO_SECTOR;

	if (S_ISDIR(n->mode)) {
		struct record self;
		uint32_t lba = rec->lba, size = rec->size;

		if (rr->has_child_link) {
			if (dir_self(img, rr->child_lba, scratch, &self) != 0)
				return -1;
			lba = rr->child_lba;
			size = self.size;
		}
		n->size = size; /* as ls -l shows a directory */
		if (size == 0 || size > ISO_MAX_DIR_BYTES ||
		    (uint64_t)lba * ISO_SECTOR + size > img->src.size)
			return iso_fail(img, sector, "directory extent (sector %u, %u bytes) "
			    "is empty, larger than %u bytes or past the end of the image",
			    lba, size, ISO_MAX_DIR_BYTES);
		return add_extent(img, (uint64_t)lba * ISO_SECTOR, size);
	}
	if (S_ISLNK(n->mode)) {
		uint32_t off_link;

		if (iso_index_add_name(img, rr->link, rr->link_len, &off_link) != 0)
			return -1;
		n->link_off = off_link;
		n->size = rr->link_len; /* as lstat(2) reports a symlink */
		return 0;
	}
	if (rec->size == 0)
		return 0;
	if (off + rec->size > img->src.size)
		return iso_fail(img, sector, "file extent (sector %u, %u bytes) lies past "
		    "the end of the image (%llu bytes)", rec->lba, rec->size,
		    (unsigned long long)img->src.size);
	if (add_extent(img, off, rec->size) != 0)
		return -1;
	n->n_extents++;
	n->size += rec->size;
	return 0;
}

/* State of one directory walk. */
struct dir_walk {
	uint32_t dir;
	uint32_t multi;     /* node expecting more extents, or NO_NODE */
	struct iso_rr *rr;
	char *name;         /* ISO_MAX_NAME + 1 */
	unsigned char *scratch; /* one sector */
};

/* Continue a multi-extent file: same name, next part (ECMA-119 6.5.1). */
static int
record_continue(struct iso_image *img, int64_t sector, struct dir_walk *w,
    const struct record *rec, const char *name, size_t len)
{
	struct iso_node *n = &img->nodes[w->multi];

	if (n->name_len != len || memcmp(img->names + n->name_off, name, len) != 0 ||
	    (rec->flags & DR_FLAG_DIRECTORY))
		return iso_fail(img, sector, "multi-extent file \"%s\" ends without its "
		    "final part", img->names + n->name_off);
	if (rec->size > 0) {
		uint64_t off = (uint64_t)rec->lba * ISO_SECTOR;

		if (off + rec->size > img->src.size)
			return iso_fail(img, sector, "file extent (sector %u, %u bytes) lies "
			    "past the end of the image", rec->lba, rec->size);
		if (n->first_extent + n->n_extents != img->n_extents)
			return iso_fail(img, sector, "multi-extent parts are not adjacent");
		if (add_extent(img, off, rec->size) != 0)
			return -1;
		n->n_extents++;
		n->size += rec->size;
	}
	if (!(rec->flags & DR_FLAG_MULTIEXTENT))
		w->multi = NO_NODE;
	return 0;
}

static int
record_add(struct iso_image *img, int64_t sector, struct dir_walk *w,
    const struct record *rec)
{
	struct iso_node *n;
	int len;

	if (rec->flags & DR_FLAG_ASSOCIATED)
		return 0;
	if (img->rock_ridge && record_rr(img, sector, rec, w->rr) != 0)
		return -1;
	if (img->rock_ridge && w->rr->is_relocated)
		return 0; /* shown where its CL entry stands */
	len = record_name(img, sector, rec, w->rr, w->name);
	if (len < 0)
		return -1;
	if (w->multi != NO_NODE)
		return record_continue(img, sector, w, rec, w->name, (size_t)len);
	if (w->dir == ISO_ROOT_ID && img->rock_ridge && (rec->flags & DR_FLAG_DIRECTORY) &&
	    (strcmp(w->name, "rr_moved") == 0 || strcmp(w->name, ".rr_moved") == 0)) {
		int only = 0;

		if (dir_only_relocated(img, rec, &only) != 0)
			return -1;
		if (only)
			return 0;
	}
	n = add_node(img, w->dir);
	if (n == NULL)
		return -1;
	n->depth = (uint16_t)(img->nodes[w->dir].depth + 1);
	n->name_len = (uint16_t)len;
	if (iso_index_add_name(img, w->name, (size_t)len, &n->name_off) != 0 ||
	    node_type(img, sector, rec, w->rr, n) != 0 ||
	    node_data(img, sector, rec, w->rr, n, w->scratch) != 0)
		return -1;
	if ((rec->flags & DR_FLAG_MULTIEXTENT) && S_ISREG(n->mode))
		w->multi = (uint32_t)(n - img->nodes);
	return 0;
}

static int
dir_walk(struct iso_image *img, uint32_t dir, struct dir_walk *w)
{
	const struct iso_extent *ext = &img->extents[img->nodes[dir].first_extent];
	uint32_t lba = (uint32_t)(ext->offset / ISO_SECTOR), size = (uint32_t)ext->length;
	uint32_t nsec = (size + ISO_SECTOR - 1) / ISO_SECTOR;
	unsigned char sec[ISO_SECTOR];

	if (img->nodes[dir].depth > ISO_MAX_DEPTH)
		return iso_fail(img, lba, "directories nest deeper than %d levels",
		    ISO_MAX_DEPTH);
	if (seen_dir(img, lba, lba) != 0)
		return -1;
	w->dir = dir;
	w->multi = NO_NODE;
	img->nodes[dir].first_child = img->n_nodes;
	for (uint32_t s = 0; s < nsec; s++) {
		/* Records never cross a sector; a zero length byte ends the
		 * sector's records (ECMA-119 6.8.1.1). */
		size_t pos = 0, lim = size - s * ISO_SECTOR;

		if (lim > ISO_SECTOR)
			lim = ISO_SECTOR;
		if (iso_read_at(img, sec, ISO_SECTOR, ((uint64_t)lba + s) * ISO_SECTOR) != 0)
			return -1;
		while (pos < lim && sec[pos] != 0) {
			struct record rec;

			if (record_parse(img, lba + s, sec + pos, lim - pos, &rec) != 0)
				return -1;
			if (!is_dot_record(&rec) && record_add(img, lba + s, w, &rec) != 0)
				return -1;
			pos += sec[pos];
		}
	}
	if (w->multi != NO_NODE)
		return iso_fail(img, lba, "multi-extent file \"%s\" ends without its "
		    "final part", img->names + img->nodes[w->multi].name_off);
	/* img->nodes may have moved while growing. */
	img->nodes[dir].n_children = img->n_nodes - img->nodes[dir].first_child;
	return 0;
}

/* Decide which tree and names to use; create the root node. */
static int
tree_root(struct iso_image *img, struct dir_walk *w)
{
	struct record self;
	struct iso_node *root;
	uint32_t lba = img->root_lba, size = img->root_size;

	if (dir_self(img, img->root_lba, w->scratch, &self) != 0)
		return -1;
	/* SUSP 5.3: SP at the start of the root's "." system-use field. */
	if (self.su_len >= SUSP_SP_LEN && self.su[0] == 'S' && self.su[1] == 'P') {
		if (iso_susp_parse(img, img->root_lba, self.su, self.su_len, w->rr) != 0)
			return -1;
		img->rock_ridge = 1;
		img->susp_skip = w->rr->sp_skip;
		img->vol.extensions |= ISO_EXT_ROCKRIDGE;
		img->vol.names = ISO_EXT_ROCKRIDGE;
	} else if (img->have_joliet) {
		img->joliet = 1;
		img->vol.names = ISO_EXT_JOLIET;
		lba = img->joliet_lba;
		size = img->joliet_size;
	}
	root = add_node(img, ISO_ROOT_ID);
	if (root == NULL || iso_index_add_name(img, "", 0, &root->name_off) != 0)
		return -1;
	root->mode = S_IFDIR | 0555;
	root->nlink = 2;
	root->mtime = self.mtime;
	if (img->rock_ridge && w->rr->has_px && S_ISDIR(w->rr->mode)) {
		root->mode = w->rr->mode;
		root->nlink = w->rr->nlink;
	}
	if (img->rock_ridge && w->rr->has_tf)
		root->mtime = w->rr->mtime;
	if (size == 0 || size > ISO_MAX_DIR_BYTES)
		return iso_fail(img, lba, "root directory size %u is invalid", size);
	return add_extent(img, (uint64_t)lba * ISO_SECTOR, size);
}

static int
tree_hash(struct iso_image *img)
{
	uint32_t cap = 16;

	while (cap < img->n_nodes * 2u)
		cap *= 2;
	img->hash = calloc(cap, sizeof(*img->hash));
	if (img->hash == NULL)
		return iso_fail(img, -1, "out of memory");
	img->hash_mask = cap - 1;
	for (uint32_t i = 1; i < img->n_nodes; i++)
		if (iso_index_hash_insert(img, i) != 0)
			return -1;
	return 0;
}

int
iso_tree_build(struct iso_image *img)
{
	struct dir_walk w;
	int rc = -1;

	w.rr = calloc(1, sizeof(*w.rr));
	w.name = malloc(ISO_MAX_NAME + 1);
	w.scratch = malloc(ISO_SECTOR);
	if (w.rr == NULL || w.name == NULL || w.scratch == NULL) {
		iso_fail(img, -1, "out of memory");
		goto out;
	}
	if (tree_root(img, &w) != 0)
		goto out;
	for (uint32_t i = 0; i < img->n_nodes; i++)
		if (S_ISDIR(img->nodes[i].mode) && dir_walk(img, i, &w) != 0)
			goto out;
	rc = tree_hash(img);
	free(img->seen_dirs);
	img->seen_dirs = NULL;
out:
	free(w.rr);
	free(w.name);
	free(w.scratch);
	return rc;
}
