/*
 * `pxestick serve`: one process, one event loop, every service in it.
 *
 * Start-up follows "acquire, then drop, then serve": settings, the file
 * tree (ISOs verified), every listening socket, then -- when started as
 * root -- the switch to an unprivileged user with no_new_privs, and only
 * then the first packet is read.
 */
#ifndef PXESTICK_SERVE_H
#define PXESTICK_SERVE_H

#include "common/loop.h"
#include "serve/settings.h"
#include "vfs/vfs.h"

struct http_server;
struct tftp_server;
struct dhcp_server;
struct status;
struct status_server;

struct serve {
	struct loop loop;
	struct settings cfg;
	struct vfs *vfs;        /* the current tree; services take references */
	int argc;               /* the flags, re-applied on reload */
	char **argv;
	const char *config;
	struct http_server *http, *https;
	struct tftp_server *tftp;
	struct dhcp_server *dhcp;
	struct status *status;  /* the client table services report to, or NULL */
	struct status_server *status_srv;
};

int serve_main(int argc, char **argv);

#endif
