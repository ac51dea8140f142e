#include "harness.h"

#include <arpa/inet.h>

#include "common/addrcount.h"
#include "common/log.h"
#include "common/net.h"
#include "common/util.h"

TEST(parse_u64_accepts_range)
{
	uint64_t v = 0;

	CHECK_INT(parse_u64("0", 0, 10, &v), 0);
	CHECK_INT(v, 0);
	CHECK_INT(parse_u64("18446744073709551615", 0, UINT64_MAX, &v), 0);
	CHECK(v == UINT64_MAX);
	CHECK_INT(parse_u64("11", 0, 10, &v), -1);
	CHECK_INT(parse_u64("18446744073709551616", 0, UINT64_MAX, &v), -1);
	CHECK_INT(parse_u64("", 0, 10, &v), -1);
	CHECK_INT(parse_u64("-1", 0, 10, &v), -1);
	CHECK_INT(parse_u64("1x", 0, 10, &v), -1);
	CHECK_INT(parse_u64(" 1", 0, 10, &v), -1);
}

TEST(log_escape_hides_control_bytes)
{
	char out[32];

	CHECK_STR(log_escape(out, sizeof(out), "a\nb\x1b[", 5), "a\\x0ab\\x1b[");
	CHECK_STR(log_escape(out, sizeof(out), "q\"\\", 3), "q\\x22\\x5c");
	CHECK_STR(log_escape(out, 8, "abcdefghijkl", 12), "abcd...");
	CHECK_STR(log_escape(out, sizeof(out), "", 0), "");
}

TEST(endian_loads)
{
	static const unsigned char b[4] = { 0x12, 0x34, 0x56, 0x78 };

	CHECK_INT(load_le16(b), 0x3412);
	CHECK_INT(load_be16(b), 0x1234);
	CHECK(load_le32(b) == 0x78563412u);
	CHECK(load_be32(b) == 0x12345678u);
}

TEST(parse_digits_fixed_width)
{
	CHECK_INT(parse_digits("2024", 4), 2024);
	CHECK_INT(parse_digits("0912", 2), 9);
	CHECK_INT(parse_digits("00007", 5), 7);
	CHECK_INT(parse_digits("12a4", 4), -1);
	CHECK_INT(parse_digits("-1", 2), -1);
	CHECK_INT(parse_digits("1234567890", 10), -1);
	CHECK_INT(parse_digits("", 0), 0);
}

TEST(net_server_url_unmaps_ipv4)
{
	struct sockaddr_in6 a6;
	struct sockaddr_in a4;
	char out[NET_URL_STR];

	memset(&a6, 0, sizeof(a6));
	a6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:10.99.0.1", &a6.sin6_addr);
	a6.sin6_port = htons(4242);
	net_server_url((struct sockaddr *)&a6, 80, out, sizeof(out));
	CHECK_STR(out, "http://10.99.0.1");
	CHECK_STR(net_addr_str((struct sockaddr *)&a6, out, sizeof(out)), "10.99.0.1:4242");
	inet_pton(AF_INET6, "fd00::1", &a6.sin6_addr);
	net_server_url((struct sockaddr *)&a6, 8080, out, sizeof(out));
	CHECK_STR(out, "http://[fd00::1]:8080");
	CHECK_STR(net_addr_str((struct sockaddr *)&a6, out, sizeof(out)), "[fd00::1]:4242");
	memset(&a4, 0, sizeof(a4));
	a4.sin_family = AF_INET;
	inet_pton(AF_INET, "192.0.2.7", &a4.sin_addr);
	net_server_url((struct sockaddr *)&a4, 0, out, sizeof(out));
	CHECK_STR(out, "http://192.0.2.7");
}

/* The per-client counts against a plain model, with enough churn that
 * deletions move entries inside probe runs. */
TEST(addrcount_matches_a_model)
{
	struct addrcount ac;
	unsigned model[300];
	uint32_t rnd = 12345;

	memset(model, 0, sizeof(model));
	CHECK_INT(addrcount_init(&ac, 200), 0);
	for (int step = 0; step < 200000; step++) {
		struct sockaddr_in a;
		unsigned k;

		rnd = rnd * 1103515245u + 12345u;
		k = (rnd >> 8) % 300;
		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_addr.s_addr = htonl(0x0a000000u + k * 7919u);
		if ((rnd >> 20) & 1) {
			addrcount_dec(&ac, (struct sockaddr *)&a);
			if (model[k] > 0)
				model[k]--;
		} else if (addrcount_inc(&ac, (struct sockaddr *)&a) == 0) {
			model[k]++;
		}
		if (addrcount_get(&ac, (struct sockaddr *)&a) != model[k]) {
			test_fail(__FILE__, __LINE__, "step %d: address %u: %u, want %u", step, k,
			    addrcount_get(&ac, (struct sockaddr *)&a), model[k]);
			break;
		}
	}
	for (unsigned k = 0; k < 300; k++) {
		struct sockaddr_in a;

		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_addr.s_addr = htonl(0x0a000000u + k * 7919u);
		CHECK_INT(addrcount_get(&ac, (struct sockaddr *)&a), model[k]);
	}
	addrcount_free(&ac);
	/* ::ffff:a.b.c.d is a.b.c.d */
	CHECK_INT(addrcount_init(&ac, 4), 0);
	{
		struct sockaddr_in6 m;
		struct sockaddr_in a;

		memset(&m, 0, sizeof(m));
		m.sin6_family = AF_INET6;
		inet_pton(AF_INET6, "::ffff:192.0.2.9", &m.sin6_addr);
		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		inet_pton(AF_INET, "192.0.2.9", &a.sin_addr);
		CHECK_INT(addrcount_inc(&ac, (struct sockaddr *)&m), 0);
		CHECK_INT(addrcount_get(&ac, (struct sockaddr *)&a), 1);
	}
	addrcount_free(&ac);
}

TEST(url_unescape_decodes_percent_escapes)
{
	char out[16];

	CHECK_INT(url_unescape("arch-v87%3A0", 12, out, sizeof(out)), 10);
	CHECK_STR(out, "arch-v87:0");
	CHECK_INT(url_unescape("a+b%2fc", 7, out, sizeof(out)), 5);
	CHECK_STR(out, "a+b/c");
	CHECK_INT(url_unescape("%4", 2, out, sizeof(out)), -1);   /* cut short */
	CHECK_INT(url_unescape("%zz", 3, out, sizeof(out)), -1);  /* not hex */
	CHECK_INT(url_unescape("0123456789abcdef", 16, out, sizeof(out)), -1); /* no room for NUL */
	CHECK_INT(url_unescape("", 0, out, sizeof(out)), 0);
	CHECK_STR(out, "");
	CHECK_INT(url_unescape("x", 1, out, 0), -1);
}
