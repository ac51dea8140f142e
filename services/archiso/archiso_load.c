/*
 * Reading an ISO's boot entries: loader/entries/NAME.conf in sort-key/name
 * order, else its syslinux configs; the ISO's NAME, date and signatures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "archiso/archiso.h"

/* Read a small file of the ISO into buf (NUL-terminated).  0 or -1. */
static int
read_config(const struct iso_image *img, uint32_t id, char *buf, size_t size,
    size_t *len)
{
	struct iso_stat st;
	ssize_t n;

	iso_stat(img, id, &st);
	if (!S_ISREG(st.mode) || st.size >= size)
		return -1;
	n = iso_pread(img, id, buf, (size_t)st.size, 0);
	if (n < 0 || (uint64_t)n != st.size)
		return -1;
	buf[n] = '\0';
	*len = (size_t)n;
	return 0;
}

static void
notef(archiso_note_fn *note, void *ctx, const char *fmt, const char *a, const char *b)
{
	char msg[512];

	if (note == NULL)
		return;
	snprintf(msg, sizeof(msg), fmt, a, b);
	note(ctx, msg);
}

void
archiso_name(const char *filename, char *out, size_t outsize)
{
	const char *base = strrchr(filename, '/');
	size_t len, o = 0;

	base = base ? base + 1 : filename;
	len = strlen(base);
	if (len >= 4 && strcmp(base + len - 4, ".iso") == 0)
		len -= 4;
	for (size_t i = 0; i < len && o + 1 < outsize; i++) {
		char c = base[i];
		int safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';

		/* A leading '.' or '-' would read as a hidden file or an option. */
		if (o == 0 && (c == '.' || c == '-'))
			safe = 0;
		out[o++] = safe ? c : '_';
	}
	if (o == 0 && outsize > 3) {
		memcpy(out, "iso", 3);
		o = 3;
	}
	out[o] = '\0';
}

static int
by_name(const void *a, const void *b, void *img)
{
	struct iso_stat sa, sb;

	iso_stat(img, *(const uint32_t *)a, &sa);
	iso_stat(img, *(const uint32_t *)b, &sb);
	return strcmp(sa.name, sb.name);
}

/* systemd-boot order: entries with a sort-key first (by key), then the
 * rest, each group in file-name order (the order we read them in). */
static void
sort_entries(struct archiso *a)
{
	for (size_t i = 1; i < a->n_entries; i++) {
		struct archiso_entry tmp = a->entries[i];
		size_t j = i;

		while (j > 0) {
			const struct archiso_entry *p = &a->entries[j - 1];
			int before;

			if (tmp.sort_key[0] && !p->sort_key[0])
				before = 1;
			else if (tmp.sort_key[0] && p->sort_key[0])
				before = strcmp(tmp.sort_key, p->sort_key) < 0;
			else
				before = 0;
			if (!before)
				break;
			a->entries[j] = a->entries[j - 1];
			j--;
		}
		a->entries[j] = tmp;
	}
}

static void
load_bls(struct archiso *a, char *text, archiso_note_fn *note, void *ctx)
{
	uint32_t dir, first, n, ids[ARCHISO_MAX_ENTRY_FILES], nids = 0;
	const struct iso_image *img = a->img;

	if (iso_lookup(img, "/loader/entries", 15, ISO_FOLLOW, &dir) != ISO_OK)
		return;
	n = iso_children(img, dir, &first);
	for (uint32_t i = 0; i < n; i++) {
		struct iso_stat st;
		size_t len;

		iso_stat(img, first + i, &st);
		len = strlen(st.name);
		if (len < 6 || strcmp(st.name + len - 5, ".conf") != 0)
			continue;
		if (nids == ARCHISO_MAX_ENTRY_FILES) {
			notef(note, ctx, "%s: more than %s entry files: the rest are "
			    "ignored", a->name, "64");
			break;
		}
		ids[nids++] = first + i;
	}
	/* glibc and musl both have qsort_r with this argument order. */
	qsort_r(ids, nids, sizeof(ids[0]), by_name, (void *)img);
	for (uint32_t i = 0; i < nids && a->n_entries < ARCHISO_MAX_ENTRIES; i++) {
		char source[128], err[256];
		struct iso_stat st;
		size_t len;
		int rc;

		iso_stat(img, ids[i], &st);
		snprintf(source, sizeof(source), "loader/entries/%s", st.name);
		if (read_config(img, ids[i], text, ARCHISO_MAX_CONFIG, &len) != 0) {
			notef(note, ctx, "%s: %s is unreadable or too large: skipped",
			    a->name, source);
			continue;
		}
		rc = archiso_entry_parse(text, len, source, &a->entries[a->n_entries],
		    err, sizeof(err));
		if (rc == 1)
			a->n_entries++;
		else
			notef(note, ctx, "%s: %s", a->name, err);
	}
}

/* Do two entries netboot the same way (kernel, initrds, HTTP options)? */
static int
same_boot(const struct archiso *a, const struct archiso_entry *x,
    const struct archiso_entry *y, char *cx, char *cy)
{
	if (strcmp(x->kernel, y->kernel) != 0 || x->n_initrd != y->n_initrd)
		return 0;
	for (size_t k = 0; k < x->n_initrd; k++)
		if (strcmp(x->initrd[k], y->initrd[k]) != 0)
			return 0;
	static const struct archiso_boot any = { "http://s", ARCHISO_VERIFY_CHECKSUM, "", 1, NULL };

	if (archiso_cmdline(a, x, &any, cx, ARCHISO_MAX_CMDLINE, NULL, NULL) != 0 ||
	    archiso_cmdline(a, y, &any, cy, ARCHISO_MAX_CMDLINE, NULL, NULL) != 0)
		return 0;
	return strcmp(cx, cy) == 0;
}

/* The PXE configs repeat the BIOS entries for NBD, NFS and HTTP, and a
 * "Copy to RAM" entry boots as the plain one does over HTTP: once is
 * enough, the first title wins. */
static void
dedupe(struct archiso *a)
{
	char *cx = malloc(ARCHISO_MAX_CMDLINE), *cy = malloc(ARCHISO_MAX_CMDLINE);

	for (size_t i = 0; cx && cy && i < a->n_entries; i++) {
		for (size_t j = i + 1; j < a->n_entries;) {
			struct archiso_entry *y = &a->entries[j];

			if (!same_boot(a, &a->entries[i], y, cx, cy)) {
				j++;
				continue;
			}
			memmove(y, y + 1, (a->n_entries - j - 1) * sizeof(*y));
			a->n_entries--;
		}
	}
	free(cx);
	free(cy);
}

static int
exists(const struct iso_image *img, const char *path)
{
	uint32_t id;

	return iso_lookup(img, path, strlen(path), ISO_FOLLOW, &id) == ISO_OK;
}

/*
 * base + "/" + rel with "." and ".." segments resolved (never above the
 * root), into out.  0, or -1 when it does not fit.
 */
static int
path_join(const char *base, const char *rel, char *out, size_t size)
{
	char tmp[2 * ARCHISO_MAX_PATH + 2];
	size_t o = 0;
	char *seg, *save = NULL;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/%s", rel[0] == '/' ? "" : base, rel) >=
	    sizeof(tmp) || size < 2)
		return -1;
	out[0] = '\0';
	for (seg = strtok_r(tmp, "/", &save); seg != NULL; seg = strtok_r(NULL, "/", &save)) {
		size_t n = strlen(seg);

		if (strcmp(seg, ".") == 0)
			continue;
		if (strcmp(seg, "..") == 0) {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			out[o] = '\0';
			continue;
		}
		if (o + 1 + n + 1 > size)
			return -1;
		out[o++] = '/';
		memcpy(out + o, seg, n + 1);
		o += n;
	}
	if (o == 0)
		snprintf(out, size, "/");
	return 0;
}

/*
 * syslinux' working directory for configs in dir: a "CONFIG file [dir]"
 * (or CONFIG followed by "APPEND dir") in dir's syslinux.cfg or
 * isolinux.cfg moves it (archiso before v50: "CONFIG archiso.cfg",
 * "APPEND ../../" -> /arch/); otherwise it is dir itself.
 */
static void
syslinux_cwd(const struct iso_image *img, const char *dir, char *text, char *cwd, size_t size)
{
	static const char *names[] = { "syslinux.cfg", "isolinux.cfg" };

	snprintf(cwd, size, "%s", dir);
	for (size_t i = 0; i < 2; i++) {
		char path[ARCHISO_MAX_PATH], *p, *q;
		size_t len;
		uint32_t id;
		int after_config = 0;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (iso_lookup(img, path, strlen(path), ISO_FOLLOW, &id) != ISO_OK ||
		    read_config(img, id, text, ARCHISO_MAX_CONFIG, &len) != 0)
			continue;
		for (p = strtok_r(text, "\n", &q); p != NULL; p = strtok_r(NULL, "\n", &q)) {
			char kw[16], a1[ARCHISO_MAX_PATH], a2[ARCHISO_MAX_PATH];
			int n = sscanf(p, " %15s %255s %255s", kw, a1, a2);

			if (n >= 2 && strcasecmp(kw, "config") == 0) {
				after_config = 1;
				if (n == 3 && path_join(dir, a2, cwd, size) == 0)
					return;
			} else if (n >= 2 && after_config && strcasecmp(kw, "append") == 0) {
				if (path_join(dir, a1, cwd, size) == 0)
					return;
			} else if (n >= 1) {
				after_config = 0;
			}
		}
	}
}

/* A relative path of a syslinux entry: relative to the working
 * directory, as syslinux reads it; else to the config's directory or the
 * root, wherever the file is. */
static void
resolve(const struct iso_image *img, const char *cwd, const char *dir, char *path)
{
	const char *bases[] = { cwd, dir, "/" };
	char out[ARCHISO_MAX_PATH];

	if (path[0] == '/' || path[0] == '\0')
		return;
	for (size_t i = 0; i < 3; i++)
		if (path_join(bases[i], path, out, sizeof(out)) == 0 &&
		    (exists(img, out) || i == 2)) {
			memcpy(path, out, strlen(out) + 1);
			return;
		}
}

/* Entries from archiso_sys*.cfg, then archiso_pxe*.cfg, with their
 * relative paths resolved. */
static void
load_syslinux(struct archiso *a, char *text, archiso_note_fn *note, void *ctx)
{
	static const char *dirs[] = { "/boot/syslinux", "/syslinux", "/arch/boot/syslinux",
	    "/isolinux" };
	static const char *prefixes[] = { "archiso_sys", "archiso_pxe" };
	const struct iso_image *img = a->img;

	for (size_t p = 0; p < 2; p++) {
		for (size_t d = 0; d < 4; d++) {
			uint32_t dir, first, n;
			char cwd[ARCHISO_MAX_PATH];

			if (iso_lookup(img, dirs[d], strlen(dirs[d]), ISO_FOLLOW, &dir) != ISO_OK)
				continue;
			syslinux_cwd(img, dirs[d], text, cwd, sizeof(cwd));
			n = iso_children(img, dir, &first);
			for (uint32_t i = 0; i < n; i++) {
				size_t before = a->n_entries, len;
				struct iso_stat st;
				char source[128];

				iso_stat(img, first + i, &st);
				len = strlen(st.name);
				if (strncmp(st.name, prefixes[p], strlen(prefixes[p])) != 0 ||
				    len < 5 || strcmp(st.name + len - 4, ".cfg") != 0)
					continue;
				if (read_config(img, first + i, text, ARCHISO_MAX_CONFIG, &len) != 0)
					continue;
				snprintf(source, sizeof(source), "%s/%s", dirs[d] + 1, st.name);
				archiso_syslinux_parse(text, len, source, a->entries,
				    &a->n_entries, ARCHISO_MAX_ENTRIES, note, ctx);
				for (size_t k = before; k < a->n_entries; k++) {
					struct archiso_entry *e = &a->entries[k];

					resolve(img, cwd, dirs[d], e->kernel);
					for (size_t r = 0; r < e->n_initrd; r++)
						resolve(img, cwd, dirs[d], e->initrd[r]);
				}
			}
		}
	}
}

/* archisobasedir= of the first entry that names it, else "arch". */
static void
find_basedir(struct archiso *a)
{
	snprintf(a->basedir, sizeof(a->basedir), "arch");
	for (size_t i = 0; i < a->n_entries; i++) {
		const char *o = a->entries[i].options, *p = o;

		while ((p = strstr(p, "archisobasedir=")) != NULL) {
			size_t n = 0;

			if (p != o && p[-1] != ' ') {
				p++;
				continue;
			}
			p += strlen("archisobasedir=");
			while (p[n] && p[n] != ' ' && n + 1 < sizeof(a->basedir)) {
				char c = p[n];

				if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
					return; /* keep the default over a strange one */
				n++;
			}
			if (n > 0 && !(n == 2 && p[0] == '.' && p[1] == '.')) {
				memcpy(a->basedir, p, n);
				a->basedir[n] = '\0';
			}
			return;
		}
	}
}

static void
find_date(struct archiso *a)
{
	const struct iso_volume *v = iso_volume(a->img);
	const struct iso_date *d = v->modified.valid ? &v->modified : &v->created;

	a->date[0] = '\0';
	if (d->valid)
		snprintf(a->date, sizeof(a->date), "%.4s-%.2s-%.2s", d->raw, d->raw + 4,
		    d->raw + 6);
}

/* Words in a title's parentheses that describe how the ISO's own loaders
 * boot, not how this entry boots over HTTP. */
static int
loader_word(const char *w, size_t n)
{
	static const char *const words[] = { "BIOS", "UEFI", "NBD", "NFS", "HTTP", "PXE" };

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == n && memcmp(w, words[i], n) == 0)
			return 1;
	return 0;
}

/* "Arch Linux install medium (x86_64, BIOS) with speech" ->
 * "Arch Linux install medium (x86_64) with speech"; "(HTTP)" goes whole. */
static void
http_title(char *t)
{
	char out[ARCHISO_MAX_TITLE];
	size_t o = 0, i = 0, n = strlen(t);

	while (i < n && o + 1 < sizeof(out)) {
		const char *close = t[i] == '(' ? strchr(t + i, ')') : NULL;
		size_t start = o, kept = 0;

		if (close == NULL) {
			out[o++] = t[i++];
			continue;
		}
		out[o++] = '(';
		for (const char *w = t + i + 1; w < close;) {
			const char *end = memchr(w, ',', (size_t)(close - w));
			size_t len;

			end = end != NULL ? end : close;
			while (w < end && *w == ' ')
				w++;
			len = (size_t)(end - w);
			if (!loader_word(w, len) && len > 0 && o + len + 3 < sizeof(out)) {
				if (kept++ > 0) {
					out[o++] = ',';
					out[o++] = ' ';
				}
				memcpy(out + o, w, len);
				o += len;
			}
			w = end < close ? end + 1 : close;
		}
		if (kept == 0) {            /* "(HTTP)": the group goes, and its blank */
			o = start;
			while (o > 0 && out[o - 1] == ' ')
				o--;
		} else {
			out[o++] = ')';
		}
		i = (size_t)(close - t) + 1;
	}
	out[o] = '\0';
	memcpy(t, out, o + 1);
}

static uint64_t
file_size(const struct iso_image *img, const char *path)
{
	struct iso_stat st;
	uint32_t id;

	if (iso_lookup(img, path, strlen(path), ISO_FOLLOW, &id) != ISO_OK)
		return 0;
	iso_stat(img, id, &st);
	return st.size;
}

/* The root image (squashfs, else erofs, as the hooks probe), its
 * checksum and signature. */
static void
find_rootfs(struct archiso *a)
{
	static const char *const images[] = { "airootfs.sfs", "airootfs.erofs" };
	char path[128];

	snprintf(a->rootfs, sizeof(a->rootfs), "%s", images[0]);
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "/%s/x86_64/%s", a->basedir, images[i]);
		if (exists(a->img, path)) {
			snprintf(a->rootfs, sizeof(a->rootfs), "%s", images[i]);
			a->rootfs_size = file_size(a->img, path);
			break;
		}
	}
	snprintf(path, sizeof(path), "/%s/x86_64/airootfs.sha512", a->basedir);
	a->has_sha512 = exists(a->img, path);
	snprintf(path, sizeof(path), "/%s/x86_64/%s.cms.sig", a->basedir, a->rootfs);
	a->has_cms_sig = exists(a->img, path);
}

/* Memtest86+: /boot/memtest86+/ from archiso v70, /arch/boot/ before. */
static void
find_memtest(struct archiso *a)
{
	static const char *const bios[] = { "/boot/memtest86+/memtest", "/arch/boot/memtest" };
	static const char *const efi[] = { "/boot/memtest86+/memtest.efi",
	    "/arch/boot/memtest.efi" };

	for (size_t i = 0; i < 2; i++) {
		if (a->memtest_bios[0] == '\0' && exists(a->img, bios[i]))
			snprintf(a->memtest_bios, sizeof(a->memtest_bios), "%s", bios[i]);
		if (a->memtest_efi[0] == '\0' && exists(a->img, efi[i]))
			snprintf(a->memtest_efi, sizeof(a->memtest_efi), "%s", efi[i]);
	}
}

unsigned
archiso_ram_mib(const struct archiso *a, const struct archiso_entry *e)
{
	uint64_t mib = (2 * a->rootfs_size + 4 * e->boot_bytes + (1u << 20) - 1) >> 20;

	mib += ARCHISO_RAM_BASE_MIB;
	return (unsigned)((mib + 63) / 64 * 64);
}

static void
size_entries(struct archiso *a)
{
	for (size_t i = 0; i < a->n_entries; i++) {
		struct archiso_entry *e = &a->entries[i];

		e->boot_bytes = file_size(a->img, e->kernel);
		for (size_t k = 0; k < e->n_initrd; k++)
			e->boot_bytes += file_size(a->img, e->initrd[k]);
		e->ram_mib = archiso_ram_mib(a, e);
		http_title(e->title);
	}
}

int
archiso_load(struct archiso *a, const struct iso_image *img, const char *filename,
    archiso_note_fn *note, void *ctx, char *err, size_t errlen)
{
	char *text;

	memset(a, 0, sizeof(*a));
	a->img = img;
	archiso_name(filename, a->name, sizeof(a->name));
	find_date(a);
	text = malloc(ARCHISO_MAX_CONFIG);
	if (text == NULL) {
		snprintf(err, errlen, "%s: out of memory", filename);
		return -1;
	}
	load_bls(a, text, note, ctx);
	if (a->n_entries == 0)
		load_syslinux(a, text, note, ctx);
	free(text);
	sort_entries(a);
	find_basedir(a);
	find_rootfs(a);
	find_memtest(a);
	dedupe(a);
	size_entries(a);
	if (a->n_entries == 0) {
		snprintf(err, errlen, "%s: no Linux boot entry in loader/entries or the "
		    "syslinux configs: not an Arch ISO?", filename);
		return -1;
	}
	return 0;
}
