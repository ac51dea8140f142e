/*
 * The time server: SNTP over UDP (RFC 4330 server side, RFC 5905
 * packets), so that the Arch live system's systemd-timesyncd can set its
 * clock at a site with no other time source (pacman's keyring and every
 * signature check depend on it; releng holds pacman-init until
 * time-sync.target).  The time served is this machine's clock.
 */
#ifndef PXESTICK_NTP_H
#define PXESTICK_NTP_H

#include <stddef.h>
#include <stdint.h>

#include "common/loop.h"

struct ntp_server;

struct ntp_config {
	const char *listen;             /* address, "" for every IPv4 one */
	uint16_t port;                  /* 123 */
	/* Unix time the clock cannot be earlier than (the newest ISO's build
	 * date): before it, replies say "unsynchronized" and clients ignore
	 * them.  0: no floor. */
	int64_t not_before;
};

/* Listen as cfg says (copied).  The server, or NULL with err.  Must run
 * before privileges are dropped (port 123). */
struct ntp_server *ntp_server_start(struct loop *l, const struct ntp_config *cfg, char *err,
    size_t errlen);
/* Close it (its counts are logged).  NULL is fine. */
void ntp_server_stop(struct ntp_server *n);

/* Is the clock at or after the floor now?  1, or 0. */
int ntp_server_clock_ok(const struct ntp_server *n);
/* A new floor (the ISOs changed: a reload). */
void ntp_server_set_floor(struct ntp_server *n, int64_t not_before);

#endif
