/*
 * The lease store and its journal (format in dhcp_lease.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/limits.h"
#include "common/net.h"
#include "common/util.h"
#include "dhcp/dhcp_lease.h"

#define JOURNAL_HEADER   "pxestick-leases 1\n"
#define PENDING_CAP      (64u * 1024)

/* ---- MAC hash ---- */

static uint32_t
mac_hash(const struct dhcp_leases *ls, const uint8_t mac[6])
{
	uint64_t h = ls->seed;

	for (int i = 0; i < 6; i++)
		h = (h ^ mac[i]) * 0x100000001b3ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return (uint32_t)h & ls->hash_mask;
}

static uint32_t
idx(const struct dhcp_leases *ls, const struct dhcp_lease *e)
{
	return (uint32_t)(e - ls->l);
}

static void
hash_remove(struct dhcp_leases *ls, struct dhcp_lease *e)
{
	uint32_t *link = &ls->hash[mac_hash(ls, e->mac)];
	uint32_t me = idx(ls, e) + 1;

	while (*link != 0) {
		if (*link == me) {
			*link = e->chain;
			e->chain = 0;
			return;
		}
		link = &ls->l[*link - 1].chain;
	}
}

struct dhcp_lease *
dhcp_leases_by_mac(struct dhcp_leases *ls, const uint8_t mac[6])
{
	for (uint32_t i = ls->hash[mac_hash(ls, mac)]; i != 0; i = ls->l[i - 1].chain)
		if (memcmp(ls->l[i - 1].mac, mac, 6) == 0)
			return &ls->l[i - 1];
	return NULL;
}

/* ---- time-ordered lists ---- */

static struct dhcp_list *
list_of(struct dhcp_leases *ls, unsigned state)
{
	switch (state) {
	case LEASE_FREE: return &ls->free;
	case LEASE_OFFERED: return &ls->offered;
	case LEASE_BOUND: return &ls->bound;
	case LEASE_QUARANTINED: return &ls->quarantined;
	}
	return NULL;
}

static void
list_unlink(struct dhcp_leases *ls, struct dhcp_list *li, struct dhcp_lease *e)
{
	if (e->prev)
		ls->l[e->prev - 1].next = e->next;
	else
		li->head = e->next;
	if (e->next)
		ls->l[e->next - 1].prev = e->prev;
	else
		li->tail = e->prev;
	e->prev = e->next = 0;
	li->n--;
}

static void
list_push(struct dhcp_leases *ls, struct dhcp_list *li, struct dhcp_lease *e)
{
	uint32_t me = idx(ls, e) + 1;

	e->next = 0;
	e->prev = li->tail;
	if (li->tail)
		ls->l[li->tail - 1].next = me;
	else
		li->head = me;
	li->tail = me;
	li->n++;
}

/* Move e to state, at the tail of that state's list. */
static void
set_state(struct dhcp_leases *ls, struct dhcp_lease *e, unsigned state)
{
	struct dhcp_list *from = list_of(ls, e->state), *to = list_of(ls, state);

	if (ls->loading) {
		/* The lists are built once the journal is read. */
		e->state = (uint8_t)state;
		return;
	}
	if (from)
		list_unlink(ls, from, e);
	e->state = (uint8_t)state;
	if (to)
		list_push(ls, to, e);
}

static void
clear_owner(struct dhcp_leases *ls, struct dhcp_lease *e)
{
	if (e->has_mac)
		hash_remove(ls, e);
	e->has_mac = 0;
	memset(e->mac, 0, 6);
}

/* Make mac the owner of e, and of nothing else. */
static void
set_owner(struct dhcp_leases *ls, struct dhcp_lease *e, const uint8_t mac[6])
{
	struct dhcp_lease *old = dhcp_leases_by_mac(ls, mac);

	if (old == e)
		return;
	if (old != NULL) {
		if (old->state == LEASE_BOUND || old->state == LEASE_OFFERED)
			set_state(ls, old, LEASE_FREE);
		clear_owner(ls, old);
	}
	clear_owner(ls, e);
	memcpy(e->mac, mac, 6);
	e->has_mac = 1;
	e->chain = ls->hash[mac_hash(ls, mac)];
	ls->hash[mac_hash(ls, mac)] = idx(ls, e) + 1;
}

/* ---- lookups ---- */

struct dhcp_lease *
dhcp_leases_by_addr(struct dhcp_leases *ls, uint32_t addr)
{
	if (addr < ls->start || addr - ls->start >= ls->n)
		return NULL;
	return &ls->l[addr - ls->start];
}

uint32_t
dhcp_leases_addr(const struct dhcp_leases *ls, const struct dhcp_lease *e)
{
	return ls->start + (uint32_t)(e - ls->l);
}

static char *
ip_str(uint32_t addr, char out[16])
{
	struct in_addr a = { htonl(addr) };

	inet_ntop(AF_INET, &a, out, 16);
	return out;
}

/* ---- the journal ---- */

static int
pending_flush(struct dhcp_leases *ls)
{
	if (ls->pending_len == 0)
		return 0;
	if (ls->fd < 0) {
		ls->pending_len = 0;
		return 0;
	}
	if (write_all(ls->fd, ls->pending, ls->pending_len) != 0)
		return -1;
	ls->pending_len = 0;
	ls->unsynced = 1;
	return 0;
}

static int
journal_line(struct dhcp_leases *ls, const char *line, size_t n)
{
	if (ls->fd < 0)
		return 0;
	if (ls->pending_len + n > PENDING_CAP && pending_flush(ls) != 0)
		return -1;
	memcpy(ls->pending + ls->pending_len, line, n);
	ls->pending_len += n;
	ls->records++;
	return 0;
}

static int
journal_bound(struct dhcp_leases *ls, const struct dhcp_lease *e)
{
	char line[DHCP_MAX_JOURNAL_LINE], m[18], a[16];
	int n = snprintf(line, sizeof(line), "B %s %s %lld\n", net_mac_str(e->mac, m),
	    ip_str(dhcp_leases_addr(ls, e), a), (long long)e->expires);

	return journal_line(ls, line, (size_t)n);
}

static int
journal_freed(struct dhcp_leases *ls, const struct dhcp_lease *e)
{
	char line[DHCP_MAX_JOURNAL_LINE], m[18], a[16];
	int n = snprintf(line, sizeof(line), "F %s %s\n", net_mac_str(e->mac, m),
	    ip_str(dhcp_leases_addr(ls, e), a));

	return journal_line(ls, line, (size_t)n);
}

static int
journal_quarantined(struct dhcp_leases *ls, const struct dhcp_lease *e)
{
	char line[DHCP_MAX_JOURNAL_LINE], a[16];
	int n = snprintf(line, sizeof(line), "Q %s %lld\n", ip_str(dhcp_leases_addr(ls, e), a),
	    (long long)e->expires);

	return journal_line(ls, line, (size_t)n);
}

int
dhcp_leases_dirty(const struct dhcp_leases *ls)
{
	return ls->pending_len > 0 || ls->unsynced;
}

int
dhcp_leases_sync(struct dhcp_leases *ls)
{
	if (pending_flush(ls) != 0)
		return -1;
	if (ls->unsynced && ls->fd >= 0 && fdatasync(ls->fd) != 0)
		return -1;
	ls->unsynced = 0;
	return 0;
}

int
dhcp_leases_want_compact(const struct dhcp_leases *ls)
{
	return ls->fd >= 0 &&
	    ls->records > 2ull * (ls->bound.n + ls->quarantined.n) + DHCP_COMPACT_SLACK;
}

struct buf_out {
	char *p;
	size_t len, cap;
	uint64_t lines;
};

static int
out_line(struct buf_out *o, const char *s, size_t n)
{
	if (o->len + n > o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 64 * 1024;
		char *p;

		while (cap < o->len + n)
			cap *= 2;
		if ((p = realloc(o->p, cap)) == NULL)
			return -1;
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->lines++;
	return 0;
}

int
dhcp_leases_compact(struct dhcp_leases *ls)
{
	struct buf_out o = { NULL, 0, 0, 0 };
	char line[DHCP_MAX_JOURNAL_LINE], m[18], a[16];
	int fd, n, saved;

	if (ls->dirfd < 0)
		return 0;
	if (out_line(&o, JOURNAL_HEADER, sizeof(JOURNAL_HEADER) - 1) != 0)
		goto fail_mem;
	for (uint32_t i = ls->bound.head; i != 0; i = ls->l[i - 1].next) {
		const struct dhcp_lease *e = &ls->l[i - 1];

		n = snprintf(line, sizeof(line), "B %s %s %lld\n", net_mac_str(e->mac, m),
		    ip_str(dhcp_leases_addr(ls, e), a), (long long)e->expires);
		if (out_line(&o, line, (size_t)n) != 0)
			goto fail_mem;
	}
	for (uint32_t i = ls->quarantined.head; i != 0; i = ls->l[i - 1].next) {
		const struct dhcp_lease *e = &ls->l[i - 1];

		n = snprintf(line, sizeof(line), "Q %s %lld\n", ip_str(dhcp_leases_addr(ls, e), a),
		    (long long)e->expires);
		if (out_line(&o, line, (size_t)n) != 0)
			goto fail_mem;
	}
	/* Free addresses that remember their last owner, oldest first: the
	 * same client gets the same address back after a restart. */
	for (uint32_t i = ls->free.head; i != 0; i = ls->l[i - 1].next) {
		const struct dhcp_lease *e = &ls->l[i - 1];

		if (!e->has_mac)
			continue;
		n = snprintf(line, sizeof(line), "F %s %s\n", net_mac_str(e->mac, m),
		    ip_str(dhcp_leases_addr(ls, e), a));
		if (out_line(&o, line, (size_t)n) != 0)
			goto fail_mem;
	}
	fd = openat(ls->dirfd, ls->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		goto fail;
	if (write_all(fd, o.p, o.len) != 0 || fdatasync(fd) != 0 ||
	    renameat(ls->dirfd, ls->tmp, ls->dirfd, ls->name) != 0) {
		saved = errno;
		close(fd);
		unlinkat(ls->dirfd, ls->tmp, 0);
		errno = saved;
		goto fail;
	}
	(void)fsync(ls->dirfd);
	/* Lines still pending are in the snapshot already. */
	ls->pending_len = 0;
	ls->unsynced = 0;
	if (ls->fd >= 0)
		close(ls->fd);
	ls->fd = fd;
	ls->records = o.lines;
	free(o.p);
	return 0;
fail_mem:
	errno = ENOMEM;
fail:
	saved = errno;
	free(o.p);
	errno = saved;
	return -1;
}

/* ---- state changes ---- */

void
dhcp_leases_offer(struct dhcp_leases *ls, struct dhcp_lease *e, const uint8_t mac[6],
    int64_t until)
{
	set_owner(ls, e, mac);
	e->expires = until;
	set_state(ls, e, LEASE_OFFERED);
}

int
dhcp_leases_bind(struct dhcp_leases *ls, struct dhcp_lease *e, const uint8_t mac[6],
    int64_t until)
{
	set_owner(ls, e, mac);
	e->expires = until;
	/* A renewal moves the lease to the tail: the list stays ordered by
	 * expiry as long as the lease time does not shrink. */
	set_state(ls, e, LEASE_BOUND);
	return journal_bound(ls, e);
}

int
dhcp_leases_release(struct dhcp_leases *ls, struct dhcp_lease *e)
{
	set_state(ls, e, LEASE_FREE);
	return e->has_mac ? journal_freed(ls, e) : 0;
}

int
dhcp_leases_quarantine(struct dhcp_leases *ls, struct dhcp_lease *e, int64_t until)
{
	clear_owner(ls, e);
	e->expires = until;
	set_state(ls, e, LEASE_QUARANTINED);
	return journal_quarantined(ls, e);
}

void
dhcp_leases_unoffer(struct dhcp_leases *ls, struct dhcp_lease *e)
{
	if (e->state == LEASE_OFFERED)
		set_state(ls, e, LEASE_FREE);
}

void
dhcp_leases_expire(struct dhcp_leases *ls, int64_t now)
{
	struct dhcp_list *lists[3] = { &ls->offered, &ls->bound, &ls->quarantined };

	for (int k = 0; k < 3; k++)
		while (lists[k]->head != 0 && ls->l[lists[k]->head - 1].expires <= now) {
			struct dhcp_lease *e = &ls->l[lists[k]->head - 1];

			if (e->state == LEASE_QUARANTINED)
				clear_owner(ls, e);
			set_state(ls, e, LEASE_FREE);
		}
}

struct dhcp_lease *
dhcp_leases_pick(struct dhcp_leases *ls, const uint8_t mac[6], int64_t now)
{
	struct dhcp_lease *e;

	dhcp_leases_expire(ls, now);
	e = dhcp_leases_by_mac(ls, mac);
	if (e != NULL && (e->state == LEASE_FREE || e->state == LEASE_OFFERED ||
	    e->state == LEASE_BOUND))
		return e;
	return ls->free.head ? &ls->l[ls->free.head - 1] : NULL;
}

/* ---- loading ---- */

/* A whole word that is a MAC. */
static int
parse_mac(const char *s, uint8_t mac[6])
{
	size_t n = strlen(s);

	return n == 17 && net_mac_parse(s, n, 0, mac) == 17 ? 0 : -1;
}

static int
parse_ip(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

/* Split line (NUL-terminated, no newline) at spaces into at most 4 words. */
static int
split(char *line, char *w[4])
{
	int n = 0;

	for (char *p = line; *p != '\0' && n < 4;) {
		w[n++] = p;
		p = strchr(p, ' ');
		if (p == NULL)
			break;
		*p++ = '\0';
	}
	return n;
}

/* Apply one line; -1 when it cannot be read. */
static int
load_line(struct dhcp_leases *ls, char *line)
{
	char *w[4];
	int n = split(line, w);
	uint8_t mac[6];
	uint32_t addr;
	uint64_t t;
	struct dhcp_lease *e;

	if (n < 1 || strlen(w[0]) != 1)
		return -1;
	switch (w[0][0]) {
	case 'B':
		if (n != 4 || parse_mac(w[1], mac) != 0 || parse_ip(w[2], &addr) != 0 ||
		    parse_u64(w[3], 0, (uint64_t)INT64_MAX, &t) != 0)
			return -1;
		if ((e = dhcp_leases_by_addr(ls, addr)) == NULL || e->state == LEASE_RESERVED)
			return 0; /* outside today's pool */
		set_owner(ls, e, mac);
		set_state(ls, e, LEASE_BOUND);
		e->expires = (int64_t)t;
		return 0;
	case 'F':
		if (n != 3 || parse_mac(w[1], mac) != 0 || parse_ip(w[2], &addr) != 0)
			return -1;
		if ((e = dhcp_leases_by_addr(ls, addr)) == NULL || e->state == LEASE_RESERVED)
			return 0;
		set_owner(ls, e, mac);
		set_state(ls, e, LEASE_FREE);
		return 0;
	case 'Q':
		if (n != 3 || parse_ip(w[1], &addr) != 0 ||
		    parse_u64(w[2], 0, (uint64_t)INT64_MAX, &t) != 0)
			return -1;
		if ((e = dhcp_leases_by_addr(ls, addr)) == NULL || e->state == LEASE_RESERVED)
			return 0;
		clear_owner(ls, e);
		set_state(ls, e, LEASE_QUARANTINED);
		e->expires = (int64_t)t;
		return 0;
	}
	return -1;
}

static int
read_journal(struct dhcp_leases *ls, char **out, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	char *p = NULL;
	size_t got = 0;
	int fd = openat(ls->dirfd, ls->name, O_RDONLY | O_CLOEXEC);

	*out = NULL;
	*len = 0;
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "dhcp: lease journal %s: %s", ls->name, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > DHCP_MAX_JOURNAL_BYTES) {
		snprintf(err, errlen, "dhcp: lease journal %s: not a regular file, or over "
		    "DHCP_MAX_JOURNAL_BYTES", ls->name);
		close(fd);
		return -1;
	}
	p = malloc((size_t)st.st_size + 1);
	if (p == NULL) {
		snprintf(err, errlen, "dhcp: lease journal %s: out of memory", ls->name);
		close(fd);
		return -1;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, p + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	p[got] = '\0';
	*out = p;
	*len = got;
	return 0;
}

static const struct dhcp_lease *sort_base;

static int
cmp_idx(const void *a, const void *b)
{
	int64_t x = sort_base[*(const uint32_t *)a].expires;
	int64_t y = sort_base[*(const uint32_t *)b].expires;

	return x < y ? -1 : x > y;
}

/* Build the lists after a load: leases and quarantines by expiry, free
 * addresses never used first (in address order), then remembered ones. */
static int
build_lists(struct dhcp_leases *ls, int64_t now)
{
	uint32_t *order = malloc(sizeof(*order) * (ls->n ? ls->n : 1));
	uint32_t k = 0;

	if (order == NULL)
		return -1;
	for (uint32_t i = 0; i < ls->n; i++) {
		struct dhcp_lease *e = &ls->l[i];

		if ((e->state == LEASE_BOUND || e->state == LEASE_QUARANTINED) && e->expires <= now) {
			if (e->state == LEASE_QUARANTINED)
				clear_owner(ls, e);
			e->state = LEASE_FREE;
		}
		if (e->state == LEASE_BOUND || e->state == LEASE_QUARANTINED)
			order[k++] = i;
	}
	sort_base = ls->l;
	qsort(order, k, sizeof(*order), cmp_idx);
	for (uint32_t j = 0; j < k; j++)
		list_push(ls, list_of(ls, ls->l[order[j]].state), &ls->l[order[j]]);
	for (int pass = 0; pass < 2; pass++)
		for (uint32_t i = 0; i < ls->n; i++)
			if (ls->l[i].state == LEASE_FREE && ls->l[i].has_mac == pass)
				list_push(ls, &ls->free, &ls->l[i]);
	free(order);
	return 0;
}

int
dhcp_leases_open(struct dhcp_leases *ls, uint32_t start, uint32_t end,
    const uint32_t *reserved, size_t n_reserved, int dirfd, const char *name, int64_t now,
    char *err, size_t errlen)
{
	uint32_t hsize = 16;
	char *text = NULL;
	size_t len;

	memset(ls, 0, sizeof(*ls));
	ls->fd = -1;
	ls->dirfd = dirfd;
	if (end < start || end - start >= DHCP_MAX_POOL) {
		snprintf(err, errlen, "dhcp: the pool has more than DHCP_MAX_POOL (%u) addresses",
		    DHCP_MAX_POOL);
		return -1;
	}
	ls->start = start;
	ls->n = end - start + 1;
	while (hsize < 2 * ls->n)
		hsize *= 2;
	ls->hash_mask = hsize - 1;
	ls->l = calloc(ls->n, sizeof(*ls->l));
	ls->hash = calloc(hsize, sizeof(*ls->hash));
	ls->pending = malloc(PENDING_CAP);
	if (ls->l == NULL || ls->hash == NULL || ls->pending == NULL) {
		snprintf(err, errlen, "dhcp: out of memory for %u leases", ls->n);
		goto fail;
	}
	if (getentropy(&ls->seed, sizeof(ls->seed)) != 0)
		ls->seed = (uint64_t)now * 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < n_reserved; i++) {
		struct dhcp_lease *e = dhcp_leases_by_addr(ls, reserved[i]);

		if (e != NULL)
			e->state = LEASE_RESERVED;
	}
	if (dirfd >= 0) {
		snprintf(ls->name, sizeof(ls->name), "%s", name);
		snprintf(ls->tmp, sizeof(ls->tmp), "%s.tmp", name);
		if (read_journal(ls, &text, &len, err, errlen) != 0)
			goto fail;
		ls->loading = 1;
		if (len > 0 && strncmp(text, JOURNAL_HEADER, sizeof(JOURNAL_HEADER) - 1) != 0) {
			snprintf(err, errlen, "dhcp: %s does not start with \"pxestick-leases 1\": "
			    "not a lease journal of this version, refusing to overwrite it", name);
			goto fail;
		}
		for (size_t o = len > 0 ? sizeof(JOURNAL_HEADER) - 1 : 0; o < len;) {
			char *nl = memchr(text + o, '\n', len - o);

			if (nl == NULL) {
				ls->skipped++; /* torn last line */
				break;
			}
			*nl = '\0';
			if (nl - (text + o) >= DHCP_MAX_JOURNAL_LINE || load_line(ls, text + o) != 0)
				ls->skipped++;
			o = (size_t)(nl - text) + 1;
		}
		free(text);
		text = NULL;
	}
	ls->loading = 0;
	if (build_lists(ls, now) != 0) {
		snprintf(err, errlen, "dhcp: out of memory");
		goto fail;
	}
	if (dirfd >= 0 && dhcp_leases_compact(ls) != 0) {
		snprintf(err, errlen, "dhcp: cannot write the lease journal %s: %s", name,
		    strerror(errno));
		goto fail;
	}
	return 0;
fail:
	free(text);
	dhcp_leases_close(ls);
	return -1;
}

void
dhcp_leases_close(struct dhcp_leases *ls)
{
	if (ls->fd >= 0) {
		(void)dhcp_leases_sync(ls);
		close(ls->fd);
	}
	if (ls->dirfd >= 0)
		close(ls->dirfd);
	free(ls->l);
	free(ls->hash);
	free(ls->pending);
	memset(ls, 0, sizeof(*ls));
	ls->fd = ls->dirfd = -1;
}
