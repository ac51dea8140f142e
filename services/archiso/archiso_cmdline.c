/*
 * Kernel command lines for HTTP netboot, the way archiso's own PXE HTTP
 * entries (archiso_pxe-linux.cfg) and archweb's iPXE menu build them.
 */
#include <stdio.h>
#include <string.h>

#include "archiso/archiso.h"

/*
 * Options that find the boot medium as a block device (archisosearchuuid
 * would make the v70+ hooks search local disks and stop), that mean
 * nothing over HTTP (copytoram is forced there), or that we set ourselves
 * (the check of the root image: the ISO's PXE entries say "checksum
 * verify" or "cms_verify=y", and GnuPG's verify=y needs a key in the
 * initramfs and a .sig that official ISOs may not carry).
 */
static const char *const dropped_keys[] = {
	"archisosearchuuid", "archisolabel", "archisodevice", "archisosearchfilename",
	"img_dev", "img_loop", "img_label", "archiso_nbd_srv", "archiso_nfs_srv",
	"archiso_http_srv", "archiso_http_spc", "ip", "BOOTIF", "script", "checksum",
	"verify", "cms_verify", "copytoram", "cow_spacesize", "initrd",
};

const char *
archiso_verify_name(enum archiso_verify v)
{
	switch (v) {
	case ARCHISO_VERIFY_CHECKSUM: return "checksum";
	case ARCHISO_VERIFY_CMS: return "cms";
	case ARCHISO_VERIFY_NONE: return "none";
	}
	return "?";
}

int
archiso_verify_parse(const char *s, enum archiso_verify *v)
{
	for (int i = ARCHISO_VERIFY_CHECKSUM; i <= ARCHISO_VERIFY_NONE; i++)
		if (strcmp(s, archiso_verify_name((enum archiso_verify)i)) == 0) {
			*v = (enum archiso_verify)i;
			return 0;
		}
	return -1;
}

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

/* The check of the root image boot asks for, where the ISO has its file. */
static const char *
verify_option(const struct archiso *a, const struct archiso_boot *boot)
{
	if (boot->verify == ARCHISO_VERIFY_CHECKSUM && a->has_sha512)
		return "checksum=y";
	if (boot->verify == ARCHISO_VERIFY_CMS && a->has_cms_sig)
		return "cms_verify=y";
	return NULL;
}

/* The ISO's options we keep, one by one. */
static int
put_iso_options(const struct archiso_entry *e, char *out, size_t outsize, size_t *o,
    archiso_note_fn *note, void *ctx)
{
	const char *p = e->options;

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
		else if (putword(out, outsize, o, p, len) != 0)
			return -1;
		p += len;
	}
	return 0;
}

/* initrd=NAME per initrd: the EFI stub of older iPXE builds needs it. */
static int
put_initrd_names(const struct archiso_entry *e, char *out, size_t outsize, size_t *o)
{
	char word[ARCHISO_MAX_PATH + 16];

	for (size_t i = 0; i < e->n_initrd; i++) {
		const char *base = strrchr(e->initrd[i], '/');
		int n;

		base = base ? base + 1 : e->initrd[i];
		n = snprintf(word, sizeof(word), "initrd=%s", base);
		if (n < 0 || (size_t)n >= sizeof(word))
			return -1;
		for (int k = 0; k < n; k++)
			if (!option_char_ok((unsigned char)word[k]))
				n = -1;
		if (n < 0)
			continue; /* an odd file name: iPXE's default naming still works */
		if (putword(out, outsize, o, word, (size_t)n) != 0)
			return -1;
	}
	return 0;
}

/* putword() of a formatted word. */
static int
putf(char *out, size_t size, size_t *o, const char *fmt, const char *a, const char *b)
{
	char word[ARCHISO_MAX_PATH + 64];
	int n = snprintf(word, sizeof(word), fmt, a, b);

	if (n < 0 || (size_t)n >= sizeof(word))
		return -1;
	return putword(out, size, o, word, (size_t)n);
}

int
archiso_cmdline(const struct archiso *a, const struct archiso_entry *e,
    const struct archiso_boot *boot, char *out, size_t outsize, archiso_note_fn *note,
    void *ctx)
{
	const char *verify = verify_option(a, boot);
	size_t o = 0;

	if (outsize == 0)
		return -1;
	out[0] = '\0';
	if (put_initrd_names(e, out, outsize, &o) != 0 ||
	    put_iso_options(e, out, outsize, &o, note, ctx) != 0 ||
	    putf(out, outsize, &o, "archiso_http_srv=%s/iso/%s/",
	    boot->images != NULL ? boot->images : boot->server, a->name) != 0 ||
	    /* BOOTIF pins the NIC iPXE booted from (iPXE expands ${netX/mac}). */
	    putword(out, outsize, &o, "ip=dhcp BOOTIF=01-${netX/mac:hexhyp}", 36) != 0 ||
	    (verify != NULL && putword(out, outsize, &o, verify, strlen(verify)) != 0) ||
	    (boot->cow_spacesize != NULL && boot->cow_spacesize[0] != '\0' &&
	    putf(out, outsize, &o, "cow_spacesize=%s%s", boot->cow_spacesize, "") != 0) ||
	    putword(out, outsize, &o, "systemd.wants=network-online.target", 35) != 0 ||
	    (boot->script &&
	    putf(out, outsize, &o, "script=%s/script.cfg%s", boot->server, "") != 0))
		return -1;
	return 0;
}
