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

/* Before archiso v50: paths relative to syslinux' working directory,
 * hotkey markers in titles; and initrds given on the APPEND line. */
TEST(archiso_syslinux_relative_paths_hotkeys_append_initrd)
{
	static const char old[] =
	    "LABEL arch64\n"
	    "MENU LABEL Arch Linux (x86_64, BIOS) with ^speech\n"
	    "LINUX boot/x86_64/vmlinuz\n"
	    "INITRD boot/intel_ucode.img,boot/amd_ucode.img,boot/x86_64/archiso.img\n"
	    "APPEND archisobasedir=arch archisolabel=ARCH_201912\n"
	    "LABEL other\n"
	    "LINUX /k\n"
	    "APPEND initrd=/a.img,/b.img quiet\n";
	struct archiso_entry e[4];
	size_t n = 0;

	archiso_syslinux_parse(old, sizeof(old) - 1, "sys.cfg", e, &n, 4, NULL, NULL);
	CHECK_INT(n, 2);
	CHECK_STR(e[0].title, "Arch Linux (x86_64, BIOS) with speech");
	CHECK_STR(e[0].kernel, "boot/x86_64/vmlinuz");       /* archiso_load resolves */
	CHECK_STR(e[0].initrd[2], "boot/x86_64/archiso.img");
	CHECK_INT(e[1].n_initrd, 2);
	CHECK_STR(e[1].initrd[1], "/b.img");
	CHECK_STR(e[1].options, "quiet");
}

static void
make_iso(struct archiso *a, const char *name, int signed_)
{
	memset(a, 0, sizeof(*a));
	archiso_name(name, a->name, sizeof(a->name));
	snprintf(a->basedir, sizeof(a->basedir), "arch");
	snprintf(a->date, sizeof(a->date), "2024-09-01");
	snprintf(a->rootfs, sizeof(a->rootfs), "airootfs.sfs");
	a->has_cms_sig = signed_;
	a->has_sha512 = 1;
}

static const struct archiso_boot boot_default = {
	"http://10.99.0.1", ARCHISO_VERIFY_CHECKSUM, "1G", 1, NULL
};

TEST(archiso_cmdline_replaces_medium_options)
{
	struct archiso a;
	struct archiso_entry e;
	char err[256], out[ARCHISO_MAX_CMDLINE];
	int notes = 0;

	make_iso(&a, "/isos/archlinux-2021.01.01-x86_64.iso", 1);
	archiso_entry_parse(bls_2021, sizeof(bls_2021) - 1, "x.conf", &e, err, sizeof(err));
	CHECK_INT(archiso_cmdline(&a, &e, &boot_default, out, sizeof(out), count_note,
	    &notes), 0);
	CHECK_STR(out, "initrd=intel-ucode.img initrd=amd-ucode.img "
	    "initrd=initramfs-linux.img archisobasedir=arch console=ttyS0,115200 "
	    "archiso_http_srv=http://10.99.0.1/iso/archlinux-2021.01.01-x86_64/ ip=dhcp "
	    "BOOTIF=01-${netX/mac:hexhyp} checksum=y cow_spacesize=1G "
	    "systemd.wants=network-online.target script=http://10.99.0.1/script.cfg");
	CHECK_INT(notes, 0);
	/* Too small a buffer is an error, not a truncated line. */
	CHECK_INT(archiso_cmdline(&a, &e, &boot_default, out, 40, NULL, NULL), -1);
}

/* verify = checksum | cms | none, each only where the ISO has its file;
 * the ISO's own "checksum verify" (GnuPG) never passes through; no
 * script= when script.cfg is not served. */
TEST(archiso_cmdline_verify_modes_and_script)
{
	static const char pxe[] = "linux /k\noptions archisobasedir=arch checksum verify "
	    "copytoram cow_spacesize=256M\n";
	static const struct {
		enum archiso_verify v;
		int sha, cms, script;
		const char *want;
	} t[] = {
		{ ARCHISO_VERIFY_CHECKSUM, 1, 1, 1, " checksum=y cow_spacesize=1G "
		    "systemd.wants=network-online.target script=http://s/script.cfg" },
		{ ARCHISO_VERIFY_CHECKSUM, 0, 1, 1, " cow_spacesize=1G "
		    "systemd.wants=network-online.target script=http://s/script.cfg" },
		{ ARCHISO_VERIFY_CMS, 1, 1, 0, " cms_verify=y cow_spacesize=1G "
		    "systemd.wants=network-online.target" },
		{ ARCHISO_VERIFY_CMS, 1, 0, 0, " cow_spacesize=1G "
		    "systemd.wants=network-online.target" },
		{ ARCHISO_VERIFY_NONE, 1, 1, 1, " cow_spacesize=1G "
		    "systemd.wants=network-online.target script=http://s/script.cfg" },
	};
	struct archiso a;
	struct archiso_entry e;
	char err[256], out[ARCHISO_MAX_CMDLINE];

	archiso_entry_parse(pxe, sizeof(pxe) - 1, "p.conf", &e, err, sizeof(err));
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct archiso_boot b = { "http://s", t[i].v, "1G", t[i].script, NULL };
		const char *tail;

		make_iso(&a, "x.iso", t[i].cms);
		a.has_sha512 = t[i].sha;
		CHECK_INT(archiso_cmdline(&a, &e, &b, out, sizeof(out), NULL, NULL), 0);
		tail = strstr(out, "BOOTIF=01-${netX/mac:hexhyp}");
		CHECK(strncmp(out, "archisobasedir=arch archiso_http_srv=", 37) == 0);
		if (tail == NULL || strcmp(tail + 28, t[i].want) != 0)
			test_fail(__FILE__, __LINE__, "row %zu: \"%s\"", i, out);
	}
}

TEST(archiso_ram_formula)
{
	struct archiso a;
	struct archiso_entry e;

	make_iso(&a, "x.iso", 0);
	memset(&e, 0, sizeof(e));
	/* 2 x 800 MiB + 4 x 100 MiB + the base, rounded up to 64 MiB */
	a.rootfs_size = 800ull << 20;
	e.boot_bytes = 100ull << 20;
	CHECK_INT(archiso_ram_mib(&a, &e), (1600 + 400 + ARCHISO_RAM_BASE_MIB + 63) / 64 * 64);
	a.rootfs_size = 1;
	e.boot_bytes = 1;
	CHECK_INT(archiso_ram_mib(&a, &e), (1 + ARCHISO_RAM_BASE_MIB + 63) / 64 * 64);
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
	{
		struct archiso_boot b = { "http://s", ARCHISO_VERIFY_NONE, "", 1, NULL };

		CHECK_INT(archiso_cmdline(&a, &e, &b, out, sizeof(out), count_note, &notes), 0);
	}
	CHECK_STR(out, "ok=1 archiso_http_srv=http://s/iso/x/ ip=dhcp "
	    "BOOTIF=01-${netX/mac:hexhyp} systemd.wants=network-online.target "
	    "script=http://s/script.cfg");
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
	struct archiso_menu menu = { { "http://10.0.0.1", ARCHISO_VERIFY_CHECKSUM, "", 1, NULL }, 5,
		0, 0, 0, ARCHISO_DEFAULT_ENTRY, NULL };
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
	CHECK(strstr(out.data, "item iso0-e0   _Evil __x_ _ goto y  [") != NULL);
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

/* The menu knows the client's RAM: an entry too big for it says so and
 * returns to the menu, and a default that does not fit waits for a key.
 * Memtest86+ is offered per firmware. */
TEST(archiso_ipxe_ram_check_and_memtest)
{
	struct archiso a;
	const struct archiso *list[1] = { &a };
	struct archiso_menu menu = { { "http://10.0.0.1", ARCHISO_VERIFY_CHECKSUM, "", 1, NULL }, 5,
		0, 0, 1024, ARCHISO_DEFAULT_ENTRY, NULL };
	struct buf out;

	make_iso(&a, "arch.iso", 0);
	a.n_entries = 1;
	snprintf(a.entries[0].title, sizeof(a.entries[0].title), "Arch");
	snprintf(a.entries[0].kernel, sizeof(a.entries[0].kernel), "/arch/boot/k");
	a.entries[0].ram_mib = 2368;
	snprintf(a.memtest_bios, sizeof(a.memtest_bios), "/boot/memtest86+/memtest");
	snprintf(a.memtest_efi, sizeof(a.memtest_efi), "/boot/memtest86+/memtest.efi");
	buf_init(&out);
	archiso_ipxe(list, 1, &menu, &out, NULL, NULL);
	CHECK(strstr(out.data, "item iso0-e0   Arch  [needs 2368 MiB RAM, this machine has 1024]")
	    != NULL);
	CHECK(strstr(out.data, "echo This ISO needs 2368 MiB of RAM, this machine has 1024 MiB:")
	    != NULL);
	CHECK(strstr(out.data, "kernel http://10.0.0.1/iso/arch/arch/boot/k") == NULL);
	CHECK(strstr(out.data, "choose --default iso0-e0 target") != NULL);    /* no timeout */
	CHECK(strstr(out.data, "item iso0-memtest") != NULL);
	CHECK(strstr(out.data, "kernel http://10.0.0.1/iso/arch/boot/memtest86%2B/memtest || "
	    "goto failed") != NULL);
	CHECK(strstr(out.data, "chain http://10.0.0.1/iso/arch/boot/memtest86%2B/memtest.efi || "
	    "goto failed") != NULL);
	buf_free(&out);
	/* Enough RAM: it boots; the title says what it needs. */
	menu.client_mib = 4096;
	buf_init(&out);
	archiso_ipxe(list, 1, &menu, &out, NULL, NULL);
	CHECK(strstr(out.data, "item iso0-e0   Arch  [2368 MiB RAM]") != NULL);
	CHECK(strstr(out.data, "kernel http://10.0.0.1/iso/arch/arch/boot/k") != NULL);
	CHECK(strstr(out.data, "choose --timeout 5000 --default iso0-e0 target") != NULL);
	buf_free(&out);
	/* The first step asks again with the RAM; a query's plain bytes go on. */
	buf_init(&out);
	archiso_ipxe_probe("http://10.0.0.1", "entry=arch:1&x=$(y)", 19, &out);
	CHECK(strstr(out.data, "chain --autofree http://10.0.0.1/boot.ipxe?memsize=${memsize}"
	    "&dimm=${smbios/0.17.12.2:hexraw},${smbios/1.17.12.2:hexraw},") != NULL);
	CHECK(strstr(out.data, "&dimmx=${smbios/0.17.28.4:hexraw},") != NULL);
	CHECK(strstr(out.data, "${smbios/15.17.28.4:hexraw}&entry=arch:1&x=y\n") != NULL);
	buf_free(&out);
	/* iPXE percent-encodes the ':' of a DHCP-given "?entry=NAME:0": it is
	 * decoded, not dropped with the '%' (that made "NAME3A0"); an escape
	 * that decodes to an unsafe byte is dropped like the byte. */
	buf_init(&out);
	archiso_ipxe_probe("http://10.0.0.1", "entry=arch-v87%3A0&x=%24%28y%29%zz", 34, &out);
	CHECK(strstr(out.data, "&entry=arch-v87:0&x=yzz\n") != NULL);
	buf_free(&out);
}

/* The client's RAM from what iPXE reported: its own ${memsize} where it
 * has one, else the SMBIOS memory devices (QEMU -m 20480 shows two: 16
 * GiB and 4 GiB), with SMBIOS' special sizes. */
TEST(archiso_client_mib_from_memsize_or_smbios)
{
	static const struct {
		const char *memsize, *dimm, *dimmx;
		unsigned want;
	} t[] = {
		{ "3072", ",,", "", 3072 },
		{ "", "0040,0010,,,", "", 20480 },              /* 0x4000 + 0x1000 MiB */
		{ "", "000c", "", 3072 },
		{ "", "0000,ffff,0008", "", 2048 },             /* empty, unknown, 2 GiB */
		{ "", "ff7f,0008", "00800000,", 32768 + 2048 },  /* extended: 0x8000 MiB */
		{ "", "0080", "", 0 },                          /* bit 15: 0 KiB */
		{ "", "0088", "", 2 },                          /* 2048 KiB */
		{ "", "zz40,00100,0040", "", 16384 },           /* junk fields are skipped */
		{ "", "", "", 0 },
		{ NULL, NULL, NULL, 0 },
		{ "abc", NULL, NULL, 0 },
		{ "", "ff7f", "ffffffff", 0x7fffffff },         /* over the cap: capped */
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		unsigned got = archiso_client_mib(t[i].memsize,
		    t[i].memsize ? strlen(t[i].memsize) : 0, t[i].dimm,
		    t[i].dimm ? strlen(t[i].dimm) : 0, t[i].dimmx, t[i].dimmx ? strlen(t[i].dimmx) : 0);
		unsigned want = t[i].want > ARCHISO_MAX_CLIENT_MIB ? ARCHISO_MAX_CLIENT_MIB : t[i].want;

		if (got != want)
			test_fail(__FILE__, __LINE__, "row %zu: %u MiB, want %u", i, got, want);
	}
}
