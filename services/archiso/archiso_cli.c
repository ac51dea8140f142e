/*
 * `pxestick archiso entries|ipxe|verify`: Arch ISO knowledge from the
 * shell, through the same code the server uses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archiso/archiso.h"
#include "archiso/archiso_cli.h"
#include "common/args.h"
#include "common/util.h"

#define EXIT_PROBLEM 1
#define EXIT_BAD     2

static const char archiso_usage[] =
    "usage: pxestick archiso entries [--verify checksum|cms|none] ISO...\n"
    "       pxestick archiso ipxe --server URL [--timeout SECONDS] [--verify MODE]\n"
    "                             [--memsize MIB] ISO...\n"
    "       pxestick archiso verify ISO...\n"
    "\n"
    "  entries  the Linux boot entries each ISO carries, their netboot options\n"
    "           and the client RAM each needs\n"
    "  ipxe     print boot.ipxe: a menu over every entry of every ISO (as a\n"
    "           client with MIB of RAM gets it)\n"
    "  verify   check airootfs against the checksum the ISO ships\n"
    "Exit status: 0 ok, 1 an ISO has no entry or fails verification,\n"
    "2 bad image or usage.\n";

static int
usage_error(const char *msg)
{
	if (msg != NULL)
		fprintf(stderr, "pxestick archiso: %s\n", msg);
	fputs(archiso_usage, stderr);
	return EXIT_BAD;
}

/* "unknown option", naming the closest of this tool's options. */
static int
unknown_option(const char *given)
{
	static const char *const known[] = { "--server", "--timeout", "--memsize",
		"--verify", "--help" };
	const char *near = args_closest(given, known, ARRAY_LEN(known));

	fprintf(stderr, "pxestick archiso: unknown option '%s'%s%s%s\n", given,
	    near ? " (did you mean " : "", near ? near : "", near ? "?)" : "");
	fputs(archiso_usage, stderr);
	return EXIT_BAD;
}

static void
note_stderr(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "pxestick archiso: note: %s\n", msg);
}

/* Open and load each ISO; failures are reported and counted. */
struct loaded {
	struct iso_image *img;
	struct archiso *a;
};

static int
load_one(const char *path, struct loaded *l)
{
	char err[512];

	l->a = NULL;
	l->img = iso_open(path, err, sizeof(err));
	if (l->img == NULL) {
		fprintf(stderr, "pxestick archiso: %s\n", err);
		return EXIT_BAD;
	}
	l->a = malloc(sizeof(*l->a));
	if (l->a == NULL) {
		fprintf(stderr, "pxestick archiso: %s: out of memory\n", path);
		return EXIT_BAD;
	}
	if (archiso_load(l->a, l->img, path, note_stderr, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "pxestick archiso: %s\n", err);
		return EXIT_PROBLEM;
	}
	return 0;
}

static void
unload(struct loaded *l)
{
	free(l->a);
	iso_close(l->img);
}

static int
worst(int a, int b)
{
	return a > b ? a : b;
}

/* --verify MODE: 1 when argv[*i] was it (and *i moved past its value),
 * 0 when it is another option, -1 on a bad value. */
static int
verify_option(int argc, char **argv, int *i, enum archiso_verify *v)
{
	if (strcmp(argv[*i], "--verify") != 0 || *i + 1 >= argc)
		return 0;
	return archiso_verify_parse(argv[++*i], v) == 0 ? 1 : -1;
}

static void
print_entries(const char *path, const struct archiso *a, const struct archiso_boot *boot)
{
	printf("%s: name %s, date %s, basedir %s, root image %s (%llu bytes), sha512 %s, "
	    "signed %s\n", path, a->name, a->date[0] ? a->date : "-", a->basedir, a->rootfs,
	    (unsigned long long)a->rootfs_size, a->has_sha512 ? "yes" : "no",
	    a->has_cms_sig ? "yes" : "no");
	for (size_t j = 0; j < a->n_entries; j++) {
		const struct archiso_entry *e = &a->entries[j];
		char cmd[ARCHISO_MAX_CMDLINE];

		printf("  [%zu] %s\n", j, e->title);
		printf("      source:  %s\n", e->source);
		printf("      linux:   %s\n", e->kernel);
		for (size_t k = 0; k < e->n_initrd; k++)
			printf("      initrd:  %s\n", e->initrd[k]);
		printf("      options: %s\n", e->options);
		printf("      RAM:     %u MiB\n", e->ram_mib);
		if (archiso_cmdline(a, e, boot, cmd, sizeof(cmd), note_stderr, NULL) == 0)
			printf("      netboot: %s\n", cmd);
	}
	if (a->memtest_bios[0] || a->memtest_efi[0])
		printf("  memtest86+: %s%s%s\n", a->memtest_bios, a->memtest_bios[0] &&
		    a->memtest_efi[0] ? ", " : "", a->memtest_efi);
}

static int
cmd_entries(int argc, char **argv)
{
	struct archiso_boot boot = { "http://SERVER", ARCHISO_VERIFY_CHECKSUM, "1G", 1, NULL };
	int i, status = 0, r;

	for (i = 1; i < argc && argv[i][0] == '-'; i++)
		if ((r = verify_option(argc, argv, &i, &boot.verify)) < 0)
			return usage_error("--verify is checksum, cms or none");
		else if (r == 0)
			return unknown_option(argv[i]);
	if (i == argc)
		return usage_error("entries takes one or more ISOs");
	for (; i < argc; i++) {
		struct loaded l;
		int rc = load_one(argv[i], &l);

		status = worst(status, rc);
		if (rc == 0)
			print_entries(argv[i], l.a, &boot);
		unload(&l);
	}
	return status;
}

static int
cmd_ipxe(int argc, char **argv)
{
	struct archiso_menu menu;
	const struct archiso **isos;
	struct loaded *all;
	struct buf out;
	int i, n = 0, status = 0, r;

	memset(&menu, 0, sizeof(menu));
	menu.boot.verify = ARCHISO_VERIFY_CHECKSUM;
	menu.boot.cow_spacesize = "1G";
	menu.boot.script = 1;
	menu.timeout_s = 10;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		uint64_t v;

		if (strcmp(argv[i], "--server") == 0 && i + 1 < argc) {
			menu.boot.server = argv[++i];
		} else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
			if (parse_u64(argv[++i], 0, 3600, &v) != 0)
				return usage_error("--timeout takes 0..3600 seconds");
			menu.timeout_s = (unsigned)v;
		} else if (strcmp(argv[i], "--memsize") == 0 && i + 1 < argc) {
			if (parse_u64(argv[++i], 0, 64u * 1024 * 1024, &v) != 0)
				return usage_error("--memsize takes MiB");
			menu.client_mib = (unsigned)v;
		} else if ((r = verify_option(argc, argv, &i, &menu.boot.verify)) < 0) {
			return usage_error("--verify is checksum, cms or none");
		} else if (r == 0) {
			return unknown_option(argv[i]);
		}
	}
	if (menu.boot.server == NULL || i == argc)
		return usage_error("ipxe takes --server URL and one or more ISOs");
	/* The URL lands in a script and on kernel command lines. */
	if (!archiso_server_ok(menu.boot.server))
		return usage_error("--server must look like http://10.99.0.1 or "
		    "http://host:8080 (no path, no trailing slash)");
	all = calloc((size_t)(argc - i), sizeof(*all));
	isos = calloc((size_t)(argc - i), sizeof(*isos));
	if (all == NULL || isos == NULL)
		return EXIT_BAD;
	for (; i < argc; i++) {
		int rc = load_one(argv[i], &all[n]);

		status = worst(status, rc);
		if (rc == 0)
			isos[n] = all[n].a;
		n++;
	}
	/* Only the ISOs that loaded go into the menu. */
	{
		int m = 0;

		for (int k = 0; k < n; k++)
			if (all[k].a != NULL && isos[k] != NULL)
				isos[m++] = isos[k];
		buf_init(&out);
		archiso_ipxe(isos, (size_t)m, &menu, &out, note_stderr, NULL);
	}
	if (buf_failed(&out) || write_all(1, out.data, out.len) != 0) {
		fprintf(stderr, "pxestick archiso: cannot write boot.ipxe\n");
		status = EXIT_BAD;
	}
	buf_free(&out);
	for (int k = 0; k < n; k++)
		unload(&all[k]);
	free(all);
	free(isos);
	return status;
}

static int
cmd_verify(int argc, char **argv)
{
	int status = 0;

	if (argc < 2)
		return usage_error("verify takes one or more ISOs");
	for (int i = 1; i < argc; i++) {
		struct loaded l;
		char err[512];
		int rc = load_one(argv[i], &l);

		if (rc == 0) {
			if (archiso_verify(l.a, err, sizeof(err)) == 0) {
				printf("%s: ok\n", argv[i]);
			} else {
				fprintf(stderr, "pxestick archiso: %s: FAILED: %s\n", argv[i], err);
				rc = EXIT_PROBLEM;
			}
		}
		status = worst(status, rc);
		unload(&l);
	}
	return status;
}

int
archiso_cli_main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "entries", cmd_entries }, { "ipxe", cmd_ipxe }, { "verify", cmd_verify },
	};

	if (argc < 2)
		return usage_error(NULL);
	for (int a = 1; a < argc; a++)
		if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0) {
			fputs(archiso_usage, stdout);
			return 0;
		}
	for (size_t i = 0; i < ARRAY_LEN(cmds); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	return usage_error("unknown archiso command");
}
