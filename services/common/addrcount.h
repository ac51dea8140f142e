/*
 * How many of something (connections, transfers) each peer address has:
 * the per-client caps of the HTTP and TFTP servers.  An open-addressing
 * table sized once (no allocation after init), IPv4-mapped IPv6 counted
 * as the IPv4 address it maps, entries gone when their count is 0.
 */
#ifndef PXESTICK_COMMON_ADDRCOUNT_H
#define PXESTICK_COMMON_ADDRCOUNT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct addrcount_slot {
	uint8_t family;         /* 0: free */
	uint8_t a[16];
	unsigned n;
};

struct addrcount {
	struct addrcount_slot *t;
	size_t mask;            /* table size - 1 (a power of two) */
	size_t used;
	uint64_t seed;
};

/* Room for max addresses at once.  0, or -1 (no memory). */
int addrcount_init(struct addrcount *ac, size_t max);
void addrcount_free(struct addrcount *ac);

/* The count of sa's address (0 for an address not in the table, or not
 * IPv4/IPv6). */
unsigned addrcount_get(const struct addrcount *ac, const struct sockaddr *sa);
/* One more for sa's address.  0, or -1 (the table is full, or not IP). */
int addrcount_inc(struct addrcount *ac, const struct sockaddr *sa);
/* One fewer; the entry goes at 0.  An address not counted is a no-op. */
void addrcount_dec(struct addrcount *ac, const struct sockaddr *sa);

#endif
