/*
 * Boot entries as the ISO writes them: systemd-boot entry files (Boot
 * Loader Specification, type #1) and, for ISOs without them, syslinux
 * configs.  Pure text parsers: no I/O, caller memory.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "archiso/archiso.h"

/* One line of text: [p, p+len), without the newline. */
struct line {
	const char *p;
	size_t len;
};

/* Next line from text at *pos; 0 when the text is exhausted. */
static int
next_line(const char *text, size_t len, size_t *pos, struct line *l)
{
	const char *nl;

	if (*pos >= len)
		return 0;
	l->p = text + *pos;
	nl = memchr(l->p, '\n', len - *pos);
	l->len = nl ? (size_t)(nl - l->p) : len - *pos;
	*pos += l->len + (nl != NULL);
	if (l->len > 0 && l->p[l->len - 1] == '\r')
		l->len--;
	return 1;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t';
}

static void
trim(struct line *l)
{
	while (l->len > 0 && is_space(l->p[0])) {
		l->p++;
		l->len--;
	}
	while (l->len > 0 && is_space(l->p[l->len - 1]))
		l->len--;
}

/* Split "key value": key up to the first blank, value trimmed. */
static void
split_key(const struct line *l, struct line *key, struct line *val)
{
	size_t i = 0;

	while (i < l->len && !is_space(l->p[i]))
		i++;
	key->p = l->p;
	key->len = i;
	val->p = l->p + i;
	val->len = l->len - i;
	trim(val);
}

static int
key_is(const struct line *k, const char *name, int nocase)
{
	size_t n = strlen(name);

	if (k->len != n)
		return 0;
	return nocase ? strncasecmp(k->p, name, n) == 0 : memcmp(k->p, name, n) == 0;
}

/* Copy a value into a fixed field; -1 when it does not fit or has NUL. */
static int
copy_field(char *dst, size_t size, const char *src, size_t len)
{
	if (len >= size || memchr(src, '\0', len) != NULL)
		return -1;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

/*
 * A path of the ISO.  BLS paths are absolute (a relative one is taken
 * from the root); syslinux ones may be relative to its working directory
 * and are kept so (relative set) for the loader to resolve.  Syslinux'
 * "::" prefix (an absolute TFTP path) goes.
 */
static int
copy_path(char *dst, const char *src, size_t len, int relative)
{
	if (len >= 2 && src[0] == ':' && src[1] == ':') {
		src += 2;
		len -= 2;
	}
	if (len == 0)
		return -1;
	if (src[0] != '/' && !relative) {
		if (len + 1 >= ARCHISO_MAX_PATH)
			return -1;
		dst[0] = '/';
		return copy_field(dst + 1, ARCHISO_MAX_PATH - 1, src, len);
	}
	return copy_field(dst, ARCHISO_MAX_PATH, src, len);
}

static int
add_initrd(struct archiso_entry *e, const char *p, size_t len, int relative)
{
	if (e->n_initrd >= ARCHISO_MAX_INITRDS)
		return -1;
	if (copy_path(e->initrd[e->n_initrd], p, len, relative) != 0)
		return -1;
	e->n_initrd++;
	return 0;
}

/* Append options, separated by one space (BLS: several lines add up). */
static int
add_options(struct archiso_entry *e, const char *p, size_t len)
{
	size_t have = strlen(e->options);

	if (len == 0)
		return 0;
	if (have + (have > 0) + len >= sizeof(e->options) || memchr(p, '\0', len) != NULL)
		return -1;
	if (have > 0)
		e->options[have++] = ' ';
	memcpy(e->options + have, p, len);
	e->options[have + len] = '\0';
	return 0;
}

static void
entry_reset(struct archiso_entry *e, const char *source)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->source, sizeof(e->source), "%s", source);
}

int
archiso_entry_parse(const char *text, size_t len, const char *source,
    struct archiso_entry *e, char *err, size_t errlen)
{
	struct line l, key, val;
	size_t pos = 0;
	int lineno = 0, is_efi = 0;

	entry_reset(e, source);
	while (next_line(text, len, &pos, &l)) {
		lineno++;
		trim(&l);
		if (l.len == 0 || l.p[0] == '#')
			continue;
		split_key(&l, &key, &val);
		if (key_is(&key, "title", 0)) {
			if (copy_field(e->title, sizeof(e->title), val.p, val.len) != 0)
				goto too_long;
		} else if (key_is(&key, "sort-key", 0)) {
			if (copy_field(e->sort_key, sizeof(e->sort_key), val.p, val.len) != 0)
				goto too_long;
		} else if (key_is(&key, "linux", 0)) {
			if (copy_path(e->kernel, val.p, val.len, 0) != 0)
				goto too_long;
		} else if (key_is(&key, "initrd", 0)) {
			/* One or more paths per line; the line may repeat. */
			size_t i = 0;

			while (i < val.len) {
				size_t start;

				while (i < val.len && is_space(val.p[i]))
					i++;
				start = i;
				while (i < val.len && !is_space(val.p[i]))
					i++;
				if (i > start && add_initrd(e, val.p + start, i - start, 0) != 0) {
					snprintf(err, errlen, "%s:%d: too many or too long initrd "
					    "paths", source, lineno);
					return -1;
				}
			}
		} else if (key_is(&key, "options", 0)) {
			if (add_options(e, val.p, val.len) != 0)
				goto too_long;
		} else if (key_is(&key, "efi", 0)) {
			is_efi = 1;
		}
		/* version, machine-id, architecture, devicetree...: not needed. */
	}
	if (is_efi || e->kernel[0] == '\0') {
		snprintf(err, errlen, "%s: %s, not a Linux entry: skipped", source,
		    is_efi ? "an EFI program" : "no linux line");
		return 0;
	}
	if (e->title[0] == '\0')
		snprintf(e->title, sizeof(e->title), "%s", e->kernel);
	return 1;
too_long:
	snprintf(err, errlen, "%s:%d: value too long or contains NUL", source, lineno);
	return -1;
}

/* syslinux: is this kernel a COM32 module or memtest rather than Linux? */
static int
not_linux(const char *kernel)
{
	size_t n = strlen(kernel);

	return (n >= 4 && strcasecmp(kernel + n - 4, ".c32") == 0) ||
	    strstr(kernel, "memtest") != NULL || (n >= 4 && strcasecmp(kernel + n - 4, ".efi") == 0);
}

struct sl_state {
	struct archiso_entry *out;
	size_t *n, max;
	archiso_note_fn *note;
	void *ctx;
	struct archiso_entry cur;
	int open, bad;
};

static void
sl_note(struct sl_state *s, const char *fmt, const char *a, const char *b)
{
	char msg[512];

	if (s->note == NULL)
		return;
	snprintf(msg, sizeof(msg), fmt, a, b);
	s->note(s->ctx, msg);
}

static void
sl_finish(struct sl_state *s)
{
	if (!s->open)
		return;
	s->open = 0;
	if (s->bad) {
		sl_note(s, "%s: entry \"%s\" has an over-long field: skipped",
		    s->cur.source, s->cur.title);
	} else if (s->cur.kernel[0] == '\0' || not_linux(s->cur.kernel)) {
		sl_note(s, "%s: entry \"%s\" is not Linux: skipped", s->cur.source,
		    s->cur.title[0] ? s->cur.title : "?");
	} else if (*s->n >= s->max) {
		sl_note(s, "%s: entry \"%s\" is over the entry limit: skipped",
		    s->cur.source, s->cur.title);
	} else {
		s->out[(*s->n)++] = s->cur;
	}
}

/* A menu title without syslinux' '^' hotkey markers. */
static int
copy_title(char *dst, size_t size, const char *src, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (src[i] == '^')
			continue;
		if (src[i] == '\0' || o + 1 >= size)
			return -1;
		dst[o++] = src[i];
	}
	dst[o] = '\0';
	return 0;
}

/* "a,b,c": each one an initrd. */
static void
sl_initrds(struct sl_state *s, const char *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t start = i;

		while (i < len && p[i] != ',')
			i++;
		if (i > start && add_initrd(&s->cur, p + start, i - start, 1) != 0)
			s->bad = 1;
		i++;
	}
}

/* APPEND: the kernel's options, but an "initrd=a,b" word is syslinux's
 * own way to name initrds. */
static void
sl_append(struct sl_state *s, const struct line *val)
{
	size_t i = 0;

	while (i < val->len) {
		size_t start;

		while (i < val->len && is_space(val->p[i]))
			i++;
		start = i;
		while (i < val->len && !is_space(val->p[i]))
			i++;
		if (i - start > 7 && strncmp(val->p + start, "initrd=", 7) == 0)
			sl_initrds(s, val->p + start + 7, i - start - 7);
		else if (i > start && add_options(&s->cur, val->p + start, i - start) != 0)
			s->bad = 1;
	}
}

static void
sl_keyword(struct sl_state *s, const struct line *key, struct line *val)
{
	if (key_is(key, "menu", 1)) {
		struct line k2, v2;

		split_key(val, &k2, &v2);
		if (s->open && key_is(&k2, "label", 1) &&
		    copy_title(s->cur.title, sizeof(s->cur.title), v2.p, v2.len) != 0)
			s->bad = 1;
	} else if (!s->open) {
		return;
	} else if (key_is(key, "linux", 1) || key_is(key, "kernel", 1)) {
		if (copy_path(s->cur.kernel, val->p, val->len, 1) != 0)
			s->bad = 1;
	} else if (key_is(key, "initrd", 1)) {
		sl_initrds(s, val->p, val->len);
	} else if (key_is(key, "append", 1)) {
		sl_append(s, val);
	}
}

void
archiso_syslinux_parse(const char *text, size_t len, const char *source,
    struct archiso_entry *out, size_t *n, size_t max, archiso_note_fn *note, void *ctx)
{
	struct sl_state s;
	struct line l, key, val;
	size_t pos = 0;
	int in_text = 0;

	memset(&s, 0, sizeof(s));
	s.out = out;
	s.n = n;
	s.max = max;
	s.note = note;
	s.ctx = ctx;
	while (next_line(text, len, &pos, &l)) {
		trim(&l);
		if (in_text) {
			/* TEXT HELP ... ENDTEXT is free text, not keywords. */
			if (l.len == 7 && strncasecmp(l.p, "endtext", 7) == 0)
				in_text = 0;
			continue;
		}
		if (l.len == 0 || l.p[0] == '#')
			continue;
		split_key(&l, &key, &val);
		if (key_is(&key, "text", 1)) {
			in_text = 1;
		} else if (key_is(&key, "label", 1)) {
			sl_finish(&s);
			entry_reset(&s.cur, source);
			s.open = 1;
			s.bad = 0;
			if (copy_title(s.cur.title, sizeof(s.cur.title), val.p, val.len) != 0)
				s.bad = 1;
		} else {
			sl_keyword(&s, &key, &val);
		}
	}
	sl_finish(&s);
}
