/*
 * services/dhcp/dhcp_ra: the router solicitation check (RFC 4861 6.1.1)
 * and the "no router here" advertisement, on exactly-sized heap copies.
 */
#include "harness.h"

#include <stdlib.h>

#include "dhcp/dhcp_ra.h"

static int
check_exact(const uint8_t *p, size_t len, int hops, int unspec, const char **why)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	memcpy(copy, p, len);
	rc = dhcp_ra_check_rs(copy, len, hops, unspec, why);
	free(copy);
	return rc;
}

TEST(ra_check_rs)
{
	/* What iPXE sends: RS header + source link-layer address option. */
	static const uint8_t ipxe[] = { 133, 0, 0x12, 0x34, 0, 0, 0, 0,
		1, 1, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	static const uint8_t bare[] = { 133, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t code1[] = { 133, 1, 0, 0, 0, 0, 0, 0 };
	static const uint8_t ra[] = { 134, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t zero_opt[] = { 133, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t long_opt[] = { 133, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0 };
	static const uint8_t odd_tail[] = { 133, 0, 0, 0, 0, 0, 0, 0, 1 };
	static const uint8_t unknown[] = { 133, 0, 0, 0, 0, 0, 0, 0, 99, 1, 0, 0, 0, 0, 0, 0 };
	const char *why = NULL;

	CHECK_INT(check_exact(ipxe, sizeof(ipxe), 255, 0, &why), 0);
	CHECK_INT(check_exact(bare, sizeof(bare), 255, 1, &why), 0);
	CHECK_INT(check_exact(unknown, sizeof(unknown), 255, 0, &why), 0);
	CHECK_INT(check_exact(ipxe, sizeof(ipxe), 64, 0, &why), -1);
	CHECK_STR(why, "hop limit is not 255");
	CHECK_INT(check_exact(ipxe, sizeof(ipxe), -1, 0, &why), -1);
	CHECK_INT(check_exact(ipxe, sizeof(ipxe), 255, 1, &why), -1);
	CHECK_STR(why, "link-layer address option from ::");
	CHECK_INT(check_exact(bare, 7, 255, 0, &why), -1);
	CHECK_INT(check_exact(bare, 0, 255, 0, &why), -1);
	CHECK_INT(check_exact(code1, sizeof(code1), 255, 0, &why), -1);
	CHECK_INT(check_exact(ra, sizeof(ra), 255, 0, &why), -1);
	CHECK_INT(check_exact(zero_opt, sizeof(zero_opt), 255, 0, &why), -1);
	CHECK_INT(check_exact(long_opt, sizeof(long_opt), 255, 0, &why), -1);
	CHECK_INT(check_exact(odd_tail, sizeof(odd_tail), 255, 0, &why), -1);
	CHECK_STR(why, "truncated option");
	CHECK_INT(check_exact(ipxe, sizeof(ipxe) - 1, 255, 0, &why), -1);
}

TEST(ra_build)
{
	static const uint8_t mac[6] = { 0x02, 0x00, 0x00, 0xaa, 0xbb, 0xcc };
	static const uint8_t want[RA_LEN] = {
		134, 0, 0, 0,           /* type, code, checksum (kernel's) */
		0, 0, 0, 0,             /* cur hop limit 0, M=0 O=0, lifetime 0 */
		0, 0, 0, 0,             /* reachable time 0 */
		0, 0, 0, 0,             /* retrans timer 0 */
		1, 1, 0x02, 0x00, 0x00, 0xaa, 0xbb, 0xcc, /* source link-layer */
	};
	uint8_t out[RA_LEN + 4];

	memset(out, 0xee, sizeof(out));
	CHECK_INT(dhcp_ra_build(out, sizeof(out), mac), RA_LEN);
	CHECK(memcmp(out, want, RA_LEN) == 0);
	CHECK_INT(out[RA_LEN], 0xee);
	CHECK_INT(dhcp_ra_build(out, RA_LEN - 1, mac), 0);
}
