/*
 * pxestick: one static binary, several commands (`pxestick COMMAND ...`).
 */
#include <stdio.h>
#include <string.h>

#include "common/args.h"
#include "common/log.h"
#include "common/util.h"
#include "common/version.h"
#include "archiso/archiso_cli.h"
#include "iso/iso_cli.h"
#include "keyinject/keys_cli.h"
#include "serve/serve.h"
#include "status/status_cli.h"
#include "stick/stick_cli.h"

static int
status_main(int argc, char **argv)
{
	return status_cli_main(argc, argv, serve_socket_path);
}

static int
clients_main(int argc, char **argv)
{
	return clients_cli_main(argc, argv, serve_socket_path);
}

static int
support_main(int argc, char **argv)
{
	return support_cli_main(argc, argv, serve_socket_path);
}

static int
top_main(int argc, char **argv)
{
	return top_cli_main(argc, argv, serve_socket_path);
}

struct command {
	const char *name;
	const char *summary;
	int (*main)(int argc, char **argv);
};

static const struct command commands[] = {
	{ "serve", "run the netboot server (HTTP, HTTPS, TFTP, DHCP)", serve_main },
	{ "iso", "read files out of an ISO 9660 image (info, ls, cat, extract)", iso_cli_main },
	{ "keys", "check authorized_keys, write script.cfg (check, script)", keys_cli_main },
	{ "archiso", "Arch ISO boot entries, boot.ipxe and airootfs verification", archiso_cli_main },
	{ "status", "what the running server sees: clients, phases, downloads", status_main },
	{ "clients", "the running server's client rules and boot-once records", clients_main },
	{ "top", "full-screen dashboard of the running server's clients", top_main },
	{ "support", "the running server's support bundle (.tar.gz) to standard output", support_main },
	{ "stick", "write the image onto a stick, grow its partition table, make its FAT (write, grow, mkfs)", stick_cli_main },
};

static void
usage(FILE *f)
{
	fputs("usage: pxestick COMMAND [ARGS...]\n"
	    "       pxestick COMMAND --help\n"
	    "       pxestick --version\n\n"
	    "An offline netboot server for the Arch Linux ISO.\n"
	    "Options take --key value or --key=value; -- ends them (what follows\n"
	    "is a file name even when it starts with -).\n\ncommands:\n", f);
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

/* The command named argv[1], or NULL after saying which one was meant. */
static const struct command *
find_command(const char *name)
{
	const char *names[ARRAY_LEN(commands)];
	const char *near;

	for (size_t i = 0; i < ARRAY_LEN(commands); i++) {
		if (strcmp(name, commands[i].name) == 0)
			return &commands[i];
		names[i] = commands[i].name;
	}
	near = args_closest(name, names, ARRAY_LEN(names));
	fprintf(stderr, "pxestick: unknown command '%s'%s%s%s\n", name,
	    near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
	return NULL;
}

int
main(int argc, char **argv)
{
	const struct command *cmd;
	char **args;
	int rc;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("pxestick %s\n", pxestick_version);
		return 0;
	}
	if ((cmd = find_command(argv[1])) == NULL) {
		usage(stderr);
		return 2;
	}
	argc--;
	if ((args = args_normalize(&argc, argv + 1)) == NULL) {
		fputs("pxestick: out of memory\n", stderr);
		return 1;
	}
	log_set_program("pxestick");
	rc = cmd->main(argc, args);
	args_free(args);
	return rc;
}
