/*
 * services/dhcp: the packet codec (parse from exactly-sized heap copies, so
 * ASan sees a one-byte over-read), the boot policy table, and the lease
 * store with its journal (in a temporary directory).
 */
#include "harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dhcp/dhcp_lease.h"
#include "dhcp/dhcp_packet.h"
#include "dhcp/dhcp_policy.h"

static struct dhcp_msg msg;

/* A BOOTREQUEST header (240 bytes with the cookie) followed by opts. */
static size_t
mk(uint8_t *buf, const uint8_t *opts, size_t n)
{
	memset(buf, 0, 240);
	buf[0] = BOOTREQUEST;
	buf[1] = 1;
	buf[2] = 6;
	buf[4] = 0xde;
	buf[5] = 0xad;
	buf[28] = 0x52;
	buf[29] = 0x54;
	buf[236] = 0x63;
	buf[237] = 0x82;
	buf[238] = 0x53;
	buf[239] = 0x63;
	if (n > 0)
		memcpy(buf + 240, opts, n);
	return 240 + n;
}

/* Parse buf[0..len) from an exactly-sized heap copy. */
static int
parse_exact(const uint8_t *buf, size_t len, const char **why)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	memcpy(copy, buf, len);
	rc = dhcp_msg_parse(&msg, copy, len, why);
	free(copy);
	return rc;
}

TEST(dhcp_parse_discover)
{
	static const uint8_t o[] = { 53, 1, 1, 93, 2, 0, 7, 60, 9, 'P', 'X', 'E', 'C', 'l', 'i',
		'e', 'n', 't', 0, 0, 255 };
	uint8_t buf[400];
	const char *why = NULL;
	const uint8_t *p;
	size_t len;

	CHECK_INT(parse_exact(buf, mk(buf, o, sizeof(o)), &why), 0);
	CHECK_INT(msg.type, DHCPDISCOVER);
	CHECK_INT(msg.op, BOOTREQUEST);
	CHECK_INT(msg.chaddr[0], 0x52);
	p = dhcp_msg_opt(&msg, DHCP_OPT_CLIENT_ARCH, &len);
	CHECK(p != NULL && len == 2 && p[1] == 7);
	p = dhcp_msg_opt(&msg, DHCP_OPT_VENDOR_CLASS, &len);
	CHECK(p != NULL && len == 9 && memcmp(p, "PXEClient", 9) == 0);
	CHECK(dhcp_msg_opt(&msg, DHCP_OPT_USER_CLASS, &len) == NULL);
	/* No END: tolerated. */
	CHECK_INT(parse_exact(buf, mk(buf, o, sizeof(o) - 1), &why), 0);
}

TEST(dhcp_parse_rejects)
{
	static const struct {
		const char *name;
		uint8_t opts[8];
		size_t n;
	} bad[] = {
		{ "length byte missing", { 53 }, 1 },
		{ "runs past the end", { 53, 5, 1 }, 3 },
		{ "type not one byte", { 53, 2, 1, 1 }, 4 },
		{ "unknown type", { 53, 1, 99 }, 3 },
		{ "overload 0", { 52, 1, 0, 255 }, 4 },
		{ "overload 4", { 52, 1, 4, 255 }, 4 },
		{ "overload two bytes", { 52, 2, 1, 1, 255 }, 5 },
	};
	uint8_t buf[400];
	const char *why;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (parse_exact(buf, mk(buf, bad[i].opts, bad[i].n), &why) != -1 || why == NULL)
			test_fail(__FILE__, __LINE__, "accepted: %s", bad[i].name);
	}
	mk(buf, NULL, 0);
	for (size_t n = 0; n < 240; n++)
		CHECK_INT(parse_exact(buf, n, &why), -1);
	buf[236] = 0;
	CHECK_INT(parse_exact(buf, 240, &why), -1);      /* no cookie */
	mk(buf, NULL, 0);
	buf[2] = 17;
	CHECK_INT(parse_exact(buf, 240, &why), -1);      /* hlen > 16 */
	mk(buf, NULL, 0);
	buf[0] = 3;
	CHECK_INT(parse_exact(buf, 240, &why), -1);      /* op */
}

TEST(dhcp_parse_too_many_options)
{
	uint8_t buf[DHCP_MAX_PACKET], o[DHCP_MAX_PACKET - 240];
	const char *why;
	size_t n = 0;

	while (n + 2 <= sizeof(o) - 1) {
		o[n++] = 12;
		o[n++] = 0;
	}
	o[n++] = 255;
	CHECK_INT(parse_exact(buf, mk(buf, o, n), &why), -1);
	CHECK(why != NULL && strstr(why, "DHCP_MAX_OPTION_INSTANCES") != NULL);
}

/* RFC 3396: a long option split in pieces, across options, file and sname
 * (overload 3), is put back together in that order. */
TEST(dhcp_parse_overload_concatenation)
{
	static const uint8_t o[] = { 53, 1, 3, 52, 1, 3, 77, 2, 'a', 'b', 255 };
	uint8_t buf[400];
	const char *why = NULL;
	const uint8_t *p;
	size_t n = mk(buf, o, sizeof(o)), len;

	/* file (108..236): 77 "cd", 12 (zero-length), end */
	memcpy(buf + DHCP_OFF_FILE, "\x4d\x02" "cd" "\x0c\x00" "\xff", 7);
	/* sname (44..108): 77 "ef", 61 "id", no end */
	memcpy(buf + DHCP_OFF_SNAME, "\x4d\x02" "ef" "\x3d\x02" "id", 8);
	CHECK_INT(parse_exact(buf, n, &why), 0);
	CHECK_INT(msg.overload, 3);
	p = dhcp_msg_opt(&msg, DHCP_OPT_USER_CLASS, &len);
	CHECK(p != NULL && len == 6 && memcmp(p, "abcdef", 6) == 0);
	p = dhcp_msg_opt(&msg, DHCP_OPT_HOSTNAME, &len);
	CHECK(p != NULL && len == 0);
	p = dhcp_msg_opt(&msg, DHCP_OPT_CLIENT_ID, &len);
	CHECK(p != NULL && len == 2 && memcmp(p, "id", 2) == 0);
	CHECK_STR(msg.file, "");
	CHECK_STR(msg.sname, "");
	/* An option in the file field running past it is refused. */
	memcpy(buf + DHCP_OFF_FILE + 120, "\x0c\x09", 2);
	memset(buf + DHCP_OFF_FILE + 7, 0, 113);
	buf[DHCP_OFF_FILE + 6] = 0;
	CHECK_INT(parse_exact(buf, n, &why), -1);
	/* Without overload the fields are plain strings, NUL-terminated. */
	{
		static const uint8_t o2[] = { 53, 1, 1, 255 };

		n = mk(buf, o2, sizeof(o2));
		memset(buf + DHCP_OFF_FILE, 'x', DHCP_FILE_LEN);
		CHECK_INT(parse_exact(buf, n, &why), 0);
		CHECK_INT(strlen(msg.file), DHCP_FILE_LEN);
	}
}

TEST(dhcp_sub_options)
{
	static const uint8_t v[] = { 0, 6, 1, 8, 176, 1, 1, 255, 9, 9 };
	const uint8_t *p;
	size_t len;

	p = dhcp_sub_find(v, sizeof(v), 176, &len);
	CHECK(p != NULL && len == 1 && p[0] == 1);
	CHECK(dhcp_sub_find(v, sizeof(v), 9, &len) == NULL);   /* after END */
	CHECK(dhcp_sub_find(v, 5, 176, &len) == NULL);          /* truncated */
	CHECK(dhcp_sub_find(v, 0, 6, &len) == NULL);
}

TEST(dhcp_build_round_trip)
{
	static const uint8_t o[] = { 53, 1, 1, 82, 3, 1, 1, 'x', 255 };
	uint8_t in[400], out[600], big[600];
	struct dhcp_msg req;
	struct dhcp_out b;
	struct in_addr a = { htonl(0x0a630064) };
	const char *why;
	const uint8_t *p;
	size_t n, len;

	CHECK_INT(parse_exact(in, mk(in, o, sizeof(o)), &why), 0);
	req = msg;
	dhcp_out_reply(&b, out, sizeof(out), &req, DHCPOFFER);
	dhcp_out_addr(&b, DHCP_OFF_YIADDR, a);
	dhcp_out_field(&b, DHCP_OFF_FILE, DHCP_FILE_LEN, "undionly.kpxe");
	memset(big, 'u', sizeof(big));
	dhcp_out_opt(&b, DHCP_OPT_BOOTFILE, big, 300);   /* split in 255 + 45 */
	dhcp_out_opt_u32(&b, DHCP_OPT_LEASE_TIME, 3600);
	n = dhcp_out_finish(&b);
	CHECK(n >= DHCP_MIN_REPLY);
	CHECK_INT(parse_exact(out, n, &why), 0);
	CHECK_INT(msg.op, BOOTREPLY);
	CHECK_INT(msg.type, DHCPOFFER);
	CHECK(msg.xid == req.xid);
	CHECK(msg.yiaddr.s_addr == a.s_addr);
	CHECK_STR(msg.file, "undionly.kpxe");
	p = dhcp_msg_opt(&msg, DHCP_OPT_BOOTFILE, &len);
	CHECK(p != NULL && len == 300);
	p = dhcp_msg_opt(&msg, DHCP_OPT_LEASE_TIME, &len);
	CHECK(p != NULL && len == 4 && p[2] == 0x0e && p[3] == 0x10);
	/* Too much for the buffer: the error is sticky, finish says 0. */
	dhcp_out_reply(&b, out, DHCP_MIN_REPLY, &req, DHCPOFFER);
	dhcp_out_opt(&b, DHCP_OPT_BOOTFILE, big, 200);
	CHECK_INT(b.err, 1);
	dhcp_out_opt_u8(&b, DHCP_OPT_MSG_TYPE, 1);
	CHECK_INT(dhcp_out_finish(&b), 0);
	/* A field value that does not fit is an error too. */
	dhcp_out_reply(&b, out, sizeof(out), &req, DHCPOFFER);
	memset(big, 'f', 200);
	big[128] = '\0';
	dhcp_out_field(&b, DHCP_OFF_FILE, DHCP_FILE_LEN, (const char *)big);
	CHECK_INT(dhcp_out_finish(&b), 0);
}

/* ---- policy ---- */

static void
classify(const uint8_t *o, size_t n, struct dhcp_client_info *ci)
{
	uint8_t buf[600];
	const char *why;

	if (parse_exact(buf, mk(buf, o, n), &why) != 0)
		test_fail(__FILE__, __LINE__, "parse: %s", why);
	dhcp_client_classify(&msg, ci);
}

TEST(dhcp_policy_table)
{
	static const struct {
		const char *name;
		uint8_t opts[64];
		size_t n;
		enum dhcp_boot_kind kind;
		const char *file;
		const char *vc;
		int ipxe;
	} t[] = {
		{ "BIOS", { 93, 2, 0, 0, 60, 9, 'P', 'X', 'E', 'C', 'l', 'i', 'e', 'n', 't' }, 15,
		  DHCP_BOOT_TFTP, "undionly.kpxe", "PXEClient", 0 },
		{ "UEFI 7", { 93, 2, 0, 7, 60, 9, 'P', 'X', 'E', 'C', 'l', 'i', 'e', 'n', 't' }, 15,
		  DHCP_BOOT_TFTP, "snponly.efi", "PXEClient", 0 },
		{ "UEFI 9", { 93, 2, 0, 9 }, 4, DHCP_BOOT_TFTP, "snponly.efi", NULL, 0 },
		{ "arch from vendor class", { 60, 20, 'P', 'X', 'E', 'C', 'l', 'i', 'e', 'n', 't',
		  ':', 'A', 'r', 'c', 'h', ':', '0', '0', '0', '0', '7' }, 22, DHCP_BOOT_TFTP,
		  "snponly.efi", "PXEClient", 0 },
		{ "HTTP boot 16", { 93, 2, 0, 16 }, 4, DHCP_BOOT_HTTP,
		  "http://10.99.0.1:8080/snponly.efi", "HTTPClient", 0 },
		{ "HTTPClient", { 60, 10, 'H', 'T', 'T', 'P', 'C', 'l', 'i', 'e', 'n', 't' }, 12,
		  DHCP_BOOT_HTTP, "http://10.99.0.1:8080/snponly.efi", "HTTPClient", 0 },
		{ "iPXE raw user class", { 93, 2, 0, 7, 77, 4, 'i', 'P', 'X', 'E' }, 10,
		  DHCP_BOOT_HTTP, "http://10.99.0.1:8080/boot.ipxe", NULL, 1 },
		{ "iPXE RFC 3004 user class", { 77, 8, 2, 'x', 'y', 4, 'i', 'P', 'X', 'E' }, 10,
		  DHCP_BOOT_HTTP, "http://10.99.0.1:8080/boot.ipxe", NULL, 1 },
		{ "iPXE option 175", { 93, 2, 0, 0, 175, 3, 19, 1, 1 }, 9, DHCP_BOOT_HTTP,
		  "http://10.99.0.1:8080/boot.ipxe", NULL, 1 },
		{ "ARM64", { 93, 2, 0, 11 }, 4, DHCP_BOOT_NONE, "", NULL, 0 },
		{ "ARM64 iPXE", { 93, 2, 0, 11, 77, 4, 'i', 'P', 'X', 'E' }, 10, DHCP_BOOT_NONE, "",
		  NULL, 0 },
		{ "32-bit UEFI", { 93, 2, 0, 6 }, 4, DHCP_BOOT_NONE, "", NULL, 0 },
		{ "PXE without arch", { 60, 9, 'P', 'X', 'E', 'C', 'l', 'i', 'e', 'n', 't' }, 11,
		  DHCP_BOOT_NONE, "", "PXEClient", 0 },
		{ "plain client", { 12, 1, 'h' }, 3, DHCP_BOOT_NONE, "", NULL, 0 },
	};
	struct dhcp_policy_cfg cfg = { { htonl(0x0a630001) }, 8080, 69, "snponly.efi" };
	struct dhcp_client_info ci;
	struct dhcp_boot b;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		classify(t[i].opts, t[i].n, &ci);
		dhcp_policy_decide(&cfg, &ci, NULL, &b);
		if (b.kind != t[i].kind || strcmp(b.file, t[i].file) != 0 || b.ipxe != t[i].ipxe ||
		    (t[i].vc == NULL) != (b.vendor_class == NULL) ||
		    (t[i].vc && strcmp(t[i].vc, b.vendor_class) != 0))
			test_fail(__FILE__, __LINE__, "%s: kind %d file \"%s\" vc %s ipxe %d (%s)",
			    t[i].name, b.kind, b.file, b.vendor_class ? b.vendor_class : "-", b.ipxe,
			    b.why);
	}
	/* Reasons, ports, entries. */
	classify((const uint8_t *)"\x5d\x02\x00\x0b", 4, &ci);
	dhcp_policy_decide(&cfg, &ci, NULL, &b);
	CHECK(strstr(b.why, "ARM 64-bit UEFI (11)") != NULL && strstr(b.why, "x86_64") != NULL);
	classify((const uint8_t *)"\x4d\x04iPXE", 6, &ci);
	cfg.http_port = 80;
	dhcp_policy_decide(&cfg, &ci, &(struct dhcp_menu){ "arch-2024", NULL }, &b);
	CHECK_STR(b.file, "http://10.99.0.1/boot.ipxe?entry=arch-2024");
	dhcp_policy_decide(&cfg, &ci, &(struct dhcp_menu){ "bad entry&x", NULL }, &b);
	CHECK_STR(b.file, "http://10.99.0.1/boot.ipxe");
	cfg.http_port = 0;
	dhcp_policy_decide(&cfg, &ci, NULL, &b);
	CHECK_INT(b.kind, DHCP_BOOT_NONE);
	CHECK(strstr(b.why, "HTTP is off") != NULL);
	classify((const uint8_t *)"\x5d\x02\x00\x00", 4, &ci);
	cfg.tftp_port = 0;
	dhcp_policy_decide(&cfg, &ci, NULL, &b);
	CHECK_INT(b.kind, DHCP_BOOT_NONE);
	CHECK(strstr(b.why, "TFTP is off") != NULL);
	CHECK_STR(dhcp_arch_name(7), "x64 UEFI");
	CHECK_STR(dhcp_arch_name(9999), "unknown architecture");
}

/* ---- lease store ---- */

static const uint32_t BASE = 0x0a630064; /* 10.99.0.100 */

static void
mac_of(uint32_t i, uint8_t mac[6])
{
	mac[0] = 0x52;
	mac[1] = 0x54;
	mac[2] = (uint8_t)(i >> 24);
	mac[3] = (uint8_t)(i >> 16);
	mac[4] = (uint8_t)(i >> 8);
	mac[5] = (uint8_t)i;
}

TEST(dhcp_lease_pick_order)
{
	static struct dhcp_leases ls;
	uint32_t reserved[] = { BASE + 1 };
	uint8_t a[6], b[6], c[6];
	struct dhcp_lease *e, *f;
	char err[256];

	mac_of(1, a);
	mac_of(2, b);
	mac_of(3, c);
	CHECK_INT(dhcp_leases_open(&ls, BASE, BASE + 3, reserved, 1, -1, NULL, 1000, err,
	    sizeof(err)), 0);
	e = dhcp_leases_pick(&ls, a, 1000);
	CHECK(e != NULL && dhcp_leases_addr(&ls, e) == BASE);
	dhcp_leases_offer(&ls, e, a, 1030);
	CHECK(dhcp_leases_pick(&ls, a, 1000) == e);     /* its own offer */
	f = dhcp_leases_pick(&ls, b, 1000);             /* skips the reserved one */
	CHECK(f != NULL && dhcp_leases_addr(&ls, f) == BASE + 2);
	CHECK_INT(dhcp_leases_bind(&ls, f, b, 2000), 0);
	CHECK(dhcp_leases_by_mac(&ls, b) == f);
	CHECK(dhcp_leases_by_addr(&ls, BASE + 2) == f);
	CHECK(dhcp_leases_by_addr(&ls, BASE + 4) == NULL);
	CHECK(dhcp_leases_by_addr(&ls, BASE - 1) == NULL);
	/* c gets the last free one; then the pool is exhausted until the
	 * offer to a expires. */
	e = dhcp_leases_pick(&ls, c, 1000);
	CHECK(e != NULL && dhcp_leases_addr(&ls, e) == BASE + 3);
	dhcp_leases_offer(&ls, e, c, 1030);
	CHECK(dhcp_leases_pick(&ls, (const uint8_t *)"\x52\x54\0\0\0\x09", 1000) == NULL);
	e = dhcp_leases_pick(&ls, (const uint8_t *)"\x52\x54\0\0\0\x09", 1030);
	CHECK(e != NULL);
	/* Release keeps the owner: b gets the same address back. */
	f = dhcp_leases_by_mac(&ls, b);
	CHECK_INT(dhcp_leases_release(&ls, f), 0);
	CHECK_INT(f->state, LEASE_FREE);
	CHECK(dhcp_leases_pick(&ls, b, 1030) == f);
	/* Quarantine forgets the owner and comes back after its time. */
	CHECK_INT(dhcp_leases_quarantine(&ls, f, 1100), 0);
	CHECK(dhcp_leases_by_mac(&ls, b) == NULL);
	dhcp_leases_expire(&ls, 1100);
	CHECK_INT(f->state, LEASE_FREE);
	/* A lease expires into the free list, owner remembered. */
	e = dhcp_leases_pick(&ls, a, 1100);
	CHECK_INT(dhcp_leases_bind(&ls, e, a, 1200), 0);
	dhcp_leases_expire(&ls, 1199);
	CHECK_INT(e->state, LEASE_BOUND);
	dhcp_leases_expire(&ls, 1200);
	CHECK_INT(e->state, LEASE_FREE);
	CHECK(dhcp_leases_by_mac(&ls, a) == e);
	dhcp_leases_close(&ls);
}

/* 50,000 clients in a /16: binding and looking up stay O(1). */
TEST(dhcp_lease_50000)
{
	static struct dhcp_leases ls;
	const uint32_t n = 50000;
	uint8_t mac[6];
	char err[256];
	clock_t t0 = clock();
	double secs;
	int bad = 0;

	CHECK_INT(dhcp_leases_open(&ls, 0x0a630001, 0x0a63fffe, NULL, 0, -1, NULL, 1, err,
	    sizeof(err)), 0);
	for (uint32_t i = 0; i < n; i++) {
		struct dhcp_lease *e;

		mac_of(i, mac);
		e = dhcp_leases_pick(&ls, mac, 1);
		if (e == NULL || dhcp_leases_bind(&ls, e, mac, 100000 + i) != 0)
			bad++;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct dhcp_lease *e;

		mac_of(i, mac);
		e = dhcp_leases_by_mac(&ls, mac);
		if (e == NULL || dhcp_leases_by_addr(&ls, dhcp_leases_addr(&ls, e)) != e ||
		    dhcp_leases_pick(&ls, mac, 2) != e)
			bad++;
	}
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	CHECK_INT(bad, 0);
	CHECK_INT(ls.bound.n, n);
	if (secs > 2.0)
		test_fail(__FILE__, __LINE__, "50,000 leases took %.2f s", secs);
	dhcp_leases_close(&ls);
}

static char jdir[64];

static int
journal_dir(void)
{
	snprintf(jdir, sizeof(jdir), "/tmp/pxestick-dhcp-unit.XXXXXX");
	if (mkdtemp(jdir) == NULL)
		return -1;
	return open(jdir, O_RDONLY | O_DIRECTORY);
}

static void
journal_write(const char *text)
{
	char p[128];
	FILE *f;

	snprintf(p, sizeof(p), "%s/leases", jdir);
	f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
}

static void
journal_cleanup(void)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/leases", jdir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/leases.tmp", jdir);
	unlink(p);
	rmdir(jdir);
}

TEST(dhcp_lease_journal)
{
	static struct dhcp_leases ls;
	uint8_t a[6], b[6];
	struct dhcp_lease *e;
	char err[256];
	int dfd = journal_dir();

	CHECK(dfd >= 0);
	mac_of(1, a);
	mac_of(2, b);
	CHECK_INT(dhcp_leases_open(&ls, BASE, BASE + 9, NULL, 0, dfd, "leases", 1000, err,
	    sizeof(err)), 0);
	e = dhcp_leases_pick(&ls, a, 1000);
	CHECK_INT(dhcp_leases_bind(&ls, e, a, 5000), 0);
	e = dhcp_leases_pick(&ls, b, 1000);
	CHECK_INT(dhcp_leases_bind(&ls, e, b, 5000), 0);
	CHECK_INT(dhcp_leases_quarantine(&ls, dhcp_leases_by_addr(&ls, BASE + 5), 4000), 0);
	CHECK_INT(dhcp_leases_release(&ls, e), 0);
	CHECK(dhcp_leases_dirty(&ls));
	CHECK_INT(dhcp_leases_sync(&ls), 0);
	CHECK(!dhcp_leases_dirty(&ls));
	/* Not closed: as after kill -9.  Reopen from the file. */
	{
		static struct dhcp_leases again;

		CHECK_INT(dhcp_leases_open(&again, BASE, BASE + 9, NULL, 0, dup(dfd), "leases",
		    1001, err, sizeof(err)), 0);
		e = dhcp_leases_by_mac(&again, a);
		CHECK(e != NULL && e->state == LEASE_BOUND && e->expires == 5000 &&
		    dhcp_leases_addr(&again, e) == BASE);
		e = dhcp_leases_by_mac(&again, b);
		CHECK(e != NULL && e->state == LEASE_FREE && dhcp_leases_addr(&again, e) == BASE + 1);
		CHECK_INT(dhcp_leases_by_addr(&again, BASE + 5)->state, LEASE_QUARANTINED);
		CHECK_INT(again.skipped, 0);
		dhcp_leases_close(&again);
	}
	dhcp_leases_close(&ls);
	/* Torn and unreadable lines are skipped; leases outside the pool and
	 * expired ones are dropped; the rest is kept. */
	journal_write("pxestick-leases 1\n"
	    "B 52:54:00:00:00:01 10.99.0.100 5000\n"
	    "B 52:54:00:00:00:02 10.99.0.101 10\n"          /* expired */
	    "B 52:54:00:00:00:03 10.1.0.1 5000\n"           /* outside the pool */
	    "X junk\n"
	    "B 52:54:00:00:00:04 10.99.0.999 5000\n"
	    "B 52:54:00:00:00:01 10.99.0.103 6000\n"        /* moved: one lease per MAC */
	    "B 52:54:00:00:00:05 10.99.0.10");              /* torn */
	dfd = open(jdir, O_RDONLY | O_DIRECTORY);
	CHECK_INT(dhcp_leases_open(&ls, BASE, BASE + 9, NULL, 0, dfd, "leases", 1000, err,
	    sizeof(err)), 0);
	CHECK_INT(ls.skipped, 3);
	CHECK_INT(ls.bound.n, 1);
	e = dhcp_leases_by_mac(&ls, a);
	CHECK(e != NULL && dhcp_leases_addr(&ls, e) == BASE + 3 && e->expires == 6000);
	CHECK_INT(dhcp_leases_by_addr(&ls, BASE)->state, LEASE_FREE);
	dhcp_leases_close(&ls);
	/* Compacted at open: the torn line is gone. */
	dfd = open(jdir, O_RDONLY | O_DIRECTORY);
	CHECK_INT(dhcp_leases_open(&ls, BASE, BASE + 9, NULL, 0, dfd, "leases", 1000, err,
	    sizeof(err)), 0);
	CHECK_INT(ls.skipped, 0);
	CHECK_INT(ls.bound.n, 1);
	dhcp_leases_close(&ls);
	/* Someone else's file is not overwritten. */
	journal_write("# my notes\n");
	dfd = open(jdir, O_RDONLY | O_DIRECTORY);
	CHECK_INT(dhcp_leases_open(&ls, BASE, BASE + 9, NULL, 0, dfd, "leases", 1000, err,
	    sizeof(err)), -1);
	CHECK(strstr(err, "refusing") != NULL);
	journal_cleanup();
}
