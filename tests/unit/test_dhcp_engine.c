/*
 * The DHCP engine as a table: each row is one message in (or a probe's
 * end, or an ARP answer) and the plan that must come out -- its kind, the
 * reply's type, address, boot file and destination, the log line, the
 * client table's event.  Rows run in order against one engine, so a
 * scenario (DISCOVER, probe, OFFER, REQUEST, ACK, renew, release ...) is
 * a run of rows.  No socket, no clock: time is a column.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <stdlib.h>

#include "dhcp/dhcp_engine.h"

#define NET     "10.99.0."

enum client { PLAIN, BIOS, UEFI, HTTPBOOT, IPXE, ARM };
enum op { MSG, PROBED, ARP };

struct row {
	int line;
	enum op op;
	enum dhcp_type type;            /* MSG: the request; 0 with no option 53 */
	uint8_t mac;                    /* last byte of the client's MAC */
	enum client client;
	const char *requested, *server_id, *ciaddr, *giaddr;   /* NULL: none */
	int pxe_port;
	/* expected */
	enum dhcp_plan_kind kind;
	enum dhcp_type reply;           /* the reply's type, 0: none */
	const char *yiaddr;             /* NULL: 0.0.0.0 */
	const char *file;               /* a substring of the boot file, or NULL */
	const char *dest;               /* "frame IP", "udp IP:PORT", or NULL */
	const char *log;                /* a substring of plan.log, or NULL: empty */
	const char *probe;              /* PROBE: the address */
};

static struct dhcp_leases leases;
static struct dhcp_engine eng;
static struct dhcp_msg msg;
static uint8_t raw[DHCP_MAX_PACKET];
static size_t raw_len;
static int64_t now = 1000000;
static const struct dhcp_reservation reserved[] = {
	{ { 0x52, 0x54, 0, 0, 0, 0x77 }, { 0 }, "arch:1" },
};
static struct dhcp_reservation res[1];

static struct in_addr
ip(const char *s)
{
	struct in_addr a = { 0 };

	if (s != NULL)
		inet_pton(AF_INET, s, &a);
	return a;
}

static void
engine_setup(enum dhcp_state state)
{
	uint32_t keep[3] = { 0x0a630001, 0x0a630000, 0x0a6300ff };
	char err[256];

	memset(&eng, 0, sizeof(eng));
	res[0] = reserved[0];
	res[0].addr = ip(NET "50");
	eng.configured = DHCP_MODE_AUTO;
	eng.state = state;
	eng.net.addr = ip(NET "1");
	eng.net.mask = ip("255.255.255.0");
	eng.net.router = ip(NET "254");
	eng.proxy_addr = ip(NET "1");
	eng.lease_time = 3600;
	eng.http_port = 80;
	eng.tftp_port = 69;
	eng.efi_boot = "ipxe.efi";
	eng.reserve = res;
	eng.n_reserve = 1;
	memcpy(eng.own_mac, "\x52\x54\x00\xff\xff\xff", 6);
	if (state != DHCP_STATE_PROXY) {
		CHECK_INT(dhcp_leases_open(&leases, 0x0a630064, 0x0a630067, keep, 3, -1, NULL, now,
		    err, sizeof(err)), 0);
		eng.leases = &leases;
	}
}

static void
engine_teardown(void)
{
	if (eng.leases != NULL)
		dhcp_leases_close(&leases);
}

static void
client_options(struct dhcp_out *o, enum client c)
{
	static const uint8_t bios[] = { 0, 0 }, uefi[] = { 0, 7 }, http[] = { 0, 16 },
	    arm[] = { 0, 11 }, feat[] = { 19, 1, 1 };

	switch (c) {
	case PLAIN:
		break;
	case BIOS:
		dhcp_out_opt(o, DHCP_OPT_VENDOR_CLASS, "PXEClient:Arch:00000:UNDI:002001", 32);
		dhcp_out_opt(o, DHCP_OPT_CLIENT_ARCH, bios, 2);
		break;
	case UEFI:
		dhcp_out_opt(o, DHCP_OPT_VENDOR_CLASS, "PXEClient:Arch:00007:UNDI:003000", 32);
		dhcp_out_opt(o, DHCP_OPT_CLIENT_ARCH, uefi, 2);
		break;
	case HTTPBOOT:
		dhcp_out_opt(o, DHCP_OPT_VENDOR_CLASS, "HTTPClient:Arch:00016:UNDI:003000", 33);
		dhcp_out_opt(o, DHCP_OPT_CLIENT_ARCH, http, 2);
		break;
	case IPXE:
		dhcp_out_opt(o, DHCP_OPT_VENDOR_CLASS, "PXEClient:Arch:00000:UNDI:002001", 32);
		dhcp_out_opt(o, DHCP_OPT_CLIENT_ARCH, bios, 2);
		dhcp_out_opt(o, DHCP_OPT_USER_CLASS, "iPXE", 4);
		dhcp_out_opt(o, DHCP_OPT_IPXE_ENCAP, feat, sizeof(feat));
		break;
	case ARM:
		dhcp_out_opt(o, DHCP_OPT_VENDOR_CLASS, "PXEClient:Arch:00011:UNDI:003000", 32);
		dhcp_out_opt(o, DHCP_OPT_CLIENT_ARCH, arm, 2);
		break;
	}
}

/* The request of row r, parsed into msg (its bytes in raw). */
static void
make_msg(const struct row *r)
{
	uint8_t mac[6] = { 0x52, 0x54, 0, 0, 0, r->mac };
	static const uint8_t relay[] = { 1, 4, 'p', 'o', 'r', 't' };
	struct dhcp_out o;
	const char *why;

	dhcp_out_request(&o, raw, sizeof(raw), 0x1234 + r->mac, mac,
	    r->type ? r->type : DHCPDISCOVER);
	if (r->type == 0) /* BOOTP: no option 53 at all */
		o.len = DHCP_OFF_OPTIONS;
	dhcp_out_addr(&o, DHCP_OFF_CIADDR, ip(r->ciaddr));
	dhcp_out_addr(&o, DHCP_OFF_GIADDR, ip(r->giaddr));
	if (r->requested)
		dhcp_out_opt_addr(&o, DHCP_OPT_REQUESTED_IP, ip(r->requested));
	if (r->server_id)
		dhcp_out_opt_addr(&o, DHCP_OPT_SERVER_ID, ip(r->server_id));
	if (r->giaddr)
		dhcp_out_opt(&o, DHCP_OPT_RELAY_AGENT, relay, sizeof(relay));
	client_options(&o, r->client);
	raw_len = dhcp_out_finish(&o);
	if (raw_len == 0 || dhcp_msg_parse(&msg, raw, raw_len, &why) != 0)
		test_fail(__FILE__, r->line, "the row's message does not build");
}

static void
check_dest(const struct row *r, const struct dhcp_plan *p)
{
	char want[64], got[64], a[INET_ADDRSTRLEN];

	if (r->dest == NULL)
		return;
	inet_ntop(AF_INET, &p->dest.ip, a, sizeof(a));
	snprintf(want, sizeof(want), "%s", r->dest);
	if (p->dest.frame)
		snprintf(got, sizeof(got), "frame %s", a);
	else
		snprintf(got, sizeof(got), "udp %s:%u%s", a, p->dest.port,
		    p->dest.sock == DHCP_SOCK_4011 ? " from 4011" : "");
	if (strcmp(want, got) != 0)
		test_fail(__FILE__, r->line, "destination %s, want %s", got, want);
}

static void
check_reply(const struct row *r, const struct dhcp_plan *p)
{
	struct dhcp_msg back;
	const char *why;
	struct in_addr y = ip(r->yiaddr);

	if (r->reply == 0) {
		if (p->kind == DHCP_PLAN_SEND || p->kind == DHCP_PLAN_SEND_SYNCED)
			test_fail(__FILE__, r->line, "a reply went out");
		return;
	}
	if (dhcp_msg_parse(&back, p->reply, p->len, &why) != 0) {
		test_fail(__FILE__, r->line, "the reply does not parse: %s", why);
		return;
	}
	if (back.type != r->reply || back.xid != msg.xid || back.yiaddr.s_addr != y.s_addr)
		test_fail(__FILE__, r->line, "reply %s yiaddr %s, want %s %s",
		    dhcp_type_name(back.type), inet_ntoa(back.yiaddr), dhcp_type_name(r->reply),
		    r->yiaddr ? r->yiaddr : "0.0.0.0");
	if (r->file != NULL && strstr(back.file, r->file) == NULL)
		test_fail(__FILE__, r->line, "boot file \"%s\", want \"%s\"", back.file, r->file);
	if (r->giaddr != NULL && dhcp_msg_opt(&back, DHCP_OPT_RELAY_AGENT, &(size_t){ 0 }) == NULL)
		test_fail(__FILE__, r->line, "option 82 not echoed");
	check_dest(r, p);
}

static void
run_rows(const struct row *rows, size_t n)
{
	struct dhcp_plan p;

	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];

		make_msg(r);
		if (r->op == MSG)
			dhcp_engine_handle(&eng, &msg, r->pxe_port, &(struct sockaddr_in){
			    .sin_family = AF_INET, .sin_port = htons(68),
			    .sin_addr = ip(r->ciaddr) }, now, &p);
		else if (r->op == PROBED)
			dhcp_engine_probed(&eng, &msg, ntohl(ip(r->requested).s_addr), 0, now, &p);
		else
			dhcp_engine_arp(&eng, ip(r->requested), msg.chaddr, now, &p);
		if (p.kind != r->kind)
			test_fail(__FILE__, r->line, "plan %d, want %d (%s)", p.kind, r->kind, p.log);
		if (r->log == NULL ? p.log[0] != '\0' : strstr(p.log, r->log) == NULL)
			test_fail(__FILE__, r->line, "log \"%s\", want \"%s\"", p.log,
			    r->log ? r->log : "");
		if (r->probe != NULL && p.probe_addr != ntohl(ip(r->probe).s_addr))
			test_fail(__FILE__, r->line, "probe of another address");
		check_reply(r, &p);
		now += 1;
	}
}

#define R(...) { __LINE__, __VA_ARGS__ }

TEST(dhcp_engine_authoritative_rfc2131)
{
	static const struct row rows[] = {
		/* DISCOVER: the least recently used free address is held and
		 * probed; the probe's end offers it, unicast to chaddr. */
		R(MSG, DHCPDISCOVER, 1, BIOS, NULL, NULL, NULL, NULL, 0,
		    DHCP_PLAN_PROBE, 0, NULL, NULL, NULL, NULL, NET "100"),
		/* a retransmission while the probe is out: nothing */
		R(MSG, DHCPDISCOVER, 1, BIOS, NULL, NULL, NULL, NULL, 0,
		    DHCP_PLAN_IGNORE, 0, NULL, NULL, NULL, NULL, NULL),
		R(PROBED, DHCPDISCOVER, 1, BIOS, NET "100", NULL, NULL, NULL, 0,
		    DHCP_PLAN_SEND, DHCPOFFER, NET "100", "undionly.kpxe", "frame " NET "100",
		    "52:54:00:00:00:01 (" NET "100): ", NULL),
		/* SELECTING: ACK after the journal sync, logged once */
		R(MSG, DHCPREQUEST, 1, BIOS, NET "100", NET "1", NULL, NULL, 0,
		    DHCP_PLAN_SEND_SYNCED, DHCPACK, NET "100", "undionly.kpxe", "frame " NET "100",
		    "lease " NET "100 to 52:54:00:00:00:01 for 3600 s", NULL),
		R(MSG, DHCPREQUEST, 1, BIOS, NET "100", NET "1", NULL, NULL, 0,
		    DHCP_PLAN_SEND_SYNCED, DHCPACK, NET "100", NULL, NULL, NULL, NULL),
		/* its own lease is offered at once, no probe */
		R(MSG, DHCPDISCOVER, 1, UEFI, NULL, NULL, NULL, NULL, 0,
		    DHCP_PLAN_SEND, DHCPOFFER, NET "100", "ipxe.efi", NULL, "ipxe.efi", NULL),
		/* INIT-REBOOT: requested address, no server id */
		R(MSG, DHCPREQUEST, 1, PLAIN, NET "100", NULL, NULL, NULL, 0,
		    DHCP_PLAN_SEND_SYNCED, DHCPACK, NET "100", NULL, NULL, NULL, NULL),
		/* RENEWING: ciaddr, answered there */
		R(MSG, DHCPREQUEST, 1, PLAIN, NULL, NULL, NET "100", NULL, 0,
		    DHCP_PLAN_SEND_SYNCED, DHCPACK, NET "100", NULL, "udp " NET "100:68", NULL,
		    NULL),
		/* NAK rules: broadcast, never unicast */
		R(MSG, DHCPREQUEST, 2, PLAIN, NET "100", NULL, NULL, NULL, 0,
		    DHCP_PLAN_SEND, DHCPNAK, NULL, NULL, "frame 255.255.255.255",
		    "NAK to 52:54:00:00:00:02: address leased to another client", NULL),
		R(MSG, DHCPREQUEST, 2, PLAIN, "10.1.1.1", NULL, NULL, NULL, 0,
		    DHCP_PLAN_SEND, DHCPNAK, NULL, NULL, NULL, "wrong network", NULL),
		R(MSG, DHCPREQUEST, 2, PLAIN, NET "7", NULL, NULL, NULL, 0,
		    DHCP_PLAN_SEND, DHCPNAK, NULL, NULL, NULL, "address not in the pool", NULL),
		R(MSG, DHCPREQUEST, 2, PLAIN, NET "50", NULL, NULL, NULL, 0,
		    DHCP_PLAN_SEND, DHCPNAK, NULL, NULL, NULL, "reserved for another client", NULL),
		R(MSG, DHCPREQUEST, 2, PLAIN, NULL, NULL, NULL, NULL, 0,
		    DHCP_PLAN_DROP, 0, NULL, NULL, NULL, "names no address", NULL),
		/* a reservation: its address at once, its entry in boot.ipxe */
		R(MSG, DHCPDISCOVER, 0x77, IPXE, NULL, NULL, NULL, NULL, 0,
		    DHCP_PLAN_SEND, DHCPOFFER, NET "50", "boot.ipxe?entry=arch:1", NULL,
		    "52:54:00:00:00:77 (" NET "50): iPXE", NULL),
		R(MSG, DHCPREQUEST, 0x77, IPXE, NET "101", NULL, NULL, NULL, 0,
		    DHCP_PLAN_SEND, DHCPNAK, NULL, NULL, NULL, "this client's address is " NET "50",
		    NULL),
		R(MSG, DHCPREQUEST, 0x77, IPXE, NET "50", NULL, NULL, NULL, 0,
		    DHCP_PLAN_SEND, DHCPACK, NET "50", "http://" NET "1/boot.ipxe", NULL, NULL, NULL),
		/* DECLINE quarantines; then nobody gets the address */
		R(MSG, DHCPDECLINE, 1, PLAIN, NET "100", NET "1", NULL, NULL, 0,
		    DHCP_PLAN_IGNORE, 0, NULL, NULL, NULL, "DECLINE: 52:54:00:00:00:01 says "
		    NET "100 is in use", NULL),
		R(MSG, DHCPREQUEST, 1, PLAIN, NET "100", NULL, NULL, NULL, 0,
		    DHCP_PLAN_SEND, DHCPNAK, NULL, NULL, NULL, "in use by another host", NULL),
		R(MSG, DHCPDECLINE, 3, PLAIN, NET "101", NULL, NULL, NULL, 0,
		    DHCP_PLAN_DROP, 0, NULL, NULL, NULL, "not this client's", NULL),
		R(MSG, DHCPDECLINE, 3, PLAIN, NULL, NULL, NULL, NULL, 0,
		    DHCP_PLAN_DROP, 0, NULL, NULL, NULL, "without option 50", NULL),
		/* INFORM: options, no address, no lease time */
		R(MSG, DHCPINFORM, 4, PLAIN, NULL, NULL, NET "9", NULL, 0,
		    DHCP_PLAN_SEND, DHCPACK, NULL, NULL, "udp " NET "9:68", NULL, NULL),
		R(MSG, DHCPINFORM, 4, PLAIN, NULL, NULL, NULL, NULL, 0,
		    DHCP_PLAN_DROP, 0, NULL, NULL, NULL, "INFORM without ciaddr", NULL),
		/* relayed: offered at once (ARP does not cross a relay), to the
		 * relay's port 67, option 82 echoed */
		R(MSG, DHCPDISCOVER, 5, BIOS, NULL, NULL, NULL, NET "2", 0,
		    DHCP_PLAN_SEND, DHCPOFFER, NET "101", "undionly.kpxe", "udp " NET "2:67",
		    "(" NET "101): x86 BIOS", NULL),
		R(MSG, DHCPDISCOVER, 5, BIOS, NULL, NULL, NULL, "192.168.1.1", 0,
		    DHCP_PLAN_DROP, 0, NULL, NULL, NULL, "giaddr outside our subnet", NULL),
		/* a REQUEST naming another server frees our offer, and says
		 * there is another server */
		R(MSG, DHCPREQUEST, 5, PLAIN, NET "101", "192.168.1.1", NULL, NULL, 0,
		    DHCP_PLAN_IGNORE, 0, NULL, NULL, NULL, NULL, NULL),
		/* RELEASE frees; not logged for a lease that is not there */
		R(MSG, DHCPRELEASE, 0x77, PLAIN, NULL, NET "1", NET "50", NULL, 0,
		    DHCP_PLAN_IGNORE, 0, NULL, NULL, NULL, NULL, NULL),
		R(MSG, 0, 6, BIOS, NULL, NULL, NULL, NULL, 0,
		    DHCP_PLAN_DROP, 0, NULL, NULL, NULL, "BOOTP request", NULL),
		/* port 4011 while authoritative: boot information, our address */
		R(MSG, DHCPREQUEST, 7, UEFI, NULL, NULL, NET "33", NULL, 1,
		    DHCP_PLAN_SEND, DHCPACK, NULL, "ipxe.efi", "udp " NET "33:68 from 4011",
		    "proxy (4011) 52:54:00:00:00:07", NULL),
	};

	engine_setup(DHCP_STATE_AUTHORITATIVE);
	run_rows(rows, sizeof(rows) / sizeof(rows[0]));
	engine_teardown();
}

TEST(dhcp_engine_foreign_server_and_status)
{
	struct dhcp_plan p;
	struct row r = R(MSG, DHCPREQUEST, 5, PLAIN, NET "101", "192.168.1.1", NULL, NULL, 0,
	    DHCP_PLAN_IGNORE, 0, NULL, NULL, NULL, NULL, NULL);
	struct in_addr sid;

	engine_setup(DHCP_STATE_AUTHORITATIVE);
	make_msg(&r);
	dhcp_engine_handle(&eng, &msg, 0, &(struct sockaddr_in){ .sin_family = AF_INET }, now, &p);
	CHECK(p.foreign.s_addr == ip("192.168.1.1").s_addr);
	/* a reply seen on 68 that hands out an address is a server; a proxy
	 * reply (yiaddr 0) and our own are not */
	msg.op = BOOTREPLY;
	msg.type = DHCPOFFER;
	msg.yiaddr = ip("192.168.1.77");
	CHECK_INT(dhcp_engine_foreign_reply(&eng, &msg, ip("192.168.1.1"), &sid), 0);
	CHECK(sid.s_addr == ip("192.168.1.1").s_addr);
	msg.yiaddr.s_addr = 0;
	CHECK_INT(dhcp_engine_foreign_reply(&eng, &msg, ip("192.168.1.1"), &sid), -1);
	r = (struct row)R(MSG, DHCPREQUEST, 5, PLAIN, NULL, NULL, NULL, NULL, 0,
	    DHCP_PLAN_IGNORE, 0, NULL, NULL, NULL, NULL, NULL);
	make_msg(&r); /* no server id: the sender is the server */
	msg.op = BOOTREPLY;
	msg.type = DHCPACK;
	msg.yiaddr = ip(NET "120");
	CHECK_INT(dhcp_engine_foreign_reply(&eng, &msg, ip(NET "1"), &sid), -1);
	CHECK_INT(dhcp_engine_foreign_reply(&eng, &msg, ip(NET "9"), &sid), 0);
	CHECK(sid.s_addr == ip(NET "9").s_addr);
	/* an OFFER tells the client table who asked and what it got */
	r = (struct row)R(MSG, DHCPDISCOVER, 8, HTTPBOOT, NULL, NULL, NULL, NET "2", 0,
	    DHCP_PLAN_SEND, DHCPOFFER, NULL, NULL, NULL, NULL, NULL);
	make_msg(&r);
	dhcp_engine_handle(&eng, &msg, 0, &(struct sockaddr_in){ .sin_family = AF_INET }, now, &p);
	CHECK_INT(p.status, DHCP_STATUS_BOOT);
	CHECK_INT(p.ev.firmware, STATUS_FW_UEFI_HTTP);
	CHECK_INT(p.ev.arch, 16);
	CHECK(p.ev.booted && p.ev.netboot && !p.ev.ipxe);
	CHECK(p.ev.detail != NULL && strstr(p.ev.detail, "http://" NET "1/ipxe.efi") != NULL);
	engine_teardown();
}

TEST(dhcp_engine_probes_and_exhaustion)
{
	static const struct row rows[] = {
		R(MSG, DHCPDISCOVER, 1, BIOS, NULL, NULL, NULL, NULL, 0,
		    DHCP_PLAN_PROBE, 0, NULL, NULL, NULL, NULL, NET "100"),
		/* someone else answers ARP for it: quarantined ... */
		R(ARP, DHCPDISCOVER, 9, PLAIN, NET "100", NULL, NULL, NULL, 0,
		    DHCP_PLAN_IGNORE, 0, NULL, NULL, NULL, "ARP: " NET "100 is in use by "
		    "52:54:00:00:00:09", NULL),
		/* ... so the probe's end tries the next address */
		R(PROBED, DHCPDISCOVER, 1, BIOS, NET "100", NULL, NULL, NULL, 0,
		    DHCP_PLAN_PROBE, 0, NULL, NULL, NULL, NULL, NET "101"),
		R(PROBED, DHCPDISCOVER, 1, BIOS, NET "101", NULL, NULL, NULL, 0,
		    DHCP_PLAN_SEND, DHCPOFFER, NET "101", NULL, NULL, "(" NET "101)", NULL),
		R(MSG, DHCPREQUEST, 1, BIOS, NET "101", NET "1", NULL, NULL, 0,
		    DHCP_PLAN_SEND_SYNCED, DHCPACK, NET "101", NULL, NULL, "lease", NULL),
		/* relayed clients fill the rest of the pool (.102, .103) */
		R(MSG, DHCPREQUEST, 2, PLAIN, NET "102", NULL, NULL, NULL, 0,
		    DHCP_PLAN_SEND_SYNCED, DHCPACK, NET "102", NULL, NULL, "lease", NULL),
		R(MSG, DHCPREQUEST, 3, PLAIN, NET "103", NULL, NULL, NULL, 0,
		    DHCP_PLAN_SEND_SYNCED, DHCPACK, NET "103", NULL, NULL, "lease", NULL),
		R(MSG, DHCPDISCOVER, 4, BIOS, NULL, NULL, NULL, NULL, 0,
		    DHCP_PLAN_IGNORE, 0, NULL, NULL, NULL, "pool exhausted: no address for "
		    "52:54:00:00:00:04", NULL),
	};

	engine_setup(DHCP_STATE_AUTHORITATIVE);
	run_rows(rows, sizeof(rows) / sizeof(rows[0]));
	engine_teardown();
}

static int
elsewhere_03(void *ctx, const uint8_t mac[6])
{
	(void)ctx;
	return mac[5] == 0x03;
}

TEST(dhcp_engine_proxy_and_probing)
{
	static const struct row proxy_rows[] = {
		/* not a netboot client: the network's server answers it */
		R(MSG, DHCPDISCOVER, 1, PLAIN, NULL, NULL, NULL, NULL, 0,
		    DHCP_PLAN_IGNORE, 0, NULL, NULL, NULL, NULL, NULL),
		R(MSG, DHCPDISCOVER, 2, BIOS, NULL, NULL, NULL, NULL, 0,
		    DHCP_PLAN_SEND, DHCPOFFER, NULL, "undionly.kpxe", "frame 255.255.255.255",
		    "proxy 52:54:00:00:00:02", NULL),
		R(MSG, DHCPREQUEST, 2, BIOS, NULL, NET "1", NULL, NULL, 0,
		    DHCP_PLAN_SEND, DHCPACK, NULL, "undionly.kpxe", NULL, NULL, NULL),
		/* a REQUEST to the network's server is not ours */
		R(MSG, DHCPREQUEST, 2, BIOS, "192.168.1.50", "192.168.1.1", NULL, NULL, 0,
		    DHCP_PLAN_IGNORE, 0, NULL, NULL, NULL, NULL, NULL),
		R(MSG, DHCPDISCOVER, 3, IPXE, NULL, NULL, NULL, NULL, 0,
		    DHCP_PLAN_SEND, DHCPOFFER, NULL, "http://" NET "1/boot.ipxe", NULL,
		    "proxy 52:54:00:00:00:03: iPXE", NULL),
		R(MSG, DHCPDISCOVER, 4, HTTPBOOT, NULL, NULL, NULL, NULL, 0,
		    DHCP_PLAN_SEND, DHCPOFFER, NULL, "http://" NET "1/ipxe.efi", NULL,
		    "UEFI HTTP Boot", NULL),
		R(MSG, DHCPREQUEST, 5, UEFI, NULL, NULL, "192.168.1.60", NULL, 1,
		    DHCP_PLAN_SEND, DHCPACK, NULL, "ipxe.efi", "udp 192.168.1.60:68 from 4011",
		    "proxy (4011) 52:54:00:00:00:05: x64 UEFI", NULL),
		/* another architecture: no answer, a reason */
		R(MSG, DHCPDISCOVER, 6, ARM, NULL, NULL, NULL, NULL, 0,
		    DHCP_PLAN_IGNORE, 0, NULL, NULL, NULL, "no boot file", NULL),
		R(MSG, DHCPRELEASE, 2, BIOS, NULL, NULL, NULL, NULL, 0,
		    DHCP_PLAN_IGNORE, 0, NULL, NULL, NULL, NULL, NULL),
	};
	static const struct row probing_rows[] = {
		R(MSG, DHCPDISCOVER, 2, BIOS, NULL, NULL, NULL, NULL, 0,
		    DHCP_PLAN_DROP, 0, NULL, NULL, NULL, NULL, NULL),
	};
	struct dhcp_plan p;
	uint8_t pxe43[64];
	const uint8_t *o;
	size_t len;

	engine_setup(DHCP_STATE_PROXY);
	run_rows(proxy_rows, sizeof(proxy_rows) / sizeof(proxy_rows[0]));
	/* a proxy offer: siaddr and option 54 are ours, PXE option 43 says
	 * "boot the file named here", and iPXE is not told to skip proxyDHCP */
	make_msg(&proxy_rows[1]);
	dhcp_engine_handle(&eng, &msg, 0, &(struct sockaddr_in){ .sin_family = AF_INET }, now, &p);
	CHECK_INT(dhcp_msg_parse(&msg, p.reply, p.len, &(const char *){ NULL }), 0);
	CHECK(msg.siaddr.s_addr == ip(NET "1").s_addr);
	o = dhcp_msg_opt(&msg, DHCP_OPT_VENDOR, &len);
	CHECK(o != NULL && len <= sizeof(pxe43));
	CHECK(dhcp_sub_find(o, len, PXE_DISCOVERY_CONTROL, &len) != NULL);
	make_msg(&proxy_rows[4]);
	dhcp_engine_handle(&eng, &msg, 0, &(struct sockaddr_in){ .sin_family = AF_INET }, now, &p);
	CHECK_INT(dhcp_msg_parse(&msg, p.reply, p.len, &(const char *){ NULL }), 0);
	CHECK(dhcp_msg_opt(&msg, DHCP_OPT_IPXE_ENCAP, &len) == NULL);
	/* its firmware took another boot server's offer: iPXE is left to it,
	 * the firmware (a new boot) is still answered, and so is everyone
	 * else's iPXE */
	eng.went_elsewhere = elsewhere_03;
	make_msg(&proxy_rows[4]);
	dhcp_engine_handle(&eng, &msg, 0, &(struct sockaddr_in){ .sin_family = AF_INET }, now, &p);
	CHECK_INT(p.kind, DHCP_PLAN_IGNORE);
	CHECK(strstr(p.log, "another boot server") != NULL);
	raw[28 + 5] = 0x07;     /* chaddr's last byte: another machine */
	CHECK_INT(dhcp_msg_parse(&msg, raw, raw_len, &(const char *){ NULL }), 0);
	dhcp_engine_handle(&eng, &msg, 0, &(struct sockaddr_in){ .sin_family = AF_INET }, now, &p);
	CHECK_INT(p.kind, DHCP_PLAN_SEND);
	make_msg(&proxy_rows[1]);
	raw[28 + 5] = 0x03;
	CHECK_INT(dhcp_msg_parse(&msg, raw, raw_len, &(const char *){ NULL }), 0);
	dhcp_engine_handle(&eng, &msg, 0, &(struct sockaddr_in){ .sin_family = AF_INET }, now, &p);
	CHECK_INT(p.kind, DHCP_PLAN_SEND);
	CHECK(p.ev.offer_only);
	eng.went_elsewhere = NULL;
	/* no address known to point at: nothing */
	eng.proxy_addr.s_addr = 0;
	make_msg(&proxy_rows[1]);
	dhcp_engine_handle(&eng, &msg, 0, &(struct sockaddr_in){ .sin_family = AF_INET }, now, &p);
	CHECK_INT(p.kind, DHCP_PLAN_IGNORE);
	engine_teardown();

	engine_setup(DHCP_STATE_PROBING);
	run_rows(probing_rows, 1);
	engine_teardown();
}

/* Who boots (clients.h) as the wire shows it: per mode, per rule. */
TEST(dhcp_engine_client_rules)
{
	static const struct row proxy_rows[] = {
		/* unknown, auto beside another server: the menu defaults to the disk */
		R(MSG, DHCPDISCOVER, 3, IPXE, NULL, NULL, NULL, NULL, 0,
		    DHCP_PLAN_SEND, DHCPOFFER, NULL, "/boot.ipxe?default=local", NULL,
		    "iPXE: http://" NET "1/boot.ipxe?default=local", NULL),
		/* firmware PXE still gets iPXE: the choice is made in its menu */
		R(MSG, DHCPDISCOVER, 2, BIOS, NULL, NULL, NULL, NULL, 0,
		    DHCP_PLAN_SEND, DHCPOFFER, NULL, "undionly.kpxe", NULL, "undionly.kpxe", NULL),
		/* ignore: no answer at all, on 67 and on 4011 */
		R(MSG, DHCPDISCOVER, 0x0a, BIOS, NULL, NULL, NULL, NULL, 0,
		    DHCP_PLAN_IGNORE, 0, NULL, NULL, NULL, "52:54:00:00:00:0a: ignored (its rule)",
		    NULL),
		R(MSG, DHCPREQUEST, 0x0a, UEFI, NULL, NULL, "192.168.1.60", NULL, 1,
		    DHCP_PLAN_IGNORE, 0, NULL, NULL, NULL, "ignored", NULL),
		/* a listed machine: its entry */
		R(MSG, DHCPDISCOVER, 0x0b, IPXE, NULL, NULL, NULL, NULL, 0,
		    DHCP_PLAN_SEND, DHCPOFFER, NULL, "/boot.ipxe?entry=arch.iso:2", NULL,
		    "?entry=arch.iso:2", NULL),
		/* menu: waits for a choice */
		R(MSG, DHCPDISCOVER, 0x0c, IPXE, NULL, NULL, NULL, NULL, 0,
		    DHCP_PLAN_SEND, DHCPOFFER, NULL, "/boot.ipxe?default=wait", NULL, "?default=wait",
		    NULL),
		/* done once: the disk, quickly */
		R(MSG, DHCPDISCOVER, 0x0d, IPXE, NULL, NULL, NULL, NULL, 0,
		    DHCP_PLAN_SEND, DHCPOFFER, NULL, "/boot.ipxe?default=done", NULL, "?default=done",
		    NULL),
	};
	static const struct row auth_rows[] = {
		/* unknown, auto alone: it boots (no ?default) */
		R(MSG, DHCPDISCOVER, 3, IPXE, NULL, NULL, NULL, NULL, 0,
		    DHCP_PLAN_PROBE, 0, NULL, NULL, NULL, NULL, NET "100"),
		R(PROBED, 0, 3, IPXE, NET "100", NULL, NULL, NULL, 0,
		    DHCP_PLAN_SEND, DHCPOFFER, NET "100", "http://" NET "1/boot.ipxe", NULL,
		    "iPXE: http://" NET "1/boot.ipxe", NULL),
		/* ignore on our own network: an address, no boot file */
		R(MSG, DHCPDISCOVER, 0x0a, BIOS, NULL, NULL, NULL, NULL, 0,
		    DHCP_PLAN_PROBE, 0, NULL, NULL, NULL, NULL, NET "101"),
		R(PROBED, 0, 0x0a, BIOS, NET "101", NULL, NULL, NULL, 0,
		    DHCP_PLAN_SEND, DHCPOFFER, NET "101", NULL, NULL, "ignored (its rule)", NULL),
	};
	struct clients c;
	struct client_rule r;
	struct dhcp_plan p;
	char err[160];
	static const char *const rules[] = {
		"52:54:00:00:00:0a ignore", "52:54:00:00:00:0b entry=arch.iso:2 name=lab",
		"52:54:00:00:00:0c menu", "52:54:00:00:00:0d",
	};
	static const uint8_t done_mac[6] = { 0x52, 0x54, 0, 0, 0, 0x0d };

	clients_init(&c);
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		CHECK_INT(client_rule_parse(rules[i], strlen(rules[i]), &r, err, sizeof(err)), 0);
		CHECK_INT(clients_add(&c, &r, "t", err, sizeof(err)), 0);
	}
	c.boot_once = 1;
	CHECK_INT(clients_mark_done(&c, done_mac, 5), 1);

	engine_setup(DHCP_STATE_PROXY);
	eng.clients = &c;
	run_rows(proxy_rows, sizeof(proxy_rows) / sizeof(proxy_rows[0]));
	/* the client table hears who was turned away, and why */
	make_msg(&proxy_rows[2]);
	dhcp_engine_handle(&eng, &msg, 0, &(struct sockaddr_in){ .sin_family = AF_INET }, now, &p);
	CHECK_INT(p.status, DHCP_STATUS_BOOT);
	CHECK(p.ev.turned_away);
	CHECK_STR(p.ev.policy, "ignored");
	make_msg(&proxy_rows[0]);
	dhcp_engine_handle(&eng, &msg, 0, &(struct sockaddr_in){ .sin_family = AF_INET }, now, &p);
	CHECK(p.ev.turned_away);
	CHECK_STR(p.ev.policy, "local disk by default");
	make_msg(&proxy_rows[4]);
	dhcp_engine_handle(&eng, &msg, 0, &(struct sockaddr_in){ .sin_family = AF_INET }, now, &p);
	CHECK(!p.ev.turned_away);
	CHECK_STR(p.ev.name, "lab");
	make_msg(&proxy_rows[6]);
	dhcp_engine_handle(&eng, &msg, 0, &(struct sockaddr_in){ .sin_family = AF_INET }, now, &p);
	CHECK_STR(p.ev.policy, "done, next boot: local disk");
	engine_teardown();

	engine_setup(DHCP_STATE_AUTHORITATIVE);
	eng.clients = &c;
	run_rows(auth_rows, sizeof(auth_rows) / sizeof(auth_rows[0]));
	/* offered again at once (their leases): exactly these boot files */
	make_msg(&auth_rows[0]);
	dhcp_engine_handle(&eng, &msg, 0, &(struct sockaddr_in){ .sin_family = AF_INET }, now, &p);
	CHECK_INT(p.kind, DHCP_PLAN_SEND);
	CHECK_INT(dhcp_msg_parse(&msg, p.reply, p.len, &(const char *){ NULL }), 0);
	CHECK_STR(msg.file, "http://" NET "1/boot.ipxe");
	make_msg(&auth_rows[2]);
	dhcp_engine_handle(&eng, &msg, 0, &(struct sockaddr_in){ .sin_family = AF_INET }, now, &p);
	CHECK_INT(p.kind, DHCP_PLAN_SEND);
	CHECK_INT(dhcp_msg_parse(&msg, p.reply, p.len, &(const char *){ NULL }), 0);
	CHECK_STR(msg.file, "");
	CHECK(msg.yiaddr.s_addr == ip(NET "101").s_addr);
	CHECK(dhcp_msg_opt(&msg, DHCP_OPT_BOOTFILE, &(size_t){ 0 }) == NULL);
	engine_teardown();
	clients_free(&c);
}

/* Another PXE boot server, as its replies on port 68 show it. */
static void
reply_msg(const char *vc, const char *file, const char *yiaddr, const char *sid)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0, 0, 0, 0x42 };
	struct dhcp_out o;
	struct in_addr a = ip(sid);

	dhcp_out_request(&o, raw, sizeof(raw), 0x1234, mac, DHCPOFFER);
	raw[0] = BOOTREPLY;
	if (yiaddr != NULL)
		memcpy(raw + 16, &(struct in_addr){ ip(yiaddr).s_addr }, 4);
	if (vc != NULL)
		dhcp_out_opt(&o, DHCP_OPT_VENDOR_CLASS, vc, strlen(vc));
	if (file != NULL)
		dhcp_out_opt(&o, DHCP_OPT_BOOTFILE, file, strlen(file));
	if (sid != NULL)
		dhcp_out_opt(&o, DHCP_OPT_SERVER_ID, &a, 4);
	raw_len = dhcp_out_finish(&o);
	CHECK_INT(dhcp_msg_parse(&msg, raw, raw_len, &(const char *){ NULL }), 0);
}

TEST(dhcp_engine_other_boot_servers)
{
	struct dhcp_boot_server bs;
	struct sockaddr_in from = { .sin_family = AF_INET, .sin_port = htons(67) };

	engine_setup(DHCP_STATE_PROXY);
	from.sin_addr = ip("192.168.1.9");
	/* a proxyDHCP offer: PXEClient, no address */
	reply_msg("PXEClient", "pxelinux.0", NULL, "192.168.1.9");
	CHECK_INT(dhcp_engine_boot_server(&eng, &msg, &from, &bs), 1);
	CHECK(bs.addr.s_addr == ip("192.168.1.9").s_addr);
	CHECK_STR(bs.what, "proxyDHCP, boot file pxelinux.0");
	/* a DHCP server that hands out a boot file with the address */
	reply_msg(NULL, "wds\\x64\\wdsnbp.com\x01", "192.168.1.70", "192.168.1.1");
	CHECK_INT(dhcp_engine_boot_server(&eng, &msg, &from, &bs), 1);
	CHECK(bs.addr.s_addr == ip("192.168.1.1").s_addr);
	CHECK_STR(bs.what, "DHCP with boot information, boot file wds\\x64\\wdsnbp.com?");
	/* a plain DHCP offer is no boot server */
	reply_msg(NULL, NULL, "192.168.1.70", "192.168.1.1");
	CHECK_INT(dhcp_engine_boot_server(&eng, &msg, &from, &bs), 0);
	/* an answer from port 4011 is one, even without a file */
	from.sin_port = htons(4011);
	CHECK_INT(dhcp_engine_boot_server(&eng, &msg, &from, &bs), 1);
	CHECK(strstr(bs.what, "(port 4011)") != NULL);
	/* our own replies are not */
	from.sin_port = htons(67);
	from.sin_addr = ip(NET "1");
	reply_msg("PXEClient", "undionly.kpxe", NULL, NET "1");
	CHECK_INT(dhcp_engine_boot_server(&eng, &msg, &from, &bs), 0);
	/* a request is not a reply */
	reply_msg("PXEClient", NULL, NULL, "192.168.1.9");
	msg.op = BOOTREQUEST;
	CHECK_INT(dhcp_engine_boot_server(&eng, &msg, &from, &bs), 0);
	engine_teardown();
}

TEST(dhcp_pick_proxy_addr_follows_the_network)
{
	struct dhcp_ifaddr a[3] = {
		{ ip(NET "1"), ip("255.255.255.0") },
		{ ip("192.168.1.57"), ip("255.255.255.0") },
		{ ip("172.16.0.4"), ip("255.255.0.0") },
	};
	struct in_addr none = { 0 }, got;

	/* the site's server on 192.168.1.0/24: the lease there */
	got = dhcp_pick_proxy_addr(a, 3, ip(NET "1"), none, ip("192.168.1.1"));
	CHECK(got.s_addr == ip("192.168.1.57").s_addr);
	got = dhcp_pick_proxy_addr(a, 3, ip(NET "1"), none, ip("172.16.200.1"));
	CHECK(got.s_addr == ip("172.16.0.4").s_addr);
	/* the server behind a relay: the subnet of an address it gave here */
	got = dhcp_pick_proxy_addr(a, 3, ip(NET "1"), ip("192.168.1.80"), ip("10.200.0.1"));
	CHECK(got.s_addr == ip("192.168.1.57").s_addr);
	got = dhcp_pick_proxy_addr(a, 3, ip(NET "1"), ip("172.16.9.9"), ip("192.168.1.1"));
	CHECK(got.s_addr == ip("172.16.0.4").s_addr);
	/* no server known, or none on a subnet we carry: the configured one */
	got = dhcp_pick_proxy_addr(a, 3, ip(NET "1"), none, none);
	CHECK(got.s_addr == ip(NET "1").s_addr);
	got = dhcp_pick_proxy_addr(a, 3, ip(NET "1"), ip("10.2.2.2"), ip("10.1.1.1"));
	CHECK(got.s_addr == ip(NET "1").s_addr);
	/* the configured one gone: the first */
	got = dhcp_pick_proxy_addr(a + 1, 2, ip(NET "1"), none, none);
	CHECK(got.s_addr == ip("192.168.1.57").s_addr);
	got = dhcp_pick_proxy_addr(a, 0, ip(NET "1"), none, none);
	CHECK_INT(got.s_addr, 0);
}

TEST(dhcp_config_check_pool_and_reservations_inside_the_subnet)
{
	struct dhcp_config cfg;
	struct dhcp_subnet net;
	struct dhcp_reservation r[2];
	char err[128];

	memset(&cfg, 0, sizeof(cfg));
	memset(&net, 0, sizeof(net));
	memset(r, 0, sizeof(r));
	inet_pton(AF_INET, "10.99.0.1", &net.addr);
	inet_pton(AF_INET, "255.255.255.0", &net.mask);
	cfg.prefix = 24;
	inet_pton(AF_INET, "10.99.0.100", &cfg.pool_start);
	inet_pton(AF_INET, "10.99.0.250", &cfg.pool_end);
	inet_pton(AF_INET, "10.99.0.20", &r[0].addr);
	inet_pton(AF_INET, "10.98.0.20", &r[1].addr);
	cfg.reserve = r;
	cfg.n_reserve = 1;
	CHECK_INT(dhcp_config_check(&cfg, &net, err, sizeof(err)), 0);
	cfg.n_reserve = 2;
	CHECK_INT(dhcp_config_check(&cfg, &net, err, sizeof(err)), -1);
	CHECK_STR(err, "dhcp: reservation 10.98.0.20 is not inside 10.99.0.1/24");
	cfg.n_reserve = 0;
	inet_pton(AF_INET, "10.99.1.250", &cfg.pool_end);
	CHECK_INT(dhcp_config_check(&cfg, &net, err, sizeof(err)), -1);
	CHECK_STR(err, "dhcp: the pool 10.99.0.100-... is not inside 10.99.0.1/24");
	CHECK_STR(dhcp_mode_name(DHCP_MODE_PROXY), "proxy");
}
