/*
 * Arch ISO knowledge: entry parsers, command lines and boot.ipxe, on text
 * fixtures shaped like real archiso releases.
 */
#include "harness.h"

#include "archiso/archiso.h"

static const char bls_2024[] =
    "title    Arch Linux install medium (x86_64, UEFI)\n"
    "sort-key 01\n"
    "linux    /arch/boot/x86_64/vmlinuz-linux\n"
    "initrd   /arch/boot/x86_64/initramfs-linux.img\n"
    "options  archisobasedir=arch archisosearchuuid=2024-09-01-12-40-01-00\n";

/* 2020-2023 releases: microcode images as extra initrd lines. */
static const char bls_2021[] =
    "title    Arch Linux install medium (x86_64, UEFI)\r\n"
    "linux    /arch/boot/x86_64/vmlinuz-linux\r\n"
    "initrd   /arch/boot/intel-ucode.img\r\n"
    "initrd   /arch/boot/amd-ucode.img\r\n"
    "initrd   /arch/boot/x86_64/initramfs-linux.img\r\n"
    "options  archisobasedir=arch archisolabel=ARCH_202101\r\n"
    "options  console=ttyS0,115200\r\n";

TEST(archiso_bls_entry_fields)
{
	struct archiso_entry e;
	char err[256];

	CHECK_INT(archiso_entry_parse(bls_2024, sizeof(bls_2024) - 1, "01.conf", &e, err,
	    sizeof(err)), 1);
	CHECK_STR(e.title, "Arch Linux install medium (x86_64, UEFI)");
	CHECK_STR(e.sort_key, "01");
	CHECK_STR(e.kernel, "/arch/boot/x86_64/vmlinuz-linux");
	CHECK_INT(e.n_initrd, 1);
	CHECK_STR(e.options, "archisobasedir=arch archisosearchuuid=2024-09-01-12-40-01-00");

	CHECK_INT(archiso_entry_parse(bls_2021, sizeof(bls_2021) - 1, "x.conf", &e, err,
	    sizeof(err)), 1);
	CHECK_INT(e.n_initrd, 3);
	CHECK_STR(e.initrd[0], "/arch/boot/intel-ucode.img");
	CHECK_STR(e.initrd[2], "/arch/boot/x86_64/initramfs-linux.img");
	CHECK_STR(e.options, "archisobasedir=arch archisolabel=ARCH_202101 console=ttyS0,115200");
}

TEST(archiso_bls_skips_non_linux_and_rejects_overlong)
{
	static const char memtest[] = "title Memtest86+\nefi /boot/memtest86+/memtest.efi\n";
	static const char empty[] = "# nothing\n\n";
	struct archiso_entry e;
	char err[256], big[ARCHISO_MAX_OPTIONS + 64];

	CHECK_INT(archiso_entry_parse(memtest, sizeof(memtest) - 1, "03.conf", &e, err,
	    sizeof(err)), 0);
	CHECK(strstr(err, "03.conf: an EFI program") != NULL);
	CHECK_INT(archiso_entry_parse(empty, sizeof(empty) - 1, "e.conf", &e, err,
	    sizeof(err)), 0);
	CHECK(strstr(err, "no linux line") != NULL);
	memset(big, 'a', sizeof(big));
	memcpy(big, "linux /k\noptions ", 17);
	CHECK_INT(archiso_entry_parse(big, sizeof(big), "big.conf", &e, err, sizeof(err)), -1);
	CHECK(strstr(err, "big.conf:2: value too long") != NULL);
}

static const char syslinux_pxe[] =
    "INCLUDE archiso_head.cfg\n"
    "LABEL arch64_nbd\n"
    "TEXT HELP\n"
    "LINUX /evil\n"
    "ENDTEXT\n"
    "MENU LABEL Arch Linux install medium (x86_64, NBD)\n"
    "LINUX ::/arch/boot/x86_64/vmlinuz-linux\n"
    "INITRD ::/arch/boot/intel-ucode.img,::/arch/boot/amd-ucode.img,::/arch/boot/x86_64/initramfs-linux.img\n"
    "APPEND archisobasedir=arch archisolabel=ARCH_202101 archiso_nbd_srv=${pxeserver}\n"
    "SYSAPPEND 3\n"
    "\n"
    "label hdt\n"
    "menu label Hardware Information (HDT)\n"
    "com32 hdt.c32\n"
    "\n"
    "LABEL reboot\n"
    "MENU LABEL Reboot\n"
    "KERNEL reboot.c32\n";

static void
count_note(void *ctx, const char *msg)
{
	(void)msg;
	(*(int *)ctx)++;
}

TEST(archiso_syslinux_entries)
{
	struct archiso_entry e[4];
	size_t n = 0;
	int notes = 0;

	archiso_syslinux_parse(syslinux_pxe, sizeof(syslinux_pxe) - 1, "pxe.cfg", e, &n, 4,
	    count_note, &notes);
	CHECK_INT(n, 1);
	CHECK_INT(notes, 2); /* hdt and reboot are not Linux */
	CHECK_STR(e[0].title, "Arch Linux install medium (x86_64, NBD)");
	CHECK_STR(e[0].kernel, "/arch/boot/x86_64/vmlinuz-linux");
	CHECK_INT(e[0].n_initrd, 3);
	CHECK_STR(e[0].initrd[1], "/arch/boot/amd-ucode.img");
}

static void
make_iso(struct archiso *a, const char *name, int signed_)
{
	memset(a, 0, sizeof(*a));
	archiso_name(name, a->name, sizeof(a->name));
	snprintf(a->basedir, sizeof(a->basedir), "arch");
	snprintf(a->date, sizeof(a->date), "2024-09-01");
	a->has_cms_sig = signed_;
}

TEST(archiso_cmdline_replaces_medium_options)
{
	struct archiso a;
	struct archiso_entry e;
	char err[256], out[ARCHISO_MAX_CMDLINE];
	int notes = 0;

	make_iso(&a, "/isos/archlinux-2021.01.01-x86_64.iso", 1);
	archiso_entry_parse(bls_2021, sizeof(bls_2021) - 1, "x.conf", &e, err, sizeof(err));
	CHECK_INT(archiso_cmdline(&a, &e, "http://10.99.0.1", out, sizeof(out), count_note,
	    &notes), 0);
	CHECK_STR(out, "initrd=intel-ucode.img initrd=amd-ucode.img "
	    "initrd=initramfs-linux.img archisobasedir=arch console=ttyS0,115200 "
	    "archiso_http_srv=http://10.99.0.1/iso/archlinux-2021.01.01-x86_64/ ip=dhcp "
	    "BOOTIF=01-${netX/mac:hexhyp} script=http://10.99.0.1/script.cfg cms_verify=y");
	CHECK_INT(notes, 0);
	/* Too small a buffer is an error, not a truncated line. */
	CHECK_INT(archiso_cmdline(&a, &e, "http://10.99.0.1", out, 40, NULL, NULL), -1);
}

TEST(archiso_cmdline_drops_unsafe_options)
{
	struct archiso a;
	struct archiso_entry e;
	char err[256], out[ARCHISO_MAX_CMDLINE];
	static const char hostile[] =
	    "linux /k\n"
	    "options a=$(reboot) b=\"x y\" c=`id` d=1;reboot e=${net0/ip} f||g ok=1 script=http://evil/\n";
	int notes = 0;

	make_iso(&a, "x.iso", 0);
	archiso_entry_parse(hostile, sizeof(hostile) - 1, "h.conf", &e, err, sizeof(err));
	CHECK_INT(archiso_cmdline(&a, &e, "http://s", out, sizeof(out), count_note, &notes), 0);
	CHECK_STR(out, "ok=1 archiso_http_srv=http://s/iso/x/ ip=dhcp "
	    "BOOTIF=01-${netX/mac:hexhyp} script=http://s/script.cfg");
	CHECK_INT(notes, 6);
}

TEST(archiso_names_are_url_and_ipxe_safe)
{
	char out[ARCHISO_MAX_NAME];

	archiso_name("/a/b/archlinux-2024.09.01-x86_64.iso", out, sizeof(out));
	CHECK_STR(out, "archlinux-2024.09.01-x86_64");
	archiso_name("my arch$(x) ISO.iso", out, sizeof(out));
	CHECK_STR(out, "my_arch__x__ISO");
	archiso_name("-rf.iso", out, sizeof(out));
	CHECK_STR(out, "_rf");
	archiso_name(".iso", out, sizeof(out));
	CHECK_STR(out, "iso");
	CHECK(archiso_server_ok("http://10.99.0.1"));
	CHECK(archiso_server_ok("http://[fd00::1]:8080"));
	CHECK(!archiso_server_ok("http://10.99.0.1/"));
	CHECK(!archiso_server_ok("http://a$b"));
	CHECK(!archiso_server_ok("https://a"));
}

TEST(archiso_ipxe_menu_quotes_titles)
{
	struct archiso a;
	const struct archiso *list[1] = { &a };
	struct archiso_menu menu = { "http://10.0.0.1", 5, 0, 0 };
	struct buf out;

	make_iso(&a, "arch.iso", 0);
	a.n_entries = 1;
	snprintf(a.entries[0].title, sizeof(a.entries[0].title), "-Evil ${x} | goto y");
	snprintf(a.entries[0].kernel, sizeof(a.entries[0].kernel), "/arch/boot/vm linuz");
	a.entries[0].n_initrd = 1;
	snprintf(a.entries[0].initrd[0], sizeof(a.entries[0].initrd[0]), "/arch/i.img");
	buf_init(&out);
	archiso_ipxe(list, 1, &menu, &out, NULL, NULL);
	CHECK(!buf_failed(&out));
	CHECK(strncmp(out.data, "#!ipxe\n", 7) == 0);
	CHECK(strstr(out.data, "item iso0-e0   _Evil __x_ _ goto y\n") != NULL);
	CHECK(strstr(out.data, "choose --timeout 5000 --default iso0-e0 target") != NULL);
	CHECK(strstr(out.data, "kernel http://10.0.0.1/iso/arch/arch/boot/vm%20linuz "
	    "initrd=i.img archiso_http_srv=") != NULL);
	CHECK(strstr(out.data, "initrd http://10.0.0.1/iso/arch/arch/i.img || goto failed\n")
	    != NULL);
	CHECK(strstr(out.data, ":failed\n") != NULL);
	buf_free(&out);

	/* No ISO at all: still a valid menu that says why. */
	buf_init(&out);
	archiso_ipxe(list, 0, &menu, &out, NULL, NULL);
	CHECK(strstr(out.data, "No verified Arch ISO") != NULL);
	CHECK(strstr(out.data, "--default shell") != NULL);
	buf_free(&out);
}
