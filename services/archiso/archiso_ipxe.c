/*
 * boot.ipxe: one iPXE menu over every ISO and entry.  Works on BIOS and
 * UEFI iPXE alike (Debian's 2019 build included); a failed boot says so
 * and returns to the menu instead of leaving the machine at a dead end.
 *
 * Everything that came from an ISO (titles, names, paths, options) is
 * reduced to characters that are plain text to iPXE's parser: no '$'
 * (setting expansion), no '|' or '&' (command chaining), no quotes,
 * backslashes or control bytes.
 */
#include <stdio.h>
#include <string.h>

#include "archiso/archiso.h"
#include "common/util.h"

/* Menu text: printable ASCII minus what iPXE interprets. */
static void
put_text(struct buf *out, const char *s)
{
	for (size_t i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		int plain = c >= 0x20 && c < 0x7f && strchr("$|&;\\\"'`{}<>#", c) == NULL;

		/* A leading '-' would read as an option of `item`. */
		if (i == 0 && c == '-')
			plain = 0;
		buf_append(out, plain ? (const char *)&c : "_", 1);
	}
}

/* An entry the client is known to have too little RAM for. */
static int
too_big(const struct archiso_menu *menu, const struct archiso_entry *e)
{
	return menu->client_mib != 0 && e->ram_mib > menu->client_mib;
}

static void
menu_items(const struct archiso *const *isos, size_t n, const struct archiso_menu *menu,
    struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		const struct archiso *a = isos[i];

		buf_puts(out, "item --gap ");
		put_text(out, a->name);
		if (a->date[0]) {
			buf_puts(out, " (");
			put_text(out, a->date);
			buf_puts(out, ")");
		}
		buf_puts(out, "\n");
		for (size_t j = 0; j < a->n_entries; j++) {
			const struct archiso_entry *e = &a->entries[j];

			buf_printf(out, "item iso%zu-e%zu   ", i, j);
			put_text(out, e->title);
			if (too_big(menu, e))
				buf_printf(out, "  [needs %u MiB RAM, this machine has %u]",
				    e->ram_mib, menu->client_mib);
			else
				buf_printf(out, "  [%u MiB RAM]", e->ram_mib);
			buf_puts(out, "\n");
		}
		if (a->memtest_bios[0] || a->memtest_efi[0])
			buf_printf(out, "item iso%zu-memtest   Memtest86+ (from this ISO)\n", i);
	}
}

/* Too little RAM: say so, and back to the menu (archiso would stop in
 * an emergency shell after downloading the root image). */
static void
ram_block(const struct archiso_menu *menu, const struct archiso_entry *e, struct buf *out)
{
	buf_printf(out, "echo\n"
	    "echo This ISO needs %u MiB of RAM, this machine has %u MiB:\n"
	    "echo the root image sits in RAM twice while it boots over HTTP.\n"
	    "prompt --timeout 30000 Press a key to return to the menu || goto menu\n"
	    "goto menu\n", e->ram_mib, menu->client_mib);
}

/* kernel, initrds and boot from base (a server or a payload URL), with
 * archiso_http_srv= there too; on failure, goto fail. */
static int
load_block(const struct archiso *a, const struct archiso_entry *e,
    const struct archiso_boot *boot, const char *base, const char *fail, struct buf *out,
    archiso_note_fn *note, void *ctx)
{
	char cmdline[ARCHISO_MAX_CMDLINE];

	if (archiso_cmdline(a, e, boot, cmdline, sizeof(cmdline), note, ctx) != 0)
		return -1;
	buf_puts(out, "imgfree\n");
	buf_printf(out, "kernel %s/iso/%s", base, a->name);
	buf_url_path(out, e->kernel);
	buf_printf(out, " %s || goto %s\n", cmdline, fail);
	for (size_t k = 0; k < e->n_initrd; k++) {
		buf_printf(out, "initrd %s/iso/%s", base, a->name);
		buf_url_path(out, e->initrd[k]);
		buf_printf(out, " || goto %s\n", fail);
	}
	return 0;
}

/*
 * An entry: from its payload URL when it has one, falling back to the
 * server itself (a cache that went away since the check must not leave
 * the machine at "Boot failed"); boot's own failure is not a download's.
 */
static void
entry_block(const struct archiso *a, size_t i, size_t j, const struct archiso_menu *menu,
    struct buf *out, archiso_note_fn *note, void *ctx)
{
	const struct archiso_entry *e = &a->entries[j];
	const char *images = menu->images != NULL ? menu->images[i] : NULL;
	struct archiso_boot direct = menu->boot, cached = menu->boot;
	char fallback[48];
	int rc = 0;

	buf_printf(out, "\n:iso%zu-e%zu\n", i, j);
	if (too_big(menu, e)) {
		ram_block(menu, e, out);
		return;
	}
	buf_puts(out, "echo Booting ");
	put_text(out, e->title);
	buf_puts(out, " from ");
	put_text(out, a->name);
	buf_puts(out, "\n");
	direct.images = NULL;
	if (images != NULL) {
		cached.images = images;
		snprintf(fallback, sizeof(fallback), "iso%zu-e%zu-direct", i, j);
		rc = load_block(a, e, &cached, images, fallback, out, note, ctx);
		if (rc == 0)
			buf_printf(out, "boot || goto failed\n:%s\n"
			    "echo The payload URL failed (error ${errno}): loading from the boot server.\n",
			    fallback);
	}
	if (rc == 0)
		rc = load_block(a, e, &direct, menu->boot.server, "failed", out, note, ctx);
	if (rc != 0) {
		buf_puts(out, "echo This entry's kernel command line is too long.\n"
		    "goto failed\n");
		return;
	}
	buf_puts(out, "boot || goto failed\n");
}

/* Memtest86+: its Linux-boot-protocol image on BIOS, its EFI program
 * on UEFI (${platform} is "pcbios" or "efi"). */
static void
memtest_block(const struct archiso *a, size_t i, const char *server, struct buf *out)
{
	if (!a->memtest_bios[0] && !a->memtest_efi[0])
		return;
	buf_printf(out, "\n:iso%zu-memtest\nimgfree\n"
	    "iseq ${platform} efi && goto iso%zu-memtest-efi ||\n", i, i);
	if (a->memtest_bios[0]) {
		buf_printf(out, "kernel %s/iso/%s", server, a->name);
		buf_url_path(out, a->memtest_bios);
		buf_puts(out, " || goto failed\nboot || goto failed\n");
	} else {
		buf_puts(out, "echo This ISO has Memtest86+ for UEFI only.\ngoto failed\n");
	}
	buf_printf(out, ":iso%zu-memtest-efi\n", i);
	if (a->memtest_efi[0]) {
		buf_printf(out, "chain %s/iso/%s", server, a->name);
		buf_url_path(out, a->memtest_efi);
		buf_puts(out, " || goto failed\n");
	} else {
		buf_puts(out, "echo This ISO has Memtest86+ for BIOS only.\n");
	}
	buf_puts(out, "goto failed\n");
}

/*
 * iPXE's own ${memsize} exists only in builds with MEMMAP_SETTINGS, which
 * Debian's (and upstream's default) are not: there the script reads each
 * SMBIOS type 17 (memory device) record's size word -- ${smbios/N.17.12.2}
 * (and the extended size at 0x1C for 0x7FFF) -- which both the BIOS and
 * the EFI builds have, and the server adds them up.
 */
void
archiso_ipxe_probe(const char *server, const char *query, size_t query_len, struct buf *out)
{
	buf_puts(out, "#!ipxe\n"
	    "# boot.ipxe, generated by pxestick: ask again, saying how much RAM this\n"
	    "# machine has, so the menu can tell which entries fit.\n");
	buf_printf(out, "chain --autofree %s/boot.ipxe?memsize=${memsize}&dimm=", server);
	for (unsigned i = 0; i < ARCHISO_MAX_DIMMS; i++)
		buf_printf(out, "%s${smbios/%u.17.12.2:hexraw}", i ? "," : "", i);
	buf_puts(out, "&dimmx=");
	for (unsigned i = 0; i < ARCHISO_MAX_DIMMS; i++)
		buf_printf(out, "%s${smbios/%u.17.28.4:hexraw}", i ? "," : "", i);
	/* The query came from the client: only its plain bytes go on, %XX
	 * decoded first (iPXE sends "entry=NAME%3A0"; dropping the % would
	 * leave "NAME3A0", an entry nobody has). */
	for (size_t i = 0, put = 0; i < query_len; i++) {
		unsigned char c = (unsigned char)query[i];

		if (c == '%' && i + 2 < query_len && hex_digit(query[i + 1]) >= 0 &&
		    hex_digit(query[i + 2]) >= 0) {
			c = (unsigned char)(hex_digit(query[i + 1]) << 4 | hex_digit(query[i + 2]));
			i += 2;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("=&:._-", c) != NULL))
			continue;
		if (put++ == 0)
			buf_puts(out, "&");
		buf_append(out, &c, 1);
	}
	buf_puts(out, "\n");
}


/* The little-endian number in 2 * bytes hex digits at p (n of them), or -1. */
static int64_t
le_hex(const char *p, size_t n, size_t bytes)
{
	int64_t v = 0;

	if (n != 2 * bytes)
		return -1;
	for (size_t i = bytes; i-- > 0;) {
		int hi = hex_digit(p[2 * i]), lo = hex_digit(p[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		v = v << 8 | (int64_t)(hi << 4 | lo);
	}
	return v;
}

/* The k-th comma-separated field of list (len bytes): its start and length. */
static const char *
field(const char *list, size_t len, unsigned k, size_t *n)
{
	const char *p = list, *end = list + len;

	for (unsigned i = 0; p != NULL && p <= end; i++) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		size_t flen = comma != NULL ? (size_t)(comma - p) : (size_t)(end - p);

		if (i == k) {
			*n = flen;
			return p;
		}
		p = comma != NULL ? comma + 1 : NULL;
	}
	return NULL;
}

unsigned
archiso_client_mib(const char *memsize, size_t memsize_len, const char *dimm, size_t dimm_len,
    const char *dimmx, size_t dimmx_len)
{
	uint64_t total = 0;
	char num[16];

	if (memsize != NULL && memsize_len > 0 && memsize_len < sizeof(num)) {
		uint64_t v;

		memcpy(num, memsize, memsize_len);
		num[memsize_len] = '\0';
		if (parse_u64(num, 1, ARCHISO_MAX_CLIENT_MIB, &v) == 0)
			return (unsigned)v;
	}
	for (unsigned i = 0; dimm != NULL && i < ARCHISO_MAX_DIMMS; i++) {
		size_t n, xn;
		const char *w = field(dimm, dimm_len, i, &n), *x;
		int64_t size = w != NULL ? le_hex(w, n, 2) : -1;

		/* SMBIOS 7.18.5: 0 empty, 0xFFFF unknown, 0x7FFF see the
		 * extended size (MiB, bits 30:0), bit 15 set: KiB. */
		if (size <= 0 || size == 0xffff)
			continue;
		if (size == 0x7fff) {
			x = dimmx != NULL ? field(dimmx, dimmx_len, i, &xn) : NULL;
			size = x != NULL ? le_hex(x, xn, 4) : -1;
			if (size < 0)
				continue;
			size &= 0x7fffffff;
		} else if (size & 0x8000) {
			size = (size & 0x7fff) / 1024;
		}
		total += (uint64_t)size;
	}
	return total > ARCHISO_MAX_CLIENT_MIB ? ARCHISO_MAX_CLIENT_MIB : (unsigned)total;
}

void
archiso_ipxe(const struct archiso *const *isos, size_t n, const struct archiso_menu *menu,
    struct buf *out, archiso_note_fn *note, void *ctx)
{
	size_t di = menu->default_iso, de = menu->default_entry;
	unsigned timeout = menu->timeout_s;

	if (di >= n || de >= isos[di]->n_entries) {
		di = 0;
		de = 0;
	}
	/* A default this machine cannot boot would come back forever. */
	if (menu->dflt == ARCHISO_DEFAULT_WAIT ||
	    (menu->dflt == ARCHISO_DEFAULT_ENTRY && n > 0 && too_big(menu, &isos[di]->entries[de])))
		timeout = 0;
	buf_puts(out, "#!ipxe\n"
	    "# boot.ipxe, generated by pxestick: one entry per boot entry of each ISO.\n"
	    "\n:menu\n"
	    "menu Arch Linux netboot (pxestick)\n");
	if (n == 0) {
		buf_puts(out, "item --gap No verified Arch ISO is being served: see the "
		    "server's console.\n");
	}
	menu_items(isos, n, menu, out);
	buf_puts(out, "item --gap\n"
	    "item --key s shell    iPXE shell (type exit to return here)\n"
	    "item --key r reboot   Reboot\n"
	    "item --key x local    Exit iPXE (boot the next device)\n");
	buf_puts(out, "choose");
	if (timeout > 0)
		buf_printf(out, " --timeout %u", timeout * 1000);
	if (menu->dflt == ARCHISO_DEFAULT_LOCAL)
		buf_puts(out, " --default local");
	else if (n > 0)
		buf_printf(out, " --default iso%zu-e%zu", di, de);
	else
		buf_puts(out, " --default shell");
	buf_puts(out, " target || goto menu\n"
	    "goto ${target}\n");
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < isos[i]->n_entries; j++)
			entry_block(isos[i], i, j, menu, out, note, ctx);
		memtest_block(isos[i], i, menu->boot.server, out);
	}
	buf_puts(out, "\n:failed\n"
	    "echo\n"
	    "echo Boot failed (error ${errno}): the server may be unreachable or the file missing.\n"
	    "prompt --timeout 15000 Press a key to return to the menu (or wait 15 s) || goto menu\n"
	    "goto menu\n"
	    "\n:shell\n"
	    "shell\n"
	    "goto menu\n"
	    "\n:reboot\n"
	    "reboot\n"
	    "\n:local\n"
	    "echo Booting the next device (the local disk)...\n"
	    /* BIOS: some firmware halts when iPXE exits; boot the first
	     * disk's MBR directly.  UEFI: exit 1 is "try the next boot
	     * option" (exit 0 would stop at the firmware's menu). */
	    "iseq ${platform} pcbios && sanboot --no-describe --drive 0x80 ||\n"
	    "exit 1\n");
}
