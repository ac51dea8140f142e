/*
 * Fuzz target: the router solicitation check on arbitrary bytes, with
 * the hop limit and the source kind taken from the input's length (so
 * both sides of each test are reached), then our advertisement.
 *
 * Beyond "no crash", it checks: an accepted solicitation is a type 133,
 * code 0 message of at least 8 bytes whose options tile it exactly; a
 * rejection always says why; the advertisement never changes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp/dhcp_ra.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t mac[6] = { 2, 0, 0, 1, 2, 3 };
	uint8_t out[RA_LEN];
	const char *why = NULL;
	int hops = (size & 3) == 3 ? 64 : 255, unspec = (size & 4) != 0;
	size_t off;

	if (dhcp_ra_check_rs(data, size, hops, unspec, &why) != 0) {
		if (why == NULL)
			abort();
	} else {
		if (hops != 255 || size < 8 || data[0] != RA_TYPE_RS || data[1] != 0)
			abort();
		for (off = 8; off < size; off += (size_t)data[off + 1] * 8)
			if (off + 2 > size || data[off + 1] == 0 ||
			    (unspec && data[off] == RA_OPT_SLLA))
				abort();
		if (off != size)
			abort();
	}
	if (dhcp_ra_build(out, sizeof(out), mac) != RA_LEN || out[0] != RA_TYPE_RA ||
	    out[6] != 0 || out[7] != 0 || out[5] != 0 || memcmp(out + 18, mac, 6) != 0)
		abort();
	return 0;
}
