/*
 * pxestick: one static binary, several commands (`pxestick COMMAND ...`).
 */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "archiso/archiso_cli.h"
#include "iso/iso_cli.h"
#include "keyinject/keys_cli.h"
#include "serve/serve.h"
#include "status/status_cli.h"

static int
status_main(int argc, char **argv)
{
	return status_cli_main(argc, argv, serve_state_dir);
}

static int
clients_main(int argc, char **argv)
{
	return clients_cli_main(argc, argv, serve_state_dir);
}

static int
top_main(int argc, char **argv)
{
	return top_cli_main(argc, argv, serve_state_dir);
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
};

static void
usage(FILE *f)
{
	fputs("usage: pxestick COMMAND [ARGS...]\n"
	    "       pxestick COMMAND --help\n\n"
	    "An offline netboot server for the Arch Linux ISO.\n\ncommands:\n", f);
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_LEN(commands); i++) {
		if (strcmp(argv[1], commands[i].name) == 0) {
			log_set_program("pxestick");
			return commands[i].main(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "pxestick: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
