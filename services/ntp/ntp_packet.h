/*
 * NTP packets for a small SNTP server (RFC 5905 7.3, answered as RFC 4330
 * 5 and 6 say): pure functions over bytes and times, no I/O.
 *
 * The server has one clock and no upstream: it answers mode-3 client
 * requests with what its clock says, as a local reference clock does
 * (stratum 10, like ntpd's LOCAL driver and chrony's `local stratum 10`).
 * When its clock is plainly wrong (earlier than the floor the caller
 * gives: the newest ISO's build date) it says it is unsynchronized
 * instead (LI 3, stratum 16), which every client refuses -- better no
 * time than a time that makes every signature check fail.
 */
#ifndef PXESTICK_NTP_PACKET_H
#define PXESTICK_NTP_PACKET_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define NTP_PACKET_LEN 48       /* the header; extension fields and MACs follow */
#define NTP_STRATUM_LOCAL 10
/* Seconds from 1900-01-01 (NTP's era 0) to 1970-01-01. */
#define NTP_UNIX_OFFSET 2208988800u

/* A 64-bit NTP timestamp: seconds since 1900 (mod 2^32) and a fraction. */
struct ntp_ts {
	uint32_t sec, frac;
};

struct ntp_ts ntp_ts_from(const struct timespec *t);

/*
 * Is p[0..len) a request we answer?  0; or -1 with why pointing at a
 * static reason (too short, not mode 3, unknown version).  Anything after
 * the 48-byte header (extension fields, a MAC) is ignored.
 */
int ntp_request_check(const uint8_t *p, size_t len, const char **why);

/* What the answer says. */
struct ntp_answer {
	struct timespec received;       /* when the request arrived */
	struct timespec sent;           /* now, as the reply leaves */
	struct timespec reference;      /* when the clock was last known right */
	int synced;                     /* 0: LI 3, stratum 16 (do not use) */
};

/* The 48-byte reply to the checked request req, into out. */
void ntp_reply_build(const uint8_t *req, const struct ntp_answer *a, uint8_t out[NTP_PACKET_LEN]);

#endif
