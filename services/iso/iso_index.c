/*
 * The in-memory index: name pool, (parent, name) hash table, path lookup
 * with bounded symlink resolution, stat, paths and reads.  Nothing here
 * allocates after iso_open(); lookups are O(1) per component.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/limits.h"
#include "iso/iso_internal.h"

int
iso_index_add_name(struct iso_image *img, const char *s, size_t len, uint32_t *off)
{
	if (len + 1 > ISO_MAX_NAME_POOL - img->names_len)
		return iso_fail(img, -1, "names exceed %u bytes: refusing to index further",
		    ISO_MAX_NAME_POOL);
	if (img->names_len + len + 1 > img->names_cap) {
		uint32_t ncap = img->names_cap ? img->names_cap : 4096;
		char *p;

		while (ncap < img->names_len + len + 1)
			ncap = ncap > ISO_MAX_NAME_POOL / 2 ? ISO_MAX_NAME_POOL : ncap * 2;
		p = realloc(img->names, ncap);
		if (p == NULL)
			return iso_fail(img, -1, "out of memory for names");
		img->names = p;
		img->names_cap = ncap;
	}
	memcpy(img->names + img->names_len, s, len);
	img->names[img->names_len + len] = '\0';
	*off = img->names_len;
	img->names_len += (uint32_t)len + 1;
	return 0;
}

static unsigned char
fold(const struct iso_image *img, unsigned char c)
{
	/* Plain ISO 9660 names are upper case by rule: match them ignoring
	 * ASCII case.  Rock Ridge and Joliet names are exact. */
	if (!img->rock_ridge && !img->joliet && c >= 'a' && c <= 'z')
		return (unsigned char)(c - 'a' + 'A');
	return c;
}

uint32_t
iso_name_hash(const struct iso_image *img, uint32_t parent, const char *s, size_t len)
{
	uint32_t h = 2166136261u ^ (parent * 2654435761u);

	for (size_t i = 0; i < len; i++)
		h = (h ^ fold(img, (unsigned char)s[i])) * 16777619u;
	return h ^ (h >> 15);
}

static int
name_equal(const struct iso_image *img, const struct iso_node *n, const char *s,
    size_t len)
{
	const char *name = img->names + n->name_off;

	if (n->name_len != len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (fold(img, (unsigned char)name[i]) != fold(img, (unsigned char)s[i]))
			return 0;
	return 1;
}

int
iso_index_hash_insert(struct iso_image *img, uint32_t id)
{
	const struct iso_node *n = &img->nodes[id];
	uint32_t i = iso_name_hash(img, n->parent, img->names + n->name_off, n->name_len);

	for (i &= img->hash_mask; img->hash[i] != 0; i = (i + 1) & img->hash_mask)
		;
	img->hash[i] = id + 1;
	return 0;
}

int
iso_lookup_child(const struct iso_image *img, uint32_t dir, const char *name,
    size_t len, uint32_t *id)
{
	uint32_t i = iso_name_hash(img, dir, name, len) & img->hash_mask;

	/* Duplicate names (several versions "A;1", "A;2"): the first wins,
	 * since the table was filled in node order. */
	for (; img->hash[i] != 0; i = (i + 1) & img->hash_mask) {
		const struct iso_node *n = &img->nodes[img->hash[i] - 1];

		if (n->parent == dir && img->hash[i] - 1 != ISO_ROOT_ID &&
		    name_equal(img, n, name, len)) {
			*id = img->hash[i] - 1;
			return ISO_OK;
		}
	}
	return ISO_ENOENT;
}

int
iso_lookup(const struct iso_image *img, const char *path, size_t len, unsigned flags,
    uint32_t *id)
{
	/* The path still to walk; symlink targets are spliced in front. */
	char rest[ISO_MAX_PATH + 1], tmp[ISO_MAX_PATH + 1];
	size_t rlen = len, pos = 0;
	uint32_t cur = ISO_ROOT_ID;
	int hops = 0;

	if (len > ISO_MAX_PATH)
		return ISO_ENAMETOOLONG;
	memcpy(rest, path, len);
	rest[len] = '\0';
	while (pos < rlen) {
		size_t start, clen;
		uint32_t next;
		const struct iso_node *n;
		int last, rc;

		while (pos < rlen && rest[pos] == '/')
			pos++;
		if (pos == rlen)
			break;
		start = pos;
		while (pos < rlen && rest[pos] != '/')
			pos++;
		clen = pos - start;
		while (pos < rlen && rest[pos] == '/')
			pos++;
		last = pos == rlen;
		if (!S_ISDIR(img->nodes[cur].mode))
			return ISO_ENOTDIR;
		if (clen == 1 && rest[start] == '.')
			continue;
		if (clen == 2 && rest[start] == '.' && rest[start + 1] == '.') {
			cur = img->nodes[cur].parent;
			continue;
		}
		rc = iso_lookup_child(img, cur, rest + start, clen, &next);
		if (rc != ISO_OK)
			return rc;
		n = &img->nodes[next];
		if (S_ISLNK(n->mode) && (!last || (flags & ISO_FOLLOW))) {
			const char *target = img->names + n->link_off;
			size_t tlen = strlen(target);

			if (++hops > ISO_MAX_SYMLINK_HOPS)
				return ISO_ELOOP;
			if (tlen + 1 + (rlen - pos) > ISO_MAX_PATH)
				return ISO_ENAMETOOLONG;
			memcpy(tmp, target, tlen);
			tmp[tlen] = '/';
			memcpy(tmp + tlen + 1, rest + pos, rlen - pos);
			rlen = tlen + 1 + (rlen - pos);
			memcpy(rest, tmp, rlen);
			rest[rlen] = '\0';
			pos = 0;
			if (tlen > 0 && target[0] == '/')
				cur = ISO_ROOT_ID;
			/* else relative to the directory holding the link: cur */
			continue;
		}
		cur = next;
	}
	*id = cur;
	return ISO_OK;
}

void
iso_stat(const struct iso_image *img, uint32_t id, struct iso_stat *st)
{
	const struct iso_node *n = &img->nodes[id];

	st->id = id;
	st->mode = n->mode;
	st->nlink = n->nlink;
	st->size = n->size;
	st->mtime = n->mtime;
	st->name = img->names + n->name_off;
	st->link = n->link_off == ISO_NO_LINK ? NULL : img->names + n->link_off;
}

uint32_t
iso_parent(const struct iso_image *img, uint32_t id)
{
	return img->nodes[id].parent;
}

uint32_t
iso_children(const struct iso_image *img, uint32_t dir, uint32_t *first)
{
	const struct iso_node *n = &img->nodes[dir];

	*first = n->first_child;
	return S_ISDIR(n->mode) ? n->n_children : 0;
}

size_t
iso_extents(const struct iso_image *img, uint32_t id, const struct iso_extent **ext)
{
	const struct iso_node *n = &img->nodes[id];

	*ext = &img->extents[n->first_extent];
	return S_ISREG(n->mode) ? n->n_extents : 0;
}

size_t
iso_path(const struct iso_image *img, uint32_t id, char *buf, size_t size)
{
	size_t need = 0, pos;
	uint32_t i;

	if (id == ISO_ROOT_ID) {
		if (size > 1)
			memcpy(buf, "/", 2);
		return 1;
	}
	/* Parent ids are smaller than their children's: this ends. */
	for (i = id; i != ISO_ROOT_ID; i = img->nodes[i].parent)
		need += 1u + img->nodes[i].name_len;
	if (need >= size)
		return need;
	pos = need;
	buf[pos] = '\0';
	for (i = id; i != ISO_ROOT_ID; i = img->nodes[i].parent) {
		const struct iso_node *n = &img->nodes[i];

		pos -= n->name_len;
		memcpy(buf + pos, img->names + n->name_off, n->name_len);
		buf[--pos] = '/';
	}
	return need;
}

ssize_t
iso_pread(const struct iso_image *img, uint32_t id, void *buf, size_t len, uint64_t off)
{
	const struct iso_extent *ext;
	size_t n = iso_extents(img, id, &ext), done = 0;
	char *p = buf;

	for (size_t i = 0; i < n && done < len; i++) {
		uint64_t take;

		if (off >= ext[i].length) {
			off -= ext[i].length;
			continue;
		}
		take = ext[i].length - off;
		if (take > len - done)
			take = len - done;
		if (img->src.read(img->src.ctx, p + done, (size_t)take, ext[i].offset + off) != 0)
			return -1;
		done += (size_t)take;
		off = 0;
	}
	return (ssize_t)done;
}

const char *
iso_strerror(int code)
{
	switch (code) {
	case ISO_OK: return "success";
	case ISO_ENOENT: return "no such file or directory in the image";
	case ISO_ENOTDIR: return "a path component is not a directory";
	case ISO_ELOOP: return "too many levels of symbolic links";
	case ISO_ENAMETOOLONG: return "path too long";
	default: return "unknown error";
	}
}
