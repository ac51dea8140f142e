/*
 * Opening paths of the tree, reading them, listing directories.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <dirent.h>

#include "common/util.h"
#include "vfs/vfs.h"

const char *
vfs_content_type(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ ".ipxe", "text/plain; charset=utf-8" },
		{ ".cfg", "text/plain; charset=utf-8" },
		{ ".conf", "text/plain; charset=utf-8" },
		{ ".txt", "text/plain; charset=utf-8" },
		{ ".sha512", "text/plain; charset=utf-8" },
		{ ".sha256", "text/plain; charset=utf-8" },
		{ ".html", "text/html; charset=utf-8" },
		{ ".json", "application/json" },
		{ ".iso", "application/x-iso9660-image" },
		/* UEFI HTTP Boot checks it (UEFI 2.x 24.7.2). */
		{ ".efi", "application/efi" },
	};
	size_t n = strlen(name);

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t e = strlen(types[i].ext);

		if (n >= e && strcasecmp(name + n - e, types[i].ext) == 0)
			return types[i].type;
	}
	return "application/octet-stream";
}

static void
file_init(struct vfs_file *f, struct vfs *v, enum vfs_kind kind)
{
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->fd = -1;
	f->vfs = v;
	vfs_ref(v);
}

/* FNV-1a: ETags of generated documents follow their content. */
static uint64_t
fnv64(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
	return h;
}

/* The file holds its own reference: the document lives while it is open. */
static int
open_mem(struct vfs *v, struct vfs_file *f, struct vfs_doc *doc, const char *type)
{
	file_init(f, v, VFS_MEM);
	doc->refs++;
	f->doc = doc;
	f->mem = doc->data;
	f->size = doc->len;
	f->mtime = v->built;
	f->type = type;
	/* Once per document, not per request: a memo hit costs no hashing. */
	if (!doc->hashed) {
		doc->hash = fnv64(doc->data, doc->len);
		doc->hashed = 1;
	}
	snprintf(f->etag, sizeof(f->etag), "\"g%016llx\"", (unsigned long long)doc->hash);
	return VFS_OK;
}

/* The value of query parameter name (n bytes in *len), or NULL. */
static const char *
query_param(const struct vfs_request *rq, const char *name, size_t *len)
{
	if (rq == NULL || rq->query == NULL)
		return NULL;
	return url_query_param(rq->query, rq->query_len, name, len);
}

/*
 * "?entry=ISONAME[:N]": that entry is the default and the menu waits only
 * a second (a reservation's fixed entry; a technician can still pick
 * another).  An unknown entry leaves the normal menu.  "?memsize=&dimm=
 * &dimmx=": the client's RAM, as the probe step reported it
 * (archiso_client_mib()).
 */
static void
menu_for(const struct vfs *v, const struct vfs_request *rq, struct archiso_menu *menu)
{
	const char *p;
	char spec[ARCHISO_MAX_NAME + 8];
	size_t len, iso, entry;
	int n;

	menu->boot.server = rq != NULL && rq->server_url != NULL ? rq->server_url :
	    "http://0.0.0.0";
	menu->boot.verify = v->verify;
	menu->boot.cow_spacesize = v->cow_spacesize;
	menu->boot.script = v->script != NULL;
	menu->timeout_s = v->menu_timeout;
	menu->default_iso = v->default_iso;
	menu->default_entry = v->default_entry;
	menu->dflt = v->default_local ? ARCHISO_DEFAULT_LOCAL : ARCHISO_DEFAULT_ENTRY;
	menu->client_mib = 0;
	menu->images = NULL;
	/* "?default=": what the DHCP server's client rules gave this machine. */
	if ((p = query_param(rq, "default", &len)) != NULL) {
		if (len == 5 && memcmp(p, "local", 5) == 0) {
			menu->dflt = ARCHISO_DEFAULT_LOCAL;
		} else if (len == 4 && memcmp(p, "done", 4) == 0) {
			menu->dflt = ARCHISO_DEFAULT_LOCAL;   /* boot once: quickly */
			menu->timeout_s = VFS_DONE_TIMEOUT_S;
		} else if (len == 4 && memcmp(p, "wait", 4) == 0) {
			menu->dflt = ARCHISO_DEFAULT_WAIT;
		}
	}
	/* iPXE sends "entry=NAME%3A0": the value is decoded first. */
	if (menu->dflt != ARCHISO_DEFAULT_WAIT && (p = query_param(rq, "entry", &len)) != NULL &&
	    (n = url_unescape(p, len, spec, sizeof(spec))) >= 0 &&
	    vfs_find_entry(v, spec, (size_t)n, &iso, &entry) == 0) {
		menu->default_iso = iso;
		menu->default_entry = entry;
		menu->dflt = ARCHISO_DEFAULT_ENTRY;
		menu->timeout_s = 1;
	}
	{
		size_t ml = 0, dl = 0, xl = 0;
		const char *m = query_param(rq, "memsize", &ml);
		const char *d = query_param(rq, "dimm", &dl);
		const char *x = query_param(rq, "dimmx", &xl);

		menu->client_mib = archiso_client_mib(m, ml, d, dl, x, xl);
	}
}

/* A document made now and kept in no memo (the probe step). */
static int
open_made(struct vfs *v, struct vfs_file *f, struct buf *out)
{
	struct vfs_doc *doc = buf_failed(out) ? NULL : vfs_doc_new(out->data, out->len);
	int rc;

	buf_free(out);
	if (doc == NULL)
		return VFS_EIO;
	rc = open_mem(v, f, doc, "text/plain; charset=utf-8");
	vfs_doc_unref(doc);
	return rc;
}

static int
open_boot_ipxe(struct vfs *v, const struct vfs_request *rq, struct vfs_file *f)
{
	const struct archiso *list[VFS_MAX_ISOS];
	const char *images[VFS_MAX_ISOS];
	struct vfs_menu_cache *m;
	struct vfs_doc *doc;
	struct archiso_menu menu;
	struct buf out;
	char key[128];
	size_t n = 0, len;

	menu_for(v, rq, &menu);
	buf_init(&out);
	/* First the client says how much RAM it has (one more request). */
	if (query_param(rq, "memsize", &len) == NULL) {
		archiso_ipxe_probe(menu.boot.server, rq != NULL ? rq->query : NULL,
		    rq != NULL && rq->query != NULL ? rq->query_len : 0, &out);
		return open_made(v, f, &out);
	}
	snprintf(key, sizeof(key), "%s %u %zu %zu %u %d", menu.boot.server, menu.timeout_s,
	    menu.default_iso, menu.default_entry, menu.client_mib, (int)menu.dflt);
	for (size_t i = 0; i < VFS_MENU_CACHE; i++)
		if (v->menus[i].doc != NULL && strcmp(v->menus[i].key, key) == 0)
			return open_mem(v, f, v->menus[i].doc, "text/plain; charset=utf-8");
	for (size_t i = 0; i < v->n_isos && n < sizeof(list) / sizeof(list[0]); i++) {
		images[n] = v->isos[i].payload[0] != '\0' ? v->isos[i].payload : NULL;
		list[n++] = v->isos[i].arch;
	}
	menu.images = images;
	archiso_ipxe(list, n, &menu, &out, NULL, NULL);
	doc = buf_failed(&out) ? NULL : vfs_doc_new(out.data, out.len);
	buf_free(&out);
	if (doc == NULL)
		return VFS_EIO;
	/* Round-robin replacement: the memo drops its reference; files
	 * still open on the old document keep theirs. */
	m = &v->menus[v->next_menu];
	v->next_menu = (v->next_menu + 1) % VFS_MENU_CACHE;
	vfs_doc_unref(m->doc);
	snprintf(m->key, sizeof(m->key), "%s", key);
	m->doc = doc;
	return open_mem(v, f, doc, "text/plain; charset=utf-8");
}

static int
open_script(struct vfs *v, struct vfs_file *f)
{
	if (v->script == NULL)
		return VFS_NOKEYS;
	return open_mem(v, f, v->script, "text/x-shellscript; charset=utf-8");
}

static int
open_in_iso(struct vfs *v, const struct vfs_iso *vi, const char *rest, struct vfs_file *f)
{
	struct iso_stat st;
	uint32_t id;

	if (iso_lookup(vi->img, rest, strlen(rest), ISO_FOLLOW, &id) != ISO_OK)
		return VFS_ENOENT;
	iso_stat(vi->img, id, &st);
	if (S_ISDIR(st.mode)) {
		file_init(f, v, VFS_DIR);
		f->dir = VFS_DIR_IN_ISO;
	} else if (S_ISREG(st.mode)) {
		file_init(f, v, VFS_ISO);
		f->fd = iso_fd(vi->img);
		f->n_ext = iso_extents(vi->img, id, &f->ext);
		f->size = st.size;
		f->type = vfs_content_type(st.name);
		/* Offset in the image + size + image mtime: changes when the
		 * file or the ISO does. */
		snprintf(f->etag, sizeof(f->etag), "\"i%llx-%llx-%llx\"",
		    (unsigned long long)vi->file_mtime,
		    (unsigned long long)(f->n_ext ? f->ext[0].offset : 0),
		    (unsigned long long)st.size);
	} else {
		return VFS_EACCES;
	}
	f->mtime = st.mtime;
	f->iso = vi;
	f->iso_id = id;
	return VFS_OK;
}

/*
 * openat() below the files directory that never resolves outside it:
 * openat2(RESOLVE_BENEATH) where the kernel has it (5.6+), else a plain
 * openat() of a path vfs_path_clean() already freed of "..".
 */
static int
open_beneath(int dirfd, const char *rel, int flags)
{
#ifdef SYS_openat2
	struct {
		uint64_t flags, mode, resolve;
	} how = { (uint64_t)(flags | O_CLOEXEC), 0, 0x08 /* RESOLVE_BENEATH */ };
	long fd = syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));

	if (fd >= 0 || errno != ENOSYS)
		return (int)fd;
#endif
	return openat(dirfd, rel, flags | O_CLOEXEC);
}

/* rel (no leading '/'; "" for the directory itself) below dirfd: the
 * files directory or a share. */
static int
open_disk(struct vfs *v, int dirfd, const char *rel, struct vfs_file *f)
{
	struct stat st;
	int fd;

	if (dirfd < 0)
		return VFS_ENOENT;
	fd = rel[0] ? open_beneath(dirfd, rel, O_RDONLY | O_NONBLOCK) :
	    openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? VFS_ENOENT : VFS_EACCES;
	if (fstat(fd, &st) != 0 || (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))) {
		close(fd);
		return VFS_EACCES;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		file_init(f, v, VFS_DIR);
		f->dir = VFS_DIR_DISK;
		f->dir_fd = dirfd;
		snprintf(f->rel, sizeof(f->rel), "%s", rel);
		f->mtime = st.st_mtime;
		return VFS_OK;
	}
	file_init(f, v, VFS_DISK);
	f->fd = fd;
	f->size = (uint64_t)st.st_size;
	f->mtime = st.st_mtime;
	f->type = vfs_content_type(rel);
	snprintf(f->etag, sizeof(f->etag), "\"d%llx-%llx-%llx\"", (unsigned long long)st.st_ino,
	    (unsigned long long)st.st_mtime, (unsigned long long)st.st_size);
	return VFS_OK;
}

int
vfs_open(struct vfs *v, const char *path, const struct vfs_request *rq, struct vfs_file *f)
{
	if (strcmp(path, "/boot.ipxe") == 0)
		return open_boot_ipxe(v, rq, f);
	if (strcmp(path, "/script.cfg") == 0)
		return open_script(v, f);
	if (strcmp(path, "/iso") == 0 || strcmp(path, "/iso/") == 0) {
		file_init(f, v, VFS_DIR);
		f->dir = VFS_DIR_ISOS;
		f->mtime = v->built;
		return VFS_OK;
	}
	if (strncmp(path, "/iso/", 5) == 0) {
		const char *name = path + 5, *slash = strchr(name, '/');
		size_t n = slash ? (size_t)(slash - name) : strlen(name);

		for (size_t i = 0; i < v->n_isos; i++)
			if (strlen(v->isos[i].name) == n && strncmp(v->isos[i].name, name, n) == 0)
				return open_in_iso(v, &v->isos[i], slash ? slash : "/", f);
		return VFS_ENOENT;
	}
	if (path[1] == '\0') {
		file_init(f, v, VFS_DIR);
		f->dir = VFS_DIR_ROOT;
		f->mtime = v->built;
		return VFS_OK;
	}
	/* A share's name is its first segment: /repo/, /archinstall/, ... */
	for (size_t i = 0; i < v->n_shares; i++) {
		size_t n = strlen(v->shares[i].name);

		if (strncmp(path + 1, v->shares[i].name, n) == 0 &&
		    (path[1 + n] == '/' || path[1 + n] == '\0'))
			return open_disk(v, v->shares[i].fd, path[1 + n] ? path + 2 + n : "", f);
	}
	return open_disk(v, v->files_fd, path + 1, f);
}

void
vfs_close(struct vfs_file *f)
{
	if (f->vfs == NULL)
		return;
	if (f->kind == VFS_DISK && f->fd >= 0)
		close(f->fd);
	vfs_doc_unref(f->doc);
	vfs_unref(f->vfs);
	f->vfs = NULL;
	f->doc = NULL;
	f->mem = NULL;
}

int
vfs_segment(const struct vfs_file *f, uint64_t off, int *fd, uint64_t *fd_off, uint64_t *len)
{
	if (off >= f->size)
		return -1;
	if (f->kind == VFS_DISK) {
		*fd = f->fd;
		*fd_off = off;
		*len = f->size - off;
		return 0;
	}
	if (f->kind != VFS_ISO)
		return -1;
	for (size_t i = 0; i < f->n_ext; i++) {
		if (off < f->ext[i].length) {
			*fd = f->fd;
			*fd_off = f->ext[i].offset + off;
			*len = f->ext[i].length - off;
			return 0;
		}
		off -= f->ext[i].length;
	}
	return -1;
}

ssize_t
vfs_pread(const struct vfs_file *f, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	if (f->kind == VFS_MEM) {
		if (off >= f->size)
			return 0;
		if (len > f->size - off)
			len = (size_t)(f->size - off);
		memcpy(buf, f->mem + off, len);
		return (ssize_t)len;
	}
	while (done < len && off < f->size) {
		uint64_t fd_off, seg;
		int fd;
		ssize_t n;

		if (vfs_segment(f, off, &fd, &fd_off, &seg) != 0)
			break;
		if (seg > len - done)
			seg = len - done;
		n = pread(fd, (char *)buf + done, (size_t)seg, (off_t)fd_off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return done ? (ssize_t)done : -1;
		if (n == 0)
			break;
		done += (size_t)n;
		off += (uint64_t)n;
	}
	return (ssize_t)done;
}

static void
list_iso_dir(const struct vfs_file *d, vfs_list_fn *cb, void *ctx)
{
	uint32_t first, n = iso_children(d->iso->img, d->iso_id, &first);

	for (uint32_t i = 0; i < n; i++) {
		struct iso_stat st;

		iso_stat(d->iso->img, first + i, &st);
		if (S_ISDIR(st.mode) || S_ISREG(st.mode) || S_ISLNK(st.mode))
			cb(ctx, st.name, S_ISDIR(st.mode), S_ISREG(st.mode) ? st.size : 0, st.mtime);
	}
}

static void
list_disk_dir(const struct vfs_file *d, const char *rel, vfs_list_fn *cb, void *ctx)
{
	int fd = rel[0] ? open_beneath(d->dir_fd, rel, O_RDONLY | O_DIRECTORY) :
	    openat(d->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *dir;

	if (fd < 0 || (dir = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		struct stat st;

		if (de->d_name[0] == '.' ||
		    fstatat(dirfd(dir), de->d_name, &st, 0) != 0 ||
		    (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)))
			continue;
		cb(ctx, de->d_name, S_ISDIR(st.st_mode), (uint64_t)st.st_size, st.st_mtime);
	}
	closedir(dir);
}

void
vfs_list(const struct vfs_file *d, vfs_list_fn *cb, void *ctx)
{
	const struct vfs *v = d->vfs;

	switch (d->dir) {
	case VFS_DIR_ROOT:
		cb(ctx, "iso", 1, 0, v->built);
		cb(ctx, "boot.ipxe", 0, 0, v->built);
		if (v->script != NULL)
			cb(ctx, "script.cfg", 0, v->script->len, v->built);
		for (size_t i = 0; i < v->n_shares; i++)
			cb(ctx, v->shares[i].name, 1, 0, v->built);
		if (v->files_fd >= 0) {
			struct vfs_file files = *d;

			files.dir_fd = v->files_fd;
			list_disk_dir(&files, "", cb, ctx);
		}
		break;
	case VFS_DIR_ISOS:
		for (size_t i = 0; i < v->n_isos; i++)
			cb(ctx, v->isos[i].name, 1, 0, v->isos[i].file_mtime);
		break;
	case VFS_DIR_IN_ISO:
		list_iso_dir(d, cb, ctx);
		break;
	case VFS_DIR_DISK:
		list_disk_dir(d, d->rel, cb, ctx);
		break;
	}
}
