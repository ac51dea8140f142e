/*
 * The status service inside `pxestick serve`: the table (status.h) and
 * its adapters -- the neighbour table (status_arp.c), the SSH checks
 * (status_ssh.c), the local socket `pxestick status` and `pxestick top`
 * read (status_sock.c) -- tied to the event loop (status_serve.c).
 */
#ifndef PXESTICK_STATUS_INTERNAL_H
#define PXESTICK_STATUS_INTERNAL_H

#include <netinet/in.h>
#include <sys/un.h>

#include "common/buf.h"
#include "common/limits.h"
#include "common/list.h"
#include "common/loop.h"
#include "status/status.h"
#include "status/status_serve.h"

/* The socket's name in the state directory. */
#define STATUS_SOCK_NAME "pxestick.sock"

/* ---- the request line of the status socket ---- */

enum status_sock_what { STATUS_SOCK_JSON, STATUS_SOCK_TEXT, STATUS_SOCK_TOP };

struct status_sock_req {
	enum status_sock_what what;
	unsigned cols, rows;            /* TOP */
	enum status_view view;          /* TOP */
	int color;                      /* TOP */
};

/*
 * Parse one request line (the bytes before '\n', at most
 * STATUS_MAX_REQUEST):
 *
 *   json
 *   text
 *   top COLS ROWS [clients|log] [color]
 *
 * COLS and ROWS are clamped to what status_screen() draws.  0, or -1
 * (anything else).
 */
int status_sock_parse(const char *p, size_t len, struct status_sock_req *rq);

/* ---- the neighbour table ---- */

/*
 * Find ip's hardware address in text[0..len) in the format of
 * /proc/net/arp (a header line, then "IP HWtype Flags HWaddress Mask
 * Device"); only complete entries (flag 0x2) count.  0, or -1.
 */
int status_arp_find(const char *text, size_t len, struct in_addr ip, uint8_t mac[6]);

/* status_resolve_fn over the file named by ctx (a const char *, e.g.
 * "/proc/net/arp").  Loopback and IPv6 addresses are never looked up. */
int status_arp_resolve(void *ctx, const struct status_addr *a, uint8_t mac[6]);

/* ---- the service ---- */

struct status_server;

struct status_sock_conn {
	struct loop_fd h;
	struct loop_timer timer;
	struct status_server *ss;
	struct list_node node;          /* in ss->conns */
	char in[STATUS_MAX_REQUEST];
	size_t in_len;
	struct buf out;
	size_t out_off;
	int writing;
};

struct status_probe {
	struct loop_fd h;
	struct loop_timer timer;
	struct status_server *ss;
	int busy, connected;
	size_t slot;
	uint32_t gen;
	char in[STATUS_MAX_BANNER * 2];
	size_t in_len;
};

struct status_server {
	struct status_server_config cfg;
	struct loop *loop;
	struct status table;
	struct loop_timer tick;
	uint64_t started;
	/* the socket */
	struct loop_fd listen;          /* fd -1: none */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct list conns;              /* of struct status_sock_conn */
	/* SSH checks */
	struct status_probe probes[STATUS_MAX_SSH_PROBES];
	uint16_t ssh_port;
};

/* What the appliance serves, for the renderers (status_serve.c). */
void status_server_info(struct status_server *ss, struct status_info *in);

/* The socket: open it (before the privilege drop), close it. */
int status_sock_open(struct status_server *ss, const char *path);
void status_sock_close(struct status_server *ss);

/* The SSH checks: start those due (each tick), end them all. */
void status_ssh_tick(struct status_server *ss, uint64_t now);
void status_ssh_stop(struct status_server *ss);

#endif
