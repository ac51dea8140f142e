/*
 * Building a tree: scan and verify the ISOs, open the files directory,
 * turn the keys file into script.cfg.  Runs at start and on SIGHUP; it
 * blocks (verifying reads every airootfs once), which is why a reload
 * builds a new tree before the old one is dropped.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/limits.h"
#include "common/util.h"
#include "keyinject/keys.h"
#include "vfs/vfs.h"
#include "vfs/vfs_steps.h"

struct builder {
	struct vfs *v;
	vfs_log_fn *log;
	void *ctx;
	const struct vfs_spec *spec;
	size_t cap_isos, cap_refused, cap_waiting;
	const char *state;      /* the state dir: where verdicts are kept */
	struct buf known;       /* the verdicts read at start */
	struct buf verdicts;    /* the verdicts to keep: ISOs served now */
};

/*
 * A full SHA-512 of every airootfs at every start costs 10-40 s per real
 * ISO on a USB stick.  An ISO that passed keeps its verdict in
 * STATE/verified-isos, one line "SIZE MTIME.NSEC PATH"; it is checked
 * again only when its size or modification time changed (or the line is
 * gone).  Only ISOs served now are kept, so a removed ISO is forgotten.
 */
#define VERDICTS_FILE "verified-isos"

static void
verdict_key(const struct stat *st, const char *path, char *out, size_t size)
{
	snprintf(out, size, "%lld %lld.%09ld %s\n", (long long)st->st_size,
	    (long long)st->st_mtim.tv_sec, (long)st->st_mtim.tv_nsec, path);
}

static void
verdicts_read(struct builder *b)
{
	char path[VFS_MAX_PATH + 32], chunk[4096];
	ssize_t n;
	int fd;

	buf_init(&b->known);
	buf_init(&b->verdicts);
	if (b->state[0] == '\0')
		return;
	snprintf(path, sizeof(path), "%s/%s", b->state, VERDICTS_FILE);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0 && b->known.len < 256 * 1024)
		buf_append(&b->known, chunk, (size_t)n);
	close(fd);
}

/* Was this exact file (same size, same mtime) verified before? */
static int
verdict_known(const struct builder *b, const char *key)
{
	size_t n = strlen(key);
	const char *p = b->known.data, *end;

	if (p == NULL) /* nothing known (and NULL + 0 is undefined) */
		return 0;
	end = p + b->known.len;
	while (p != NULL && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);

		if (len == n && memcmp(p, key, n) == 0)
			return 1;
		p = nl ? nl + 1 : NULL;
	}
	return 0;
}

/* Write the verdicts of the ISOs served now: temp file, fsync, rename. */
static void
verdicts_write(struct builder *b)
{
	char path[VFS_MAX_PATH + 32], tmp[VFS_MAX_PATH + 40];
	int fd, ok;

	if (b->state[0] == '\0' || buf_failed(&b->verdicts) ||
	    (b->verdicts.len == b->known.len &&
	    (b->known.len == 0 || memcmp(b->verdicts.data, b->known.data, b->known.len) == 0)))
		return;
	snprintf(path, sizeof(path), "%s/%s", b->state, VERDICTS_FILE);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return; /* no state dir (yet): verify again next time */
	ok = write_all(fd, b->verdicts.data ? b->verdicts.data : "", b->verdicts.len) == 0 &&
	    fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) != 0)
		(void)unlink(tmp);
}

int
vfs_verdict_keep(const char *state, const char *key)
{
	struct builder b;
	int kept;

	memset(&b, 0, sizeof(b));
	b.state = state;
	verdicts_read(&b);
	if (!verdict_known(&b, key)) {
		buf_append(&b.verdicts, b.known.data ? b.known.data : "", b.known.len);
		buf_puts(&b.verdicts, key);
		verdicts_write(&b);
	}
	kept = state[0] != '\0' && !buf_failed(&b.verdicts);
	buf_free(&b.known);
	buf_free(&b.verdicts);
	return kept ? 0 : -1;
}

static void
logf_(struct builder *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
logf_(struct builder *b, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (b->log != NULL)
		b->log(b->ctx, msg);
}

static void
note_to_log(void *ctx, const char *msg)
{
	logf_(ctx, "%s", msg);
}

static void
refuse(struct builder *b, const char *path, const char *reason)
{
	struct vfs *v = b->v;

	logf_(b, "ISO refused: %s: %s", path, reason);
	if (v->n_refused == b->cap_refused) {
		size_t n = b->cap_refused ? b->cap_refused * 2 : 4;
		struct vfs_refused *r = realloc(v->refused, n * sizeof(*r));

		if (r == NULL)
			return;
		v->refused = r;
		b->cap_refused = n;
	}
	snprintf(v->refused[v->n_refused].path, sizeof(v->refused[0].path), "%s", path);
	snprintf(v->refused[v->n_refused].reason, sizeof(v->refused[0].reason), "%s", reason);
	v->n_refused++;
}

/* Make NAME unique among the ISOs already accepted: "-2", "-3", ... */
static void
unique_name(struct vfs *v, char *name, size_t size)
{
	char base[ARCHISO_MAX_NAME];

	snprintf(base, sizeof(base), "%s", name);
	for (unsigned n = 2;; n++) {
		int taken = 0;

		for (size_t i = 0; i < v->n_isos; i++)
			if (strcmp(v->isos[i].name, name) == 0)
				taken = 1;
		if (!taken)
			return;
		snprintf(name, size, "%.*s-%u", (int)(size - 12), base, n);
	}
}

/* The background check's verdict on this very file (key): 1 passed, -1
 * refused (the reason in err), 0 none. */
static int
judged(const struct builder *b, const char *key, char *err, size_t errlen)
{
	for (size_t i = 0; i < b->spec->n_judged; i++)
		if (strcmp(b->spec->judged[i].key, key) == 0) {
			snprintf(err, errlen, "%s", b->spec->judged[i].reason);
			return err[0] == '\0' ? 1 : -1;
		}
	return 0;
}

/* A reload leaves the hashing to the background check: 1 when deferred
 * (the ISO is waiting, not served), 0 to verify here. */
static int
defer(struct builder *b, const char *path, const char *key)
{
	struct vfs *v = b->v;
	struct vfs_waiting *w;

	if (!b->spec->defer_verify)
		return 0;
	if (v->n_waiting == b->cap_waiting) {
		size_t n = b->cap_waiting ? b->cap_waiting * 2 : 4;
		struct vfs_waiting *p = realloc(v->waiting, n * sizeof(*p));

		if (p == NULL)
			return 0;       /* verify here, then */
		v->waiting = p;
		b->cap_waiting = n;
	}
	w = &v->waiting[v->n_waiting++];
	memset(w, 0, sizeof(*w));
	snprintf(w->path, sizeof(w->path), "%s", path);
	snprintf(w->key, sizeof(w->key), "%s", key);
	logf_(b, "ISO %s: new: its root image is checked in the background; served once it "
	    "passes", path);
	return 1;
}

/*
 * May ISO vi (its verdict line key) be served: 1; -1 refused (why in
 * err); 0 left to the background check (a reload).  Its entries are read
 * every time; its root image is hashed only without a verdict, kept in
 * the state dir or reached by the background check (*cached: there was).
 */
static int
vet(struct builder *b, struct vfs_iso *vi, const char *path, const char *key, int *cached,
    char *err, size_t errlen)
{
	int known = verdict_known(b, key) ? 1 : judged(b, key, err, errlen);

	*cached = known > 0;
	if (archiso_load(vi->arch, vi->img, path, note_to_log, b, err, errlen) != 0 || known < 0)
		return -1;
	if (known > 0)
		return 1;
	if (defer(b, path, key))
		return 0;
	return archiso_verify(vi->arch, err, errlen) == 0 ? 1 : -1;
}

static void
add_iso(struct builder *b, const char *path)
{
	struct vfs *v = b->v;
	struct vfs_iso *vi;
	char err[512], key[VFS_MAX_PATH + 64];
	struct stat st;
	int cached = 0, fit = 0;

	if (v->n_isos == b->cap_isos) {
		size_t n = b->cap_isos ? b->cap_isos * 2 : 4;
		struct vfs_iso *p = realloc(v->isos, n * sizeof(*p));

		if (p == NULL) {
			refuse(b, path, "out of memory");
			return;
		}
		v->isos = p;
		b->cap_isos = n;
	}
	vi = &v->isos[v->n_isos];
	memset(vi, 0, sizeof(*vi));
	snprintf(vi->path, sizeof(vi->path), "%s", path);
	vi->img = iso_open(path, err, sizeof(err));
	if (vi->img == NULL) {
		refuse(b, path, err);
		return;
	}
	if (fstat(iso_fd(vi->img), &st) != 0)
		memset(&st, 0, sizeof(st));
	verdict_key(&st, path, key, sizeof(key));
	vi->arch = malloc(sizeof(*vi->arch));
	if (vi->arch == NULL || (fit = vet(b, vi, path, key, &cached, err, sizeof(err))) <= 0) {
		if (vi->arch == NULL || fit < 0)
			refuse(b, path, vi->arch == NULL ? "out of memory" : err);
		free(vi->arch);
		iso_close(vi->img);
		return;
	}
	buf_puts(&b->verdicts, key);
	unique_name(v, vi->arch->name, sizeof(vi->arch->name));
	snprintf(vi->name, sizeof(vi->name), "%s", vi->arch->name);
	vi->file_mtime = st.st_mtime;
	v->n_isos++;
	logf_(b, "ISO %s: verified%s, served as /iso/%s/ (%zu boot entries; clients need %u MiB "
	    "of RAM)", path, cached ? " (unchanged since its last check)" : "", vi->name,
	    vi->arch->n_entries, vi->arch->entries[0].ram_mib);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory contributes its *.iso files, in name order. */
static void
scan_dir(struct builder *b, const char *dir)
{
	char *names[VFS_MAX_ISOS];
	size_t n = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d == NULL) {
		logf_(b, "ISO directory %s: %s", dir, strerror(errno));
		return;
	}
	while ((de = readdir(d)) != NULL && n < sizeof(names) / sizeof(names[0])) {
		size_t len = strlen(de->d_name);

		if (len > 4 && strcasecmp(de->d_name + len - 4, ".iso") == 0 &&
		    de->d_name[0] != '.' && (names[n] = strdup(de->d_name)) != NULL)
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), by_name);
	if (n == 0)
		logf_(b, "ISO directory %s has no .iso file", dir);
	for (size_t i = 0; i < n; i++) {
		char path[VFS_MAX_PATH];

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		add_iso(b, path);
		free(names[i]);
	}
}

static void
read_keys(struct builder *b, const char *path, const struct keys_step *steps, size_t n_steps)
{
	struct vfs *v = b->v;
	struct keys_scan scan;
	const char *err = NULL;
	char *text = NULL;
	size_t len = 0, need;
	ssize_t r;
	int fd;

	if (path[0] == '\0') {
		snprintf(v->script_reason, sizeof(v->script_reason), "no keys file configured "
		    "(--keys FILE, or keys = FILE in the config)");
		return;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(v->script_reason, sizeof(v->script_reason), "keys file %s: %s", path,
		    strerror(errno));
		return;
	}
	text = malloc(KEYS_MAX_FILE + 1);
	while (text != NULL && (r = read(fd, text + len, KEYS_MAX_FILE + 1 - len)) > 0 &&
	    (len += (size_t)r) <= KEYS_MAX_FILE)
		;
	close(fd);
	if (text == NULL || len > KEYS_MAX_FILE) {
		snprintf(v->script_reason, sizeof(v->script_reason), "keys file %s: %s", path,
		    text == NULL ? "out of memory" : "too large");
		free(text);
		return;
	}
	need = keys_script(NULL, 0, text, len, steps, n_steps, &scan, NULL, NULL, &err);
	if (need > 0 && scan.nkeys > 0 && (v->script = vfs_doc_new(NULL, need)) != NULL) {
		keys_script(v->script->data, need + 1, text, len, steps, n_steps, &scan, NULL, NULL,
		    &err);
		v->n_keys = scan.nkeys;
		v->n_steps = n_steps;
	}
	if (scan.nbad > 0)
		logf_(b, "keys file %s: %zu line(s) are not valid keys and are left out "
		    "(check with: pxestick keys check %s)", path, (size_t)scan.nbad, path);
	if (v->script == NULL)
		snprintf(v->script_reason, sizeof(v->script_reason), "keys file %s has no "
		    "valid key", path);
	else
		logf_(b, "keys file %s: %zu key(s) for script.cfg", path, v->n_keys);
	free(text);
}

int
vfs_find_entry(const struct vfs *v, const char *spec, size_t len, size_t *iso, size_t *entry)
{
	const char *colon = memchr(spec, ':', len);
	size_t n = colon ? (size_t)(colon - spec) : len;
	uint64_t e = 0;

	if (colon != NULL) {
		char num[8];
		size_t d = len - n - 1;

		if (d == 0 || d >= sizeof(num))
			return -1;
		memcpy(num, colon + 1, d);
		num[d] = '\0';
		if (parse_u64(num, 0, ARCHISO_MAX_ENTRIES - 1, &e) != 0)
			return -1;
	}
	for (size_t i = 0; i < v->n_isos; i++) {
		if (strlen(v->isos[i].name) != n || strncmp(v->isos[i].name, spec, n) != 0)
			continue;
		if (e >= v->isos[i].arch->n_entries)
			return -1;
		*iso = i;
		*entry = (size_t)e;
		return 0;
	}
	return -1;
}

static void
menu_default(struct builder *b, const char *spec)
{
	struct vfs *v = b->v;

	if (strcmp(spec, "local") == 0) {
		v->default_local = 1;
		return;
	}
	if (spec[0] != '\0' &&
	    vfs_find_entry(v, spec, strlen(spec), &v->default_iso, &v->default_entry) != 0)
		logf_(b, "menu-default \"%s\" names no served ISO entry: the first entry is "
		    "the default", spec);
}

/* Each share opened now: a missing one is said and left out. */
static void
open_shares(struct builder *b, const struct vfs_spec *s)
{
	struct vfs *v = b->v;

	for (size_t i = 0; i < s->n_shares && v->n_shares < VFS_MAX_SHARES; i++) {
		struct vfs_share *sh = &v->shares[v->n_shares];

		sh->fd = open(s->shares[i].path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sh->fd < 0) {
			logf_(b, "share %s: %s: %s: not served", s->shares[i].name, s->shares[i].path,
			    strerror(errno));
			continue;
		}
		snprintf(sh->name, sizeof(sh->name), "%s", s->shares[i].name);
		snprintf(sh->path, sizeof(sh->path), "%s", s->shares[i].path);
		v->n_shares++;
		logf_(b, "share %s: served read-only as /%s/", sh->path, sh->name);
	}
}

struct vfs *
vfs_build(const struct vfs_spec *s, vfs_log_fn *log, void *ctx, char *err, size_t errlen)
{
	struct builder b;
	struct vfs *v = calloc(1, sizeof(*v));

	if (v == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memset(&b, 0, sizeof(b));
	b.v = v;
	b.log = log;
	b.ctx = ctx;
	b.spec = s;
	b.state = s->state;
	verdicts_read(&b);
	v->refs = 1;
	v->built = (int64_t)time(NULL);
	v->menu_timeout = s->menu_timeout;
	v->verify = s->verify;
	snprintf(v->cow_spacesize, sizeof(v->cow_spacesize), "%s",
	    s->cow_spacesize != NULL ? s->cow_spacesize : "");
	snprintf(v->files_dir, sizeof(v->files_dir), "%s", s->files);
	v->files_fd = s->files[0] ? open(s->files, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (s->files[0] && v->files_fd < 0)
		logf_(&b, "files directory %s: %s (iPXE binaries cannot be served)", s->files,
		    strerror(errno));
	for (size_t i = 0; i < s->n_isos; i++) {
		struct stat st;

		if (stat(s->isos[i], &st) == 0 && S_ISDIR(st.st_mode))
			scan_dir(&b, s->isos[i]);
		else
			add_iso(&b, s->isos[i]);
	}
	if (v->n_isos == 0)
		logf_(&b, "no ISO is being served: add an Arch .iso (--iso PATH)");
	verdicts_write(&b);
	buf_free(&b.known);
	buf_free(&b.verdicts);
	menu_default(&b, s->menu_default);
	open_shares(&b, s);
	{
		struct keys_step steps[KEYS_MAX_STEPS];
		size_t n = vfs_steps_collect(s, v, steps, KEYS_MAX_STEPS, log, ctx);

		read_keys(&b, s->keys, steps, n);
		vfs_steps_free(steps, n);
	}
	if (v->script == NULL)
		logf_(&b, "script.cfg is not served: %s", v->script_reason);
	return v;
}

void
vfs_ref(struct vfs *v)
{
	v->refs++;
}

void
vfs_set_payload(struct vfs *v, size_t i, const char *url, const char *note)
{
	if (i >= v->n_isos)
		return;
	snprintf(v->isos[i].payload, sizeof(v->isos[i].payload), "%s", url);
	snprintf(v->isos[i].payload_note, sizeof(v->isos[i].payload_note), "%s", note);
	/* Open files hold their own references to these documents. */
	for (size_t m = 0; m < VFS_MENU_CACHE; m++) {
		vfs_doc_unref(v->menus[m].doc);
		v->menus[m].doc = NULL;
		v->menus[m].key[0] = '\0';
	}
}

void
vfs_unref(struct vfs *v)
{
	if (v == NULL || --v->refs > 0)
		return;
	for (size_t i = 0; i < v->n_isos; i++) {
		free(v->isos[i].arch);
		iso_close(v->isos[i].img);
	}
	if (v->files_fd >= 0)
		close(v->files_fd);
	for (size_t i = 0; i < v->n_shares; i++)
		close(v->shares[i].fd);
	for (size_t i = 0; i < VFS_MENU_CACHE; i++)
		vfs_doc_unref(v->menus[i].doc);
	free(v->isos);
	free(v->refused);
	free(v->waiting);
	vfs_doc_unref(v->script);
	free(v);
}
