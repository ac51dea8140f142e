/*
 * Kernel command lines for HTTP netboot, the way archiso's own PXE HTTP
 * entries (archiso_pxe-linux.cfg) and archweb's iPXE menu build them.
 */
#include <stdio.h>
#include <string.h>

#include "archiso/archiso.h"

/* Options that find the boot medium as a block device, or that we set. */
static const char *const dropped_keys[] = {
	"archisosearchuuid", "archisolabel", "archisodevice", "archisosearchfilename",
	"img_dev", "img_loop", "img_label", "archiso_nbd_srv", "archiso_nfs_srv",
	"archiso_http_srv", "ip", "BOOTIF", "script", "cms_verify", "initrd",
};

/*
 * Characters that mean nothing to iPXE's script parser (no ${} expansion,
 * no || or &&) nor to the initramfs' `eval` of each option.
 */
static int
option_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    strchr("._,:=/+@%~-", c) != NULL;
}

int
archiso_server_ok(const char *s)
{
	if (strncmp(s, "http://", 7) != 0 || s[7] == '\0')
		return 0;
	for (s += 7; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr(".:-[]", c) != NULL))
			return 0;
	}
	return 1;
}

static int
key_dropped(const char *tok, size_t len)
{
	size_t klen = 0;

	while (klen < len && tok[klen] != '=')
		klen++;
	for (size_t i = 0; i < sizeof(dropped_keys) / sizeof(dropped_keys[0]); i++)
		if (strlen(dropped_keys[i]) == klen && memcmp(tok, dropped_keys[i], klen) == 0)
			return 1;
	return 0;
}

/* Append to out[*o], keeping the NUL; -1 when it does not fit. */
static int
put(char *out, size_t size, size_t *o, const char *s, size_t n)
{
	if (n >= size - *o)
		return -1;
	memcpy(out + *o, s, n);
	*o += n;
	out[*o] = '\0';
	return 0;
}

static int
putword(char *out, size_t size, size_t *o, const char *s, size_t n)
{
	if (*o > 0 && put(out, size, o, " ", 1) != 0)
		return -1;
	return put(out, size, o, s, n);
}

static void
note_dropped(archiso_note_fn *note, void *ctx, const struct archiso_entry *e,
    const char *tok, size_t len)
{
	char msg[512];

	if (note == NULL)
		return;
	snprintf(msg, sizeof(msg), "%s: option \"%.*s\" has characters unsafe in a "
	    "boot script: dropped", e->source, (int)(len > 200 ? 200 : len), tok);
	for (char *c = msg; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
			*c = '?';
	note(ctx, msg);
}

int
archiso_cmdline(const struct archiso *a, const struct archiso_entry *e,
    const char *server, char *out, size_t outsize, archiso_note_fn *note, void *ctx)
{
	const char *p = e->options;
	char word[ARCHISO_MAX_PATH + 64];
	size_t o = 0;
	int n;

	if (outsize == 0)
		return -1;
	out[0] = '\0';
	/* initrd=NAME: the EFI stub of older iPXE builds needs it. */
	for (size_t i = 0; i < e->n_initrd; i++) {
		const char *base = strrchr(e->initrd[i], '/');

		base = base ? base + 1 : e->initrd[i];
		n = snprintf(word, sizeof(word), "initrd=%s", base);
		if (n < 0 || (size_t)n >= sizeof(word))
			return -1;
		for (int k = 0; k < n; k++)
			if (!option_char_ok((unsigned char)word[k]))
				n = -1;
		if (n < 0)
			continue; /* an odd file name: iPXE's default naming still works */
		if (putword(out, outsize, &o, word, (size_t)n) != 0)
			return -1;
	}
	while (*p) {
		size_t len = 0, k;
		int in_quote = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		/* The kernel's own tokenising: blanks split, "..." groups. */
		while (p[len] && (in_quote || (p[len] != ' ' && p[len] != '\t'))) {
			if (p[len] == '"')
				in_quote = !in_quote;
			len++;
		}
		for (k = 0; k < len && option_char_ok((unsigned char)p[k]); k++)
			;
		if (key_dropped(p, len))
			; /* replaced below, or meaningless over HTTP */
		else if (k < len)
			note_dropped(note, ctx, e, p, len);
		else if (putword(out, outsize, &o, p, len) != 0)
			return -1;
		p += len;
	}
	n = snprintf(word, sizeof(word), "archiso_http_srv=%s/iso/%s/", server, a->name);
	if (n < 0 || (size_t)n >= sizeof(word) || putword(out, outsize, &o, word, (size_t)n) != 0)
		return -1;
	/* BOOTIF pins the NIC iPXE booted from (iPXE expands ${netX/mac}). */
	if (putword(out, outsize, &o, "ip=dhcp BOOTIF=01-${netX/mac:hexhyp}", 36) != 0)
		return -1;
	n = snprintf(word, sizeof(word), "script=%s/script.cfg", server);
	if (n < 0 || (size_t)n >= sizeof(word) || putword(out, outsize, &o, word, (size_t)n) != 0)
		return -1;
	if (a->has_cms_sig && putword(out, outsize, &o, "cms_verify=y", 12) != 0)
		return -1;
	return 0;
}
