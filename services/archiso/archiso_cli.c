/*
 * `pxestick archiso entries|ipxe|verify`: Arch ISO knowledge from the
 * shell, through the same code the server uses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archiso/archiso.h"
#include "archiso/archiso_cli.h"
#include "common/util.h"

#define EXIT_PROBLEM 1
#define EXIT_BAD     2

static const char archiso_usage[] =
    "usage: pxestick archiso entries ISO...\n"
    "       pxestick archiso ipxe --server URL [--timeout SECONDS] ISO...\n"
    "       pxestick archiso verify ISO...\n"
    "\n"
    "  entries  the Linux boot entries each ISO carries, and their netboot options\n"
    "  ipxe     print boot.ipxe: a menu over every entry of every ISO\n"
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

static int
cmd_entries(int argc, char **argv)
{
	int status = 0;

	if (argc < 2)
		return usage_error("entries takes one or more ISOs");
	for (int i = 1; i < argc; i++) {
		struct loaded l;
		int rc = load_one(argv[i], &l);

		status = worst(status, rc);
		if (rc == 0) {
			const struct archiso *a = l.a;

			printf("%s: name %s, date %s, basedir %s, signed %s\n", argv[i], a->name,
			    a->date[0] ? a->date : "-", a->basedir, a->has_cms_sig ? "yes" : "no");
			for (size_t j = 0; j < a->n_entries; j++) {
				const struct archiso_entry *e = &a->entries[j];
				char cmd[ARCHISO_MAX_CMDLINE];

				printf("  [%zu] %s\n", j, e->title);
				printf("      source:  %s\n", e->source);
				printf("      linux:   %s\n", e->kernel);
				for (size_t k = 0; k < e->n_initrd; k++)
					printf("      initrd:  %s\n", e->initrd[k]);
				printf("      options: %s\n", e->options);
				if (archiso_cmdline(a, e, "http://SERVER", cmd, sizeof(cmd),
				    note_stderr, NULL) == 0)
					printf("      netboot: %s\n", cmd);
			}
		}
		unload(&l);
	}
	return status;
}

static int
cmd_ipxe(int argc, char **argv)
{
	struct archiso_menu menu = { NULL, 10, 0, 0 };
	const struct archiso **isos;
	struct loaded *all;
	struct buf out;
	int i, n = 0, status = 0;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		uint64_t v;

		if (strcmp(argv[i], "--server") == 0 && i + 1 < argc) {
			menu.server = argv[++i];
		} else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
			if (parse_u64(argv[++i], 0, 3600, &v) != 0)
				return usage_error("--timeout takes 0..3600 seconds");
			menu.timeout_s = (unsigned)v;
		} else {
			return usage_error("unknown option");
		}
	}
	if (menu.server == NULL || i == argc)
		return usage_error("ipxe takes --server URL and one or more ISOs");
	/* The URL lands in a script and on kernel command lines. */
	if (!archiso_server_ok(menu.server))
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
