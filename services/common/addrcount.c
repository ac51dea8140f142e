#include "common/addrcount.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* sa's address as (family, 16 bytes); IPv4-mapped IPv6 is IPv4.  0 or -1. */
static int
key_of(const struct sockaddr *sa, uint8_t *family, uint8_t a[16])
{
	memset(a, 0, 16);
	if (sa->sa_family == AF_INET) {
		memcpy(a, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		*family = AF_INET;
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a6 = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a6)) {
			memcpy(a, &a6->s6_addr[12], 4);
			*family = AF_INET;
		} else {
			memcpy(a, a6, 16);
			*family = AF_INET6;
		}
		return 0;
	}
	return -1;
}

static size_t
hash(const struct addrcount *ac, uint8_t family, const uint8_t a[16])
{
	uint64_t h = 1469598103934665603ull ^ ac->seed ^ family;

	for (int i = 0; i < 16; i++)
		h = (h ^ a[i]) * 1099511628211ull;
	return (size_t)(h ^ h >> 29);
}

/* The slot holding the key, or the free slot where it would go. */
static size_t
find(const struct addrcount *ac, uint8_t family, const uint8_t a[16])
{
	size_t i = hash(ac, family, a) & ac->mask;

	while (ac->t[i].family != 0 &&
	    (ac->t[i].family != family || memcmp(ac->t[i].a, a, 16) != 0))
		i = (i + 1) & ac->mask;
	return i;
}

int
addrcount_init(struct addrcount *ac, size_t max)
{
	size_t size = 16;

	memset(ac, 0, sizeof(*ac));
	while (size < 2 * max)
		size *= 2;
	ac->t = calloc(size, sizeof(*ac->t));
	if (ac->t == NULL)
		return -1;
	ac->mask = size - 1;
	if (getentropy(&ac->seed, sizeof(ac->seed)) != 0)
		ac->seed = (uint64_t)(uintptr_t)ac->t;
	return 0;
}

void
addrcount_free(struct addrcount *ac)
{
	free(ac->t);
	memset(ac, 0, sizeof(*ac));
}

unsigned
addrcount_get(const struct addrcount *ac, const struct sockaddr *sa)
{
	uint8_t family, a[16];
	size_t i;

	if (ac->t == NULL || key_of(sa, &family, a) != 0)
		return 0;
	i = find(ac, family, a);
	return ac->t[i].family != 0 ? ac->t[i].n : 0;
}

int
addrcount_inc(struct addrcount *ac, const struct sockaddr *sa)
{
	uint8_t family, a[16];
	size_t i;

	if (ac->t == NULL || key_of(sa, &family, a) != 0)
		return -1;
	i = find(ac, family, a);
	if (ac->t[i].family == 0) {
		/* At most half full: probes stay short, a free slot remains. */
		if (ac->used + 1 > (ac->mask + 1) / 2)
			return -1;
		ac->t[i].family = family;
		memcpy(ac->t[i].a, a, 16);
		ac->t[i].n = 0;
		ac->used++;
	}
	ac->t[i].n++;
	return 0;
}

/* Knuth's deletion for linear probing: move later entries of the run
 * back into the hole, so no tombstones are needed. */
static void
remove_at(struct addrcount *ac, size_t hole)
{
	size_t j = hole;

	memset(&ac->t[hole], 0, sizeof(ac->t[hole]));
	for (;;) {
		size_t home;

		j = (j + 1) & ac->mask;
		if (ac->t[j].family == 0)
			return;
		home = hash(ac, ac->t[j].family, ac->t[j].a) & ac->mask;
		/* Leave j where it is when its home lies cyclically in (hole, j]. */
		if (hole <= j ? (hole < home && home <= j) : (hole < home || home <= j))
			continue;
		ac->t[hole] = ac->t[j];
		memset(&ac->t[j], 0, sizeof(ac->t[j]));
		hole = j;
	}
}

void
addrcount_dec(struct addrcount *ac, const struct sockaddr *sa)
{
	uint8_t family, a[16];
	size_t i;

	if (ac->t == NULL || key_of(sa, &family, a) != 0)
		return;
	i = find(ac, family, a);
	if (ac->t[i].family == 0 || ac->t[i].n == 0)
		return;
	if (--ac->t[i].n == 0) {
		remove_at(ac, i);
		ac->used--;
	}
}
