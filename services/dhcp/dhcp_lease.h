/*
 * The lease store: one entry per pool address, O(1) by address (an array
 * indexed by the address's offset in the pool) and by MAC (a seeded hash
 * with chains), and three time-ordered lists so that expiry is O(1) too.
 *
 * Durability: every change that matters after a restart is one line
 * appended to a journal in the state directory:
 *
 *   pxestick-leases 1                       header (first line)
 *   B 52:54:00:12:34:56 10.99.0.100 1767225600   bound until (unix time)
 *   F 52:54:00:12:34:56 10.99.0.100              freed (released), owner kept
 *   Q 10.99.0.101 1767225600                     quarantined until
 *
 * Lines are written to the kernel when the caller syncs (dhcp_leases_sync,
 * write + fdatasync); the server sends an ACK only after the sync that
 * holds its line, so neither kill -9 nor power loss forgets an ACKed
 * lease.  A torn or unreadable line is skipped at load.  When the journal
 * holds many more lines than live entries it is compacted: a snapshot is
 * written to a temporary file, fdatasync'ed, renamed over the journal and
 * the directory fsync'ed (dhcp_leases_compact).
 *
 * Times are wall-clock seconds passed in by the caller (the store reads
 * no clock).  Addresses are host byte order uint32_t.
 */
#ifndef PXESTICK_DHCP_LEASE_H
#define PXESTICK_DHCP_LEASE_H

#include <stddef.h>
#include <stdint.h>

enum dhcp_lease_state {
	LEASE_FREE,
	LEASE_OFFERED,          /* held for the owner until expires */
	LEASE_BOUND,            /* leased to the owner until expires */
	LEASE_QUARANTINED,      /* declined or found in use: not offered until expires */
	LEASE_RESERVED,         /* ours, a reservation's, network or broadcast: never */
};

struct dhcp_lease {
	uint8_t mac[6];         /* owner, or the last owner (has_mac) */
	uint8_t state;
	uint8_t has_mac;
	uint8_t probing;        /* the server's: an ARP probe is out for it */
	uint32_t chain;         /* next in the MAC hash chain: index + 1, 0 ends */
	uint32_t prev, next;    /* list links: index + 1, 0 ends */
	int64_t expires;
	int64_t probed;         /* when an ARP probe last found it unused */
};

struct dhcp_list {
	uint32_t head, tail;    /* index + 1 */
	uint32_t n;
};

struct dhcp_leases {
	uint32_t start, n;      /* pool: start .. start + n - 1 */
	struct dhcp_lease *l;
	uint32_t *hash;         /* MAC hash heads: index + 1 */
	uint32_t hash_mask;
	uint64_t seed;
	struct dhcp_list free, offered, bound, quarantined;
	/* The journal. */
	int dirfd, fd;
	char name[64], tmp[72];
	char *pending;          /* lines not yet written */
	size_t pending_len;
	int unsynced;           /* written but not fdatasync'ed */
	uint64_t records;       /* lines in the journal */
	uint64_t skipped;       /* unreadable lines met at load */
	int loading;
};

/*
 * Open the store for the pool [start, end] (at most DHCP_MAX_POOL
 * addresses), with reserved[0..n_reserved) never handed out, and load the
 * journal `name` inside directory dirfd (created when missing; dirfd -1:
 * no journal, for tests).  The loaded state is compacted at once.  0, or
 * -1 with a message in err.  The store keeps dirfd (and closes it).
 */
int dhcp_leases_open(struct dhcp_leases *ls, uint32_t start, uint32_t end,
    const uint32_t *reserved, size_t n_reserved, int dirfd, const char *name, int64_t now,
    char *err, size_t errlen);
void dhcp_leases_close(struct dhcp_leases *ls);

struct dhcp_lease *dhcp_leases_by_addr(struct dhcp_leases *ls, uint32_t addr);
struct dhcp_lease *dhcp_leases_by_mac(struct dhcp_leases *ls, const uint8_t mac[6]);
uint32_t dhcp_leases_addr(const struct dhcp_leases *ls, const struct dhcp_lease *e);

/*
 * The address to offer mac: its current or last lease when that is free
 * again (or already its own), else the least recently used free address
 * (never-used ones first).  Expired entries are swept first.  NULL when
 * the pool is exhausted.
 */
struct dhcp_lease *dhcp_leases_pick(struct dhcp_leases *ls, const uint8_t mac[6], int64_t now);

/* State changes.  bind, release and quarantine journal a line; 0 or -1
 * (journal write failed: the change holds in memory). */
void dhcp_leases_offer(struct dhcp_leases *ls, struct dhcp_lease *e, const uint8_t mac[6],
    int64_t until);
int dhcp_leases_bind(struct dhcp_leases *ls, struct dhcp_lease *e, const uint8_t mac[6],
    int64_t until);
int dhcp_leases_release(struct dhcp_leases *ls, struct dhcp_lease *e);
int dhcp_leases_quarantine(struct dhcp_leases *ls, struct dhcp_lease *e, int64_t until);
/* An offer not taken: free again, the owner kept as a hint. */
void dhcp_leases_unoffer(struct dhcp_leases *ls, struct dhcp_lease *e);

/* Move every expired offer, lease and quarantine to the free list. */
void dhcp_leases_expire(struct dhcp_leases *ls, int64_t now);

/* Lines waiting for dhcp_leases_sync(). */
int dhcp_leases_dirty(const struct dhcp_leases *ls);
/* Write pending lines and fdatasync.  0, or -1 (errno). */
int dhcp_leases_sync(struct dhcp_leases *ls);
/* Time to compact? */
int dhcp_leases_want_compact(const struct dhcp_leases *ls);
/* Rewrite the journal as a snapshot, atomically.  0, or -1 (errno). */
int dhcp_leases_compact(struct dhcp_leases *ls);

#endif
