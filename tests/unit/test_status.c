/*
 * services/status: phase tracking (events in, phases out, table-driven),
 * eviction order, byte counts and rates, address-to-MAC matching, the
 * renderers' escaping and shapes, and the small parsers (socket request,
 * /proc/net/arp); with them common/buf's JSON writer and escapers.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <stdlib.h>

#include "common/buf.h"
#include "status/status.h"
#include "status/status_internal.h"

/* ---- a fake neighbour table ---- */

struct fake_arp {
	struct {
		const char *ip;
		uint8_t mac[6];
	} e[8];
	size_t n;
	unsigned calls;
};

static int
fake_resolve(void *ctx, const struct status_addr *a, uint8_t mac[6])
{
	struct fake_arp *f = ctx;
	struct in_addr ip;

	f->calls++;
	for (size_t i = 0; i < f->n; i++) {
		inet_pton(AF_INET, f->e[i].ip, &ip);
		if (a->family == AF_INET && memcmp(a->a, &ip, 4) == 0) {
			memcpy(mac, f->e[i].mac, 6);
			return 0;
		}
	}
	return -1;
}

static void
arp_add(struct fake_arp *f, const char *ip, uint8_t last)
{
	static const uint8_t base[6] = { 0x52, 0x54, 0, 0, 0, 0 };

	f->e[f->n].ip = ip;
	memcpy(f->e[f->n].mac, base, 6);
	f->e[f->n].mac[5] = last;
	f->n++;
}

/* ---- events ---- */

static void
mac_of(uint8_t last, uint8_t mac[6])
{
	static const uint8_t base[6] = { 0x52, 0x54, 0, 0, 0, 0 };

	memcpy(mac, base, 6);
	mac[5] = last;
}

enum dhcp_who { FW_BIOS, FW_UEFI, FW_HTTP, IPXE, PLAIN, FW_ARM };

static void
dhcp_event(struct status *st, uint8_t last, enum dhcp_who who, const char *addr, uint64_t now)
{
	struct status_dhcp_event ev;

	memset(&ev, 0, sizeof(ev));
	mac_of(last, ev.mac);
	if (addr != NULL)
		inet_pton(AF_INET, addr, &ev.addr);
	ev.has_arch = who != PLAIN;
	switch (who) {
	case FW_BIOS: ev.firmware = STATUS_FW_BIOS; ev.arch = 0; break;
	case FW_UEFI: ev.firmware = STATUS_FW_UEFI; ev.arch = 7; break;
	case FW_HTTP: ev.firmware = STATUS_FW_UEFI_HTTP; ev.arch = 16; break;
	case IPXE: ev.ipxe = 1; ev.arch = 7; break;
	case FW_ARM: ev.firmware = STATUS_FW_OTHER; ev.arch = 11; break;
	case PLAIN: break;
	}
	ev.arch_name = ev.has_arch ? "some arch" : NULL;
	ev.netboot = who != PLAIN;
	ev.booted = !(who == PLAIN || who == FW_ARM);
	ev.detail = who == FW_ARM ? "the Arch ISO is x86_64" : "ok";
	status_dhcp(st, &ev, now);
}

static void
peer_of(const char *ip, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	inet_pton(AF_INET, ip, &sa->sin_addr);
}

/* One request; returns its ref (gen 0 when nothing is followed). */
static struct status_ref
request(struct status *st, enum status_via via, const char *ip, const char *path,
    uint64_t base, uint64_t size, uint64_t body, const char *error, uint64_t now)
{
	struct status_request rq;
	struct status_ref ref;
	struct sockaddr_in sa;

	peer_of(ip, &sa);
	memset(&rq, 0, sizeof(rq));
	rq.via = via;
	rq.peer = (const struct sockaddr *)&sa;
	rq.path = path;
	rq.path_len = strlen(path);
	rq.error = error;
	rq.base = base;
	rq.size = size;
	rq.body = body;
	status_request(st, &rq, &ref, now);
	return ref;
}

/* A whole transfer of size bytes. */
static void
fetch(struct status *st, enum status_via via, const char *ip, const char *path, uint64_t size,
    uint64_t now)
{
	struct status_ref ref = request(st, via, ip, path, 0, size, size, NULL, now);

	status_done(st, &ref, size, NULL, now + 10);
}

static struct status_client *
client_by_mac(struct status *st, uint8_t last)
{
	uint8_t mac[6];

	mac_of(last, mac);
	for (size_t i = 0; i < STATUS_MAX_CLIENTS; i++)
		if (st->c[i].gen && st->c[i].has_mac && memcmp(st->c[i].mac, mac, 6) == 0)
			return &st->c[i];
	return NULL;
}

static struct status_client *
client_by_ip(struct status *st, const char *ip)
{
	struct status_addr a;
	struct in_addr in;

	inet_pton(AF_INET, ip, &in);
	status_addr_v4(&a, in);
	for (size_t i = 0; i < STATUS_MAX_CLIENTS; i++)
		if (st->c[i].gen && status_addr_eq(&st->c[i].addr, &a))
			return &st->c[i];
	return NULL;
}

/* ---- phase tracking, table-driven ---- */

enum op { DHCP_FW_UEFI, DHCP_FW_BIOS, DHCP_IPXE, DHCP_PLAIN, DHCP_ARM, TFTP, HTTP, HTTP_404 };

struct step {
	enum op op;
	const char *ip;         /* DHCP: the address given; else the peer */
	const char *path;
	const char *phase;      /* expected afterwards */
	unsigned boots;
	const char *dl_file;    /* expected download shown, "" none */
	int error;              /* an error is shown */
};

static void
run_steps(const char *name, const struct step *s, size_t n)
{
	struct fake_arp arp;
	struct status st;
	uint64_t now = 1000;

	memset(&arp, 0, sizeof(arp));
	arp_add(&arp, "10.0.0.10", 1);
	arp_add(&arp, "10.0.0.77", 1);      /* the live system's new address */
	CHECK_INT(status_init(&st, fake_resolve, &arp), 0);
	for (size_t i = 0; i < n; i++, now += 20000) {
		struct status_client *c;

		switch (s[i].op) {
		case DHCP_FW_UEFI: dhcp_event(&st, 1, FW_UEFI, s[i].ip, now); break;
		case DHCP_FW_BIOS: dhcp_event(&st, 1, FW_BIOS, s[i].ip, now); break;
		case DHCP_IPXE: dhcp_event(&st, 1, IPXE, s[i].ip, now); break;
		case DHCP_PLAIN: dhcp_event(&st, 1, PLAIN, s[i].ip, now); break;
		case DHCP_ARM: dhcp_event(&st, 1, FW_ARM, s[i].ip, now); break;
		case TFTP: fetch(&st, STATUS_VIA_TFTP, s[i].ip, s[i].path, 1000, now); break;
		case HTTP: fetch(&st, STATUS_VIA_HTTP, s[i].ip, s[i].path, 5000, now); break;
		case HTTP_404:
			request(&st, STATUS_VIA_HTTP, s[i].ip, s[i].path, 0, 0, 0, "404 Not Found", now);
			break;
		}
		c = client_by_mac(&st, 1);
		if (c == NULL) {
			test_fail(__FILE__, __LINE__, "%s step %zu: no client", name, i);
			continue;
		}
		if (strcmp(status_phase_name(c->phase), s[i].phase) != 0 || c->boots != s[i].boots ||
		    strcmp(c->dl.file, s[i].dl_file) != 0 || (c->error[0] != '\0') != s[i].error)
			test_fail(__FILE__, __LINE__, "%s step %zu: phase %s boots %u dl \"%s\" "
			    "error \"%s\"; want %s %u \"%s\" %s", name, i, status_phase_name(c->phase),
			    c->boots, c->dl.file, c->error, s[i].phase, s[i].boots, s[i].dl_file,
			    s[i].error ? "an error" : "none");
	}
	CHECK_INT(st.n, 1);
	status_free(&st);
}

#define ISO "/iso/arch/arch/"

TEST(status_phases_uefi_boot_to_live)
{
	static const struct step s[] = {
		{ DHCP_FW_UEFI, "10.0.0.10", NULL, "dhcp", 1, "", 0 },
		{ DHCP_FW_UEFI, "10.0.0.10", NULL, "dhcp", 1, "", 0 },  /* REQUEST after DISCOVER */
		{ TFTP, "10.0.0.10", "ipxe.efi", "loader", 1, "ipxe.efi", 0 },
		{ DHCP_IPXE, "10.0.0.10", NULL, "ipxe", 1, "ipxe.efi", 0 },
		{ HTTP, "10.0.0.10", "/boot.ipxe", "menu", 1, "ipxe.efi", 0 },
		{ HTTP, "10.0.0.10", ISO "boot/x86_64/vmlinuz-linux", "kernel", 1, "vmlinuz-linux", 0 },
		{ HTTP, "10.0.0.10", ISO "boot/x86_64/initramfs-linux.img", "kernel", 1,
		  "initramfs-linux.img", 0 },
		{ HTTP, "10.0.0.10", ISO "x86_64/airootfs.sfs", "rootfs", 1, "airootfs.sfs", 0 },
		/* checksums and signatures never replace the download shown */
		{ HTTP, "10.0.0.10", ISO "x86_64/airootfs.sha512", "rootfs", 1, "airootfs.sfs", 0 },
		{ HTTP, "10.0.0.10", ISO "x86_64/airootfs.sfs.cms.sig", "rootfs", 1, "airootfs.sfs", 0 },
		/* the live system's own DHCP: a new address, nothing else */
		{ DHCP_PLAIN, "10.0.0.77", NULL, "rootfs", 1, "airootfs.sfs", 0 },
		{ HTTP, "10.0.0.77", "/script.cfg", "live", 1, "airootfs.sfs", 0 },
		/* a page in a browser on the client changes nothing */
		{ HTTP, "10.0.0.77", "/status.json", "live", 1, "airootfs.sfs", 0 },
	};

	run_steps("uefi", s, sizeof(s) / sizeof(s[0]));
}

TEST(status_phases_new_boots_and_errors)
{
	static const struct step s[] = {
		{ DHCP_FW_BIOS, "10.0.0.10", NULL, "dhcp", 1, "", 0 },
		{ TFTP, "10.0.0.10", "undionly.kpxe", "loader", 1, "undionly.kpxe", 0 },
		{ DHCP_IPXE, "10.0.0.10", NULL, "ipxe", 1, "undionly.kpxe", 0 },
		{ HTTP, "10.0.0.10", "/boot.ipxe", "menu", 1, "undionly.kpxe", 0 },
		/* iPXE asking DHCP again at the menu is not a new boot */
		{ DHCP_IPXE, "10.0.0.10", NULL, "menu", 1, "undionly.kpxe", 0 },
		{ HTTP_404, "10.0.0.10", ISO "boot/x86_64/vmlinuz-linux", "menu", 1, "undionly.kpxe", 1 },
		/* the error stays until the phase moves up */
		{ HTTP, "10.0.0.10", "/boot.ipxe", "menu", 1, "undionly.kpxe", 1 },
		{ HTTP, "10.0.0.10", ISO "boot/x86_64/vmlinuz-linux", "kernel", 1, "vmlinuz-linux", 0 },
		{ HTTP, "10.0.0.10", ISO "x86_64/airootfs.sfs", "rootfs", 1, "airootfs.sfs", 0 },
		/* back to the kernel (the menu's failure path): phase follows */
		{ HTTP, "10.0.0.10", ISO "boot/x86_64/vmlinuz-linux", "kernel", 1, "vmlinuz-linux", 0 },
		/* the machine restarts: the firmware asks again */
		{ DHCP_FW_BIOS, "10.0.0.10", NULL, "dhcp", 2, "", 0 },
		{ TFTP, "10.0.0.10", "undionly.kpxe", "loader", 2, "undionly.kpxe", 0 },
		{ DHCP_IPXE, "10.0.0.10", NULL, "ipxe", 2, "undionly.kpxe", 0 },
		{ HTTP, "10.0.0.10", "/boot.ipxe", "menu", 2, "undionly.kpxe", 0 },
		{ HTTP, "10.0.0.10", ISO "boot/x86_64/vmlinuz-linux", "kernel", 2, "vmlinuz-linux", 0 },
		/* iPXE in the NIC's ROM (no firmware DHCP first): iPXE's DHCP
		 * after the kernel is a new boot */
		{ DHCP_IPXE, "10.0.0.10", NULL, "ipxe", 3, "", 0 },
		{ HTTP, "10.0.0.10", "/boot.ipxe", "menu", 3, "boot.ipxe", 0 },
		{ HTTP, "10.0.0.10", ISO "boot/x86_64/vmlinuz-linux", "kernel", 3, "vmlinuz-linux", 0 },
		/* boot.ipxe again after the kernel: a new boot as well */
		{ HTTP, "10.0.0.10", "/boot.ipxe", "menu", 4, "boot.ipxe", 0 },
		/* TFTP again after the menu: a new boot */
		{ TFTP, "10.0.0.10", "undionly.kpxe", "loader", 5, "undionly.kpxe", 0 },
		/* an ARM machine on the same MAC (a test rig): no boot file is an error */
		{ DHCP_ARM, "10.0.0.10", NULL, "dhcp", 6, "", 1 },
	};

	run_steps("bios", s, sizeof(s) / sizeof(s[0]));
}

TEST(status_dhcp_records_firmware_arch_address)
{
	struct status st;
	struct status_client *c;

	CHECK_INT(status_init(&st, NULL, NULL), 0);
	/* a machine that does not netboot is none of ours */
	dhcp_event(&st, 9, PLAIN, "10.0.0.9", 100);
	CHECK_INT(st.n, 0);
	dhcp_event(&st, 2, FW_HTTP, "10.0.0.2", 100);
	c = client_by_mac(&st, 2);
	CHECK(c != NULL);
	if (c != NULL) {
		CHECK_STR(status_fw_name(c->firmware), "uefi-http");
		CHECK_INT(c->arch, 16);
		CHECK(client_by_ip(&st, "10.0.0.2") == c);
	}
	/* the address moves to another client: the first one loses it */
	dhcp_event(&st, 3, FW_BIOS, "10.0.0.2", 200);
	CHECK(client_by_ip(&st, "10.0.0.2") == client_by_mac(&st, 3));
	CHECK(c != NULL && c->addr.family == 0);
	CHECK_STR(status_fw_name(client_by_mac(&st, 3)->firmware), "bios");
	status_free(&st);
}

/* Proxy mode beside another boot server: a machine only offered a boot
 * is pending -- shown briefly, then counted, never evented -- until it
 * comes here; one whose iPXE asks after its firmware went elsewhere is
 * another server's for good. */
static void
proxy_offer(struct status *st, uint8_t last, int ipxe, uint64_t now)
{
	struct status_dhcp_event ev;

	memset(&ev, 0, sizeof(ev));
	mac_of(last, ev.mac);
	ev.netboot = ev.booted = 1;
	ev.ipxe = ipxe;
	ev.firmware = ipxe ? STATUS_FW_UNKNOWN : STATUS_FW_BIOS;
	ev.detail = "ok";
	ev.offer_only = 1;
	status_dhcp(st, &ev, now);
}

TEST(status_proxy_offers_pending_until_the_machine_comes)
{
	struct fake_arp arp;
	struct status st;
	size_t idx[STATUS_MAX_CLIENTS];
	uint8_t mac[6];
	uint64_t t = 1000;

	memset(&arp, 0, sizeof(arp));
	CHECK_INT(status_init(&st, fake_resolve, &arp), 0);
	/* two firmwares offered a boot; no event for either */
	proxy_offer(&st, 1, 0, t);
	proxy_offer(&st, 2, 0, t);
	CHECK_INT(st.n_ev, 0);
	CHECK_INT(status_order(&st, idx, STATUS_MAX_CLIENTS, t + 1000), 2);
	CHECK_INT(status_not_come(&st, t + 1000), 0);
	/* machine 1 comes for its boot file: ours, shown, evented */
	arp_add(&arp, "10.0.0.1", 1);
	fetch(&st, STATUS_VIA_TFTP, "10.0.0.1", "undionly.kpxe", 1000, t + 2000);
	CHECK(client_by_mac(&st, 1) != NULL && !client_by_mac(&st, 1)->pending);
	CHECK(st.n_ev > 0);
	/* machine 2 never comes: hidden after STATUS_PENDING_MS, counted */
	CHECK_INT(status_order(&st, idx, STATUS_MAX_CLIENTS, t + STATUS_PENDING_MS), 1);
	CHECK_INT(status_not_come(&st, t + STATUS_PENDING_MS), 1);
	/* its iPXE asks: its firmware went elsewhere (machine 1's did not) */
	mac_of(2, mac);
	CHECK_INT(status_went_elsewhere(&st, mac, t + 3000), 1);
	CHECK_INT(status_order(&st, idx, STATUS_MAX_CLIENTS, t + 3000), 1);
	mac_of(1, mac);
	CHECK_INT(status_went_elsewhere(&st, mac, t + 3000), 0);
	/* an iPXE ROM's own offer (no firmware stage) is never "elsewhere" */
	proxy_offer(&st, 3, 1, t);
	mac_of(3, mac);
	CHECK_INT(status_went_elsewhere(&st, mac, t + 3000), 0);
	/* long after the firmware's offer, iPXE is a new boot: answered */
	mac_of(2, mac);
	CHECK_INT(status_went_elsewhere(&st, mac, t + STATUS_ELSEWHERE_MS + 1), 0);
	/* a later boot that comes here makes machine 2 ours */
	arp_add(&arp, "10.0.0.2", 2);
	fetch(&st, STATUS_VIA_HTTP, "10.0.0.2", "/boot.ipxe", 100, t + 5000);
	CHECK(!client_by_mac(&st, 2)->pending && !client_by_mac(&st, 2)->elsewhere);
	CHECK_INT(status_not_come(&st, t + STATUS_PENDING_MS + 5000), 1);   /* machine 3 */
	/* a machine shown before stays shown when only offered again */
	proxy_offer(&st, 1, 0, t + 6000);
	CHECK(!client_by_mac(&st, 1)->pending);
	status_free(&st);
}

/* ---- matching requests to clients ---- */

TEST(status_requests_find_clients_by_address_then_arp)
{
	struct fake_arp arp;
	struct status st;
	struct status_client *c;
	struct status_ref ref;

	memset(&arp, 0, sizeof(arp));
	CHECK_INT(status_init(&st, fake_resolve, &arp), 0);
	/* a stranger's ordinary request: no client, and no lookup either */
	request(&st, STATUS_VIA_HTTP, "10.0.0.50", "/hello.txt", 0, 5, 5, NULL, 1000);
	request(&st, STATUS_VIA_HTTP, "10.0.0.50", "/status", 0, 5, 5, NULL, 1000);
	CHECK_INT(st.n, 0);
	CHECK_INT(arp.calls, 0);
	/* a boot file from an address ARP does not know: known by address */
	ref = request(&st, STATUS_VIA_HTTP, "10.0.0.50", "/boot.ipxe", 0, 5, 5, NULL, 1000);
	CHECK_INT(st.n, 1);
	CHECK_INT(arp.calls, 1);
	c = client_by_ip(&st, "10.0.0.50");
	CHECK(c != NULL && !c->has_mac && ref.gen == c->gen);
	status_done(&st, &ref, 5, NULL, 1001);
	/* within the trust window, no second lookup */
	request(&st, STATUS_VIA_HTTP, "10.0.0.50", "/boot.ipxe", 0, 5, 5, NULL, 2000);
	CHECK_INT(arp.calls, 1);
	/* later ARP knows it: the same client gets its MAC */
	arp_add(&arp, "10.0.0.50", 0x50);
	request(&st, STATUS_VIA_HTTP, "10.0.0.50", "/boot.ipxe", 0, 5, 5, NULL,
	    2000 + STATUS_ADDR_TRUST_MS);
	CHECK_INT(arp.calls, 2);
	CHECK_INT(st.n, 1);
	CHECK(client_by_mac(&st, 0x50) == c);
	/* a TFTP request from a stranger makes a client even for an odd file */
	request(&st, STATUS_VIA_TFTP, "10.0.0.60", "pxelinux.0", 0, 0, 0, "file not found", 3000);
	CHECK_INT(st.n, 2);
	c = client_by_ip(&st, "10.0.0.60");
	CHECK(c != NULL && strstr(c->error, "file not found") != NULL);
	CHECK_STR(status_phase_name(c->phase), "none");
	/* hostile bytes in a path and a user agent are kept printable */
	{
		struct status_request rq;
		struct sockaddr_in sa;
		struct status_ref r2;

		peer_of("10.0.0.60", &sa);
		memset(&rq, 0, sizeof(rq));
		rq.via = STATUS_VIA_HTTP;
		rq.peer = (const struct sockaddr *)&sa;
		rq.path = "/iso/a/x/vmlinuz\x1b[2J";
		rq.path_len = strlen(rq.path);
		rq.refused = 1; /* the path boundary refuses control bytes */
		rq.agent = "evil\"\n\x1b]0;x\x07";
		rq.agent_len = strlen(rq.agent);
		rq.error = "404 \x1b[31m";
		status_request(&st, &rq, &r2, 3000);
		CHECK_STR(c->agent, "evil\"??]0;x?");
		for (const char *p = c->error; *p; p++)
			CHECK((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f);
	}
	status_free(&st);
}

/* ---- bytes and rates ---- */

TEST(status_bytes_and_rates)
{
	struct status st;
	struct status_ref ref;
	struct status_client *c;
	const uint64_t MB = 1000000, t = 50000;

	CHECK_INT(status_init(&st, NULL, NULL), 0);
	ref = request(&st, STATUS_VIA_HTTP, "10.1.0.1", ISO "x86_64/airootfs.sfs", 0, 10 * MB,
	    10 * MB, NULL, t);
	c = client_by_ip(&st, "10.1.0.1");
	CHECK(c != NULL && ref.gen != 0);
	if (c == NULL)
		return;
	CHECK_INT(c->active, 1);
	CHECK_INT(c->dl.state, STATUS_DL_RUNNING);
	CHECK_INT(c->dl.total, 10 * MB);
	/* before the first second: a provisional rate from the start */
	status_progress(&st, &ref, 1 * MB, t + 500);
	CHECK_INT(c->dl.done, 1 * MB);
	CHECK_INT(status_dl_rate(&c->dl, t + 500), 2 * MB);
	/* one-second windows, averaged with the last */
	status_progress(&st, &ref, 2 * MB, t + 1000);
	CHECK_INT(c->dl.rate, 2 * MB);
	status_progress(&st, &ref, 6 * MB, t + 2000);
	CHECK_INT(c->dl.rate, 3 * MB);   /* (2 + 4) / 2 */
	CHECK_INT(status_dl_rate(&c->dl, t + 2500), 3 * MB);
	/* no byte for over 3 s: stalled, shown as 0 */
	CHECK_INT(status_dl_rate(&c->dl, t + 5500), 0);
	/* done: the average over the whole transfer */
	status_done(&st, &ref, 10 * MB, NULL, t + 5000);
	CHECK_INT(c->dl.state, STATUS_DL_DONE);
	CHECK_INT(c->dl.done, 10 * MB);
	CHECK_INT(c->dl.rate, 2 * MB);
	CHECK_INT(status_dl_rate(&c->dl, t + 60000), 2 * MB);
	CHECK_INT(c->active, 0);
	CHECK_INT(c->bytes, 10 * MB);
	CHECK_INT(ref.gen, 0);
	/* reports after the end change nothing */
	status_progress(&st, &ref, 20 * MB, t + 6000);
	CHECK_INT(c->bytes, 10 * MB);

	/* a resumed download (Range: bytes=4000000-): progress through the file */
	ref = request(&st, STATUS_VIA_HTTP, "10.1.0.1", ISO "x86_64/airootfs.sfs", 4 * MB, 10 * MB,
	    6 * MB, NULL, t + 7000);
	CHECK_INT(c->dl.done, 4 * MB);
	status_progress(&st, &ref, 1 * MB, t + 7100);
	CHECK_INT(c->dl.done, 5 * MB);
	CHECK_INT(c->bytes, 11 * MB);
	/* cut short: failed, an error naming the file, partial bytes kept */
	status_done(&st, &ref, 2 * MB, "the connection closed before the end", t + 8000);
	CHECK_INT(c->dl.state, STATUS_DL_FAILED);
	CHECK_INT(c->dl.done, 6 * MB);
	CHECK(strstr(c->error, "airootfs.sfs: the connection closed") != NULL);
	CHECK_INT(c->bytes, 12 * MB);

	/* two transfers at once: only the latest is shown, both count */
	{
		struct status_ref a, b;

		a = request(&st, STATUS_VIA_HTTP, "10.1.0.1", ISO "boot/x86_64/vmlinuz-linux", 0, 100,
		    100, NULL, t + 9000);
		b = request(&st, STATUS_VIA_HTTP, "10.1.0.1", ISO "boot/x86_64/initramfs-linux.img", 0,
		    300, 300, NULL, t + 9000);
		CHECK_INT(c->active, 2);
		status_progress(&st, &a, 100, t + 9001);
		CHECK_STR(c->dl.file, "initramfs-linux.img");
		CHECK_INT(c->dl.done, 0);
		status_done(&st, &a, 100, NULL, t + 9002);
		status_done(&st, &b, 300, NULL, t + 9003);
		CHECK_INT(c->dl.done, 300);
		CHECK_INT(c->active, 0);
		CHECK_INT(c->bytes, 12 * MB + 400);
	}
	status_free(&st);
}

/* ---- eviction ---- */

TEST(status_evicts_the_longest_idle_first)
{
	struct status st;
	struct status_ref busy;
	char ip[32];

	CHECK_INT(status_init(&st, NULL, NULL), 0);
	for (unsigned i = 0; i < STATUS_MAX_CLIENTS; i++) {
		snprintf(ip, sizeof(ip), "10.2.%u.%u", i / 250, i % 250 + 1);
		request(&st, STATUS_VIA_TFTP, ip, "ipxe.efi", 0, 0, 0, NULL, 1000 + i);
	}
	CHECK_INT(st.n, STATUS_MAX_CLIENTS);
	/* client 0 is the oldest, but busy with a transfer; client 1 was
	 * seen again later; client 2 is now the longest idle */
	busy = request(&st, STATUS_VIA_HTTP, "10.2.0.1", "/boot.ipxe", 0, 10, 10, NULL, 1000);
	request(&st, STATUS_VIA_HTTP, "10.2.0.2", "/boot.ipxe", 0, 0, 0, NULL, 900000);
	request(&st, STATUS_VIA_TFTP, "10.9.0.1", "ipxe.efi", 0, 0, 0, NULL, 900001);
	CHECK_INT(st.n, STATUS_MAX_CLIENTS);
	CHECK_INT(st.evicted, 1);
	CHECK(client_by_ip(&st, "10.2.0.1") != NULL);
	CHECK(client_by_ip(&st, "10.2.0.2") != NULL);
	CHECK(client_by_ip(&st, "10.2.0.3") == NULL);
	CHECK(client_by_ip(&st, "10.9.0.1") != NULL);
	request(&st, STATUS_VIA_TFTP, "10.9.0.2", "ipxe.efi", 0, 0, 0, NULL, 900002);
	CHECK(client_by_ip(&st, "10.2.0.4") == NULL);
	CHECK(client_by_ip(&st, "10.2.0.1") != NULL);
	/* the busy client's transfer still reports safely */
	status_done(&st, &busy, 10, NULL, 900003);
	/* a forgotten client's transfer reports into nothing */
	{
		struct status_ref r = request(&st, STATUS_VIA_HTTP, "10.9.0.2", "/boot.ipxe", 0, 10, 10,
		    NULL, 900004);
		struct status_client *c = client_by_ip(&st, "10.9.0.2");

		c->gen++; /* as if the slot were reused */
		status_progress(&st, &r, 5, 900005);
		status_done(&st, &r, 10, NULL, 900006);
		CHECK_INT(c->bytes, 0);
	}
	status_free(&st);
}

/* ---- SSH checks ---- */

TEST(status_ssh_checks_after_script_cfg)
{
	struct status st;
	struct status_client *c;
	size_t slots[4];
	uint32_t gens[4];

	CHECK_INT(status_init(&st, NULL, NULL), 0);
	fetch(&st, STATUS_VIA_HTTP, "10.3.0.1", "/script.cfg", 100, 1000);
	c = client_by_ip(&st, "10.3.0.1");
	CHECK(c != NULL && c->ssh == STATUS_SSH_WAITING);
	CHECK_INT(status_ssh_due(&st, 1000 + STATUS_SSH_FIRST_MS - 1, slots, gens, 4), 0);
	CHECK_INT(status_ssh_due(&st, 1000 + STATUS_SSH_FIRST_MS, slots, gens, 4), 1);
	CHECK_INT(c->ssh, STATUS_SSH_PROBING);
	/* in flight: not due twice */
	CHECK_INT(status_ssh_due(&st, 90000, slots, gens, 4), 0);
	status_ssh_result(&st, slots[0], gens[0], NULL, 0, 5000);
	CHECK_INT(c->ssh, STATUS_SSH_WAITING);
	CHECK_INT(c->ssh_tries, 1);
	CHECK_INT(status_ssh_due(&st, 5000 + STATUS_SSH_RETRY_MS, slots, gens, 4), 1);
	status_ssh_result(&st, slots[0], gens[0], "SSH-2.0-OpenSSH_9.9\x1b", 20, 11000);
	CHECK_INT(c->ssh, STATUS_SSH_UP);
	CHECK_STR(c->ssh_banner, "SSH-2.0-OpenSSH_9.9?");
	CHECK_STR(status_phase_name(c->phase), "ssh");
	/* giving up after STATUS_SSH_TRIES */
	fetch(&st, STATUS_VIA_HTTP, "10.3.0.2", "/script.cfg", 100, 1000);
	c = client_by_ip(&st, "10.3.0.2");
	for (unsigned i = 0; i < STATUS_SSH_TRIES; i++) {
		uint64_t now = 100000 + (uint64_t)i * STATUS_SSH_RETRY_MS;

		if (status_ssh_due(&st, now, slots, gens, 4) != 1) {
			test_fail(__FILE__, __LINE__, "try %u not due", i);
			break;
		}
		status_ssh_result(&st, slots[0], gens[0], NULL, 0, now);
	}
	CHECK_INT(c->ssh, STATUS_SSH_GAVE_UP);
	CHECK_STR(status_phase_name(c->phase), "live");
	status_free(&st);
}

/* A live system that never fetched script.cfg is flagged a minute after
 * its root image arrived; one that did is not; a range probe is no
 * arrival. */
TEST(status_flags_a_client_that_lost_script_cfg)
{
	struct status st;
	struct status_client *c, *d;
	const char *sfs = "/iso/arch/arch/x86_64/airootfs.sfs";

	CHECK_INT(status_init(&st, NULL, NULL), 0);
	st.script_served = 1;
	dhcp_event(&st, 1, IPXE, "10.4.0.1", 100);
	dhcp_event(&st, 2, IPXE, "10.4.0.2", 100);
	(void)request(&st, STATUS_VIA_HTTP, "10.4.0.1", sfs, 0, 5000, 1, NULL, 200);
	fetch(&st, STATUS_VIA_HTTP, "10.4.0.1", sfs, 5000, 1000);
	fetch(&st, STATUS_VIA_HTTP, "10.4.0.2", sfs, 5000, 1000);
	fetch(&st, STATUS_VIA_HTTP, "10.4.0.2", "/script.cfg", 100, 20000);
	c = client_by_mac(&st, 1);
	d = client_by_mac(&st, 2);
	CHECK(c != NULL && d != NULL);
	if (c == NULL || d == NULL)
		return;
	status_tick(&st, 1010 + STATUS_SCRIPT_WAIT_MS - 1);
	CHECK_STR(c->error, "");
	status_tick(&st, 1010 + STATUS_SCRIPT_WAIT_MS);
	CHECK(strstr(c->error, "script.cfg never fetched") != NULL);
	CHECK(strstr(c->error, "~/.automated_script.sh") != NULL);
	CHECK_STR(d->error, "");
	/* a probe of one byte is not the root image */
	dhcp_event(&st, 3, IPXE, "10.4.0.3", 100);
	(void)request(&st, STATUS_VIA_HTTP, "10.4.0.3", sfs, 0, 5000, 1, NULL, 200);
	status_tick(&st, 500000);
	CHECK_STR(client_by_mac(&st, 3)->error, "");
	/* without keys, the reason is the missing script.cfg */
	st.script_served = 0;
	c->stalled = 0;
	status_tick(&st, 500000);
	CHECK(strstr(c->error, "not served (no keys)") != NULL);
	status_free(&st);
}

/* ---- Secure Boot: a UEFI boot file that never runs ---- */

struct notices {
	unsigned n;
	char last[256];
};

static void
record_notice(void *ctx, const char *who, const char *msg)
{
	struct notices *no = ctx;

	no->n++;
	snprintf(no->last, sizeof(no->last), "%s: %s", who, msg);
}

TEST(status_flags_a_uefi_boot_file_that_never_runs)
{
	struct status st;
	struct status_client *c;
	struct notices no = { 0, "" };

	CHECK_INT(status_init(&st, NULL, NULL), 0);
	st.notice = record_notice;
	st.notice_ctx = &no;
	/* Waiting: flagged after STATUS_SECUREBOOT_WAIT_MS, not before. */
	dhcp_event(&st, 1, FW_UEFI, "10.5.0.1", 100);
	fetch(&st, STATUS_VIA_TFTP, "10.5.0.1", "/ipxe.efi", 1000000, 1000);
	c = client_by_mac(&st, 1);
	CHECK(c != NULL);
	if (c == NULL)
		return;
	status_tick(&st, 1010 + STATUS_SECUREBOOT_WAIT_MS - 1);
	CHECK_STR(c->error, "");
	CHECK_INT(no.n, 0);
	status_tick(&st, 1010 + STATUS_SECUREBOOT_WAIT_MS);
	CHECK(strstr(c->error, "probably Secure Boot") != NULL);
	CHECK(strstr(c->error, "switch Secure Boot off") != NULL);
	CHECK_INT(no.n, 1);
	CHECK(strstr(no.last, "52:54:00:00:00:01: probably Secure Boot") == no.last);
	status_tick(&st, 1010 + 2 * STATUS_SECUREBOOT_WAIT_MS);
	CHECK_INT(no.n, 1); /* said once */
	/* The firmware asks again: the suspicion stays through the next
	 * DHCP and boot file, and goes once iPXE runs. */
	dhcp_event(&st, 1, FW_UEFI, "10.5.0.1", 60000);
	CHECK(strstr(c->error, "probably Secure Boot") != NULL);
	fetch(&st, STATUS_VIA_TFTP, "10.5.0.1", "/ipxe.efi", 1000000, 61000);
	CHECK(strstr(c->error, "probably Secure Boot") != NULL);
	dhcp_event(&st, 1, IPXE, "10.5.0.1", 62000);
	CHECK_STR(c->error, "");
	CHECK_INT(c->secure_boot, 0);

	/* Starting over at once (OVMF: "Access Denied", then PXE again) is
	 * flagged at the new boot, before any wait. */
	no.n = 0;
	dhcp_event(&st, 2, FW_UEFI, "10.5.0.2", 100);
	fetch(&st, STATUS_VIA_TFTP, "10.5.0.2", "/snponly.efi", 300000, 1000);
	dhcp_event(&st, 2, FW_UEFI, "10.5.0.2", 3000);
	c = client_by_mac(&st, 2);
	CHECK(c != NULL && strstr(c->error, "probably Secure Boot") != NULL);
	CHECK(c != NULL && strstr(c->error, "fetched twice") != NULL);
	CHECK_INT(no.n, 1);

	/* Not flagged: a BIOS loader, a cut transfer, a client that runs iPXE. */
	dhcp_event(&st, 3, FW_BIOS, "10.5.0.3", 100);
	fetch(&st, STATUS_VIA_TFTP, "10.5.0.3", "/undionly.kpxe", 70000, 1000);
	dhcp_event(&st, 4, FW_UEFI, "10.5.0.4", 100);
	{
		struct status_ref ref = request(&st, STATUS_VIA_TFTP, "10.5.0.4", "/ipxe.efi", 0,
		    1000000, 1000000, NULL, 1000);

		status_done(&st, &ref, 5000, "timed out", 2000);
	}
	dhcp_event(&st, 5, FW_UEFI, "10.5.0.5", 100);
	fetch(&st, STATUS_VIA_TFTP, "10.5.0.5", "/ipxe.efi", 1000000, 1000);
	dhcp_event(&st, 5, IPXE, "10.5.0.5", 2500);
	status_tick(&st, 500000);
	CHECK_INT(client_by_mac(&st, 3)->secure_boot, 0);
	CHECK_INT(client_by_mac(&st, 4)->secure_boot, 0);
	CHECK_INT(client_by_mac(&st, 5)->secure_boot, 0);
	CHECK_INT(no.n, 1);
	status_free(&st);
}

/* ---- classification ---- */

TEST(status_classify_paths)
{
	static const struct {
		const char *path;
		enum status_kind kind;
		const char *iso;
	} t[] = {
		{ "/boot.ipxe", STATUS_KIND_MENU, "" },
		{ "/script.cfg", STATUS_KIND_SCRIPT, "" },
		{ "/status", STATUS_KIND_IGNORE, "" },
		{ "/status.json", STATUS_KIND_IGNORE, "" },
		{ "/favicon.ico", STATUS_KIND_IGNORE, "" },
		{ "/ipxe.efi", STATUS_KIND_LOADER, "" },
		{ "/snponly.efi", STATUS_KIND_LOADER, "" },
		{ "/undionly.kpxe", STATUS_KIND_LOADER, "" },
		{ "/iso/arch-2026/arch/boot/x86_64/vmlinuz-linux", STATUS_KIND_KERNEL, "arch-2026" },
		{ "/iso/a/arch/boot/x86_64/initramfs-linux.img", STATUS_KIND_KERNEL, "a" },
		{ "/iso/a/arch/boot/intel-ucode.img", STATUS_KIND_KERNEL, "a" },
		{ "/iso/a/arch/x86_64/airootfs.sfs", STATUS_KIND_ROOTFS, "a" },
		{ "/iso/a/arch/x86_64/airootfs.erofs", STATUS_KIND_ROOTFS, "a" },
		{ "/iso/a/arch/x86_64/airootfs.sha512", STATUS_KIND_ROOTFS_AUX, "a" },
		{ "/iso/a/arch/x86_64/airootfs.sfs.cms.sig", STATUS_KIND_ROOTFS_AUX, "a" },
		{ "/iso/a/loader/entries/01.conf", STATUS_KIND_OTHER, "a" },
		{ "/iso/a", STATUS_KIND_OTHER, "" },
		{ "/hello.txt", STATUS_KIND_OTHER, "" },
		{ "/", STATUS_KIND_OTHER, "" },
	};
	char iso[64];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		enum status_kind k = status_classify(t[i].path, iso, sizeof(iso));

		if (k != t[i].kind || strcmp(iso, t[i].iso) != 0)
			test_fail(__FILE__, __LINE__, "%s: kind %d iso \"%s\", want %d \"%s\"",
			    t[i].path, k, iso, t[i].kind, t[i].iso);
	}
}

/* ---- renderers ---- */

static void
info_fill(struct status_info *in)
{
	memset(in, 0, sizeof(*in));
	snprintf(in->addrs[0], sizeof(in->addrs[0]), "10.99.0.1");
	in->n_addrs = 1;
	in->http_port = 80;
	in->tftp_port = 69;
	snprintf(in->dhcp, sizeof(in->dhcp), "authoritative on eth0");
	in->isos[0].name = "arch<b>";
	in->isos[0].path = "/stick/isos/arch\".iso";
	in->isos[0].date = "2026-03-01";
	in->isos[0].entries = 2;
	in->n_isos = 1;
	in->refused[0].path = "/stick/isos/bad\x1b[2J.iso";
	in->refused[0].reason = "corrupt </td><script>";
	in->n_refused = 1;
	in->n_keys = 2;
	in->started = 0;
	in->wall = 1767225600;
}

TEST(status_renderers_escape_and_fit)
{
	struct status st;
	struct status_info in;
	struct buf b;
	char ip[32];

	CHECK_INT(status_init(&st, NULL, NULL), 0);
	info_fill(&in);
	for (unsigned i = 0; i < 30; i++) {
		struct status_ref r;

		snprintf(ip, sizeof(ip), "10.4.0.%u", i + 1);
		r = request(&st, STATUS_VIA_HTTP, ip, ISO "x86_64/airootfs.sfs", 0, 1000000, 1000000,
		    NULL, 1000 + i);
		status_progress(&st, &r, 400000 + i, 2000);
	}
	request(&st, STATUS_VIA_HTTP, "10.4.0.1", "/x<script>.efi", 0, 0, 0, "404 Not Found", 2000);

	buf_init(&b);
	status_json(&st, &in, 3000, &b);
	CHECK(!buf_failed(&b));
	CHECK(strstr(b.data, "\"name\":\"arch\\u003cb\\u003e\"") != NULL);
	CHECK(strstr(b.data, "\"path\":\"/stick/isos/arch\\\".iso\"") != NULL);
	CHECK(strstr(b.data, "bad\\u001b[2J.iso") != NULL);
	CHECK(strstr(b.data, "<script>") == NULL);
	CHECK(strstr(b.data, "\"phase\":\"rootfs\"") != NULL);
	CHECK(strstr(b.data, "\"done\":400000") != NULL);
	CHECK(strstr(b.data, "\"clients\":30") != NULL);
	buf_free(&b);

	buf_init(&b);
	status_html(&st, &in, 3000, 0, &b);
	CHECK(!buf_failed(&b));
	CHECK(strstr(b.data, "<script>\n") != NULL); /* ours, once */
	CHECK(strstr(b.data, "<script>\n") == strstr(b.data, "<script>"));
	CHECK(strstr(b.data, "arch&lt;b&gt;") != NULL);
	CHECK(strstr(b.data, "corrupt &lt;/td&gt;&lt;script&gt;") != NULL);
	CHECK(strstr(b.data, "\x1b") == NULL);
	CHECK(strstr(b.data, "class=\"client phase-rootfs") != NULL);
	buf_free(&b);

	/* top: exactly 25 lines of exactly 80 columns, plain ASCII */
	for (int view = 0; view < 2; view++) {
		size_t lines = 0, col = 0, bad = 0;

		buf_init(&b);
		status_screen(&st, &in, 3000, 80, 25, view, 0, &b);
		for (size_t i = 0; i < b.len; i++) {
			unsigned char ch = (unsigned char)b.data[i];

			if (ch == '\n') {
				bad += col != 80;
				lines++;
				col = 0;
			} else {
				bad += ch < 0x20 || ch >= 0x7f;
				col++;
			}
		}
		CHECK_INT(lines, 25);
		CHECK_INT(bad, 0);
		CHECK(strstr(b.data, " pxestick  10.99.0.1 ") == b.data);
		if (getenv("STATUS_SHOW_SCREEN"))
			fputs(b.data, stdout);
		if (view == 0) {
			CHECK(strstr(b.data, "10.4.0.30       rootfs [######.") != NULL);
			CHECK(strstr(b.data, "10.4.0.30") != NULL); /* the newest fit */
		} else {
			CHECK(strstr(b.data, "root image: airootfs.sfs") != NULL);
		}
		buf_free(&b);
	}
	buf_init(&b);
	status_text(&st, &in, 3000, &b);
	CHECK(strstr(b.data, "refused:  /stick/isos/bad?[2J.iso: corrupt </td><script>") != NULL);
	CHECK(strstr(b.data, "clients:  30 (0 live, 30 booting, 1 with an error)") != NULL);
	buf_free(&b);
	status_free(&st);
}

/* ---- the socket request and the ARP table ---- */

TEST(status_sock_parse_requests)
{
	static const struct {
		const char *line;
		int rc;
		enum status_sock_what what;
		unsigned cols, rows;
		int view, color;
	} t[] = {
		{ "json", 0, STATUS_SOCK_JSON, 0, 0, 0, 0 },
		{ "text\r", 0, STATUS_SOCK_TEXT, 0, 0, 0, 0 },
		{ "top 80 25", 0, STATUS_SOCK_TOP, 80, 25, STATUS_VIEW_CLIENTS, 0 },
		{ "top 132 50 log color", 0, STATUS_SOCK_TOP, 132, 50, STATUS_VIEW_EVENTS, 1 },
		{ "top 99999 99999 clients", 0, STATUS_SOCK_TOP, STATUS_MAX_COLS, STATUS_MAX_ROWS, 0, 0 },
		{ "", -1, 0, 0, 0, 0, 0 },
		{ "json extra", -1, 0, 0, 0, 0, 0 },
		{ "top 80", -1, 0, 0, 0, 0, 0 },
		{ "top 0 25", -1, 0, 0, 0, 0, 0 },
		{ "top -1 25", -1, 0, 0, 0, 0, 0 },
		{ "top 80 25 blink", -1, 0, 0, 0, 0, 0 },
		{ "top 123456789012345678901 25", -1, 0, 0, 0, 0, 0 },
		{ "JSON", -1, 0, 0, 0, 0, 0 },
	};
	struct status_sock_req rq;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t n = strlen(t[i].line);
		/* an exactly-sized copy: ASan sees a read past the end */
		char *p = malloc(n ? n : 1);
		int rc;

		memcpy(p, t[i].line, n);
		rc = status_sock_parse(p, n, &rq);
		if (rc != t[i].rc || (rc == 0 && (rq.what != t[i].what ||
		    (rq.what == STATUS_SOCK_TOP && (rq.cols != t[i].cols || rq.rows != t[i].rows ||
		    (int)rq.view != t[i].view || rq.color != t[i].color)))))
			test_fail(__FILE__, __LINE__, "\"%s\": rc %d", t[i].line, rc);
		free(p);
	}
	CHECK_INT(status_sock_parse("json", STATUS_MAX_REQUEST + 1, &rq), -1);
}

TEST(status_arp_table_lines)
{
	static const char table[] =
	    "IP address       HW type     Flags       HW address            Mask     Device\n"
	    "10.0.0.5         0x1         0x0         00:00:00:00:00:00     *        eth0\n"
	    "10.0.0.6         0x1         0x2         52:54:00:AB:cd:06     *        eth0\n"
	    "10.0.0.7         0x1         0x2         52:54:00:ab:cd        *        eth0\n"
	    "10.0.0.8 0x1 0x6 52:54:00:ab:cd:08 * eth0";
	struct in_addr ip;
	uint8_t mac[6];
	size_t n = sizeof(table) - 1;
	char *p = malloc(n);

	memcpy(p, table, n);
	inet_pton(AF_INET, "10.0.0.6", &ip);
	CHECK_INT(status_arp_find(p, n, ip, mac), 0);
	CHECK(mac[0] == 0x52 && mac[3] == 0xab && mac[4] == 0xcd && mac[5] == 0x06);
	inet_pton(AF_INET, "10.0.0.5", &ip);     /* incomplete */
	CHECK_INT(status_arp_find(p, n, ip, mac), -1);
	inet_pton(AF_INET, "10.0.0.7", &ip);     /* short MAC */
	CHECK_INT(status_arp_find(p, n, ip, mac), -1);
	inet_pton(AF_INET, "10.0.0.8", &ip);     /* last line, no newline */
	CHECK_INT(status_arp_find(p, n, ip, mac), 0);
	CHECK(mac[5] == 0x08);
	inet_pton(AF_INET, "10.0.0.9", &ip);
	CHECK_INT(status_arp_find(p, n, ip, mac), -1);
	free(p);
}

/* ---- common/buf: JSON ---- */

TEST(buf_json_string_escapes)
{
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} t[] = {
		{ "plain", 5, "\"plain\"" },
		{ "q\"b\\", 4, "\"q\\\"b\\\\\"" },
		{ "a\nb\tc\r", 6, "\"a\\nb\\tc\\r\"" },
		{ "\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"" },
		{ "a\0b", 3, "\"a\\u0000b\"" },
		{ "</script>&", 10, "\"\\u003c/script\\u003e\\u0026\"" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14, "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"" },
		{ "\xe2\x80\xa8\xe2\x80\xa9", 6, "\"\\u2028\\u2029\"" },
		{ "\xff", 1, "\"\\ufffd\"" },
		{ "\xc3", 1, "\"\\ufffd\"" },                 /* cut short */
		{ "\xc0\xaf", 2, "\"\\ufffd\\ufffd\"" },       /* overlong */
		{ "\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"" }, /* surrogate */
		{ "\xf4\x90\x80\x80", 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" }, /* > U+10FFFF */
		{ "\xe2\x28\xa1", 3, "\"\\ufffd(\\ufffd\"" },
		{ "", 0, "\"\"" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct buf b;
		char *p = malloc(t[i].len ? t[i].len : 1);

		memcpy(p, t[i].in, t[i].len);
		buf_init(&b);
		buf_json_string(&b, p, t[i].len);
		if (b.data == NULL || strcmp(b.data, t[i].out) != 0)
			test_fail(__FILE__, __LINE__, "case %zu: %s, want %s", i,
			    b.data ? b.data : "(null)", t[i].out);
		buf_free(&b);
		free(p);
	}
}

TEST(buf_html_escapes)
{
	struct buf b;

	buf_init(&b);
	buf_html(&b, "<a href=\"x\">'&'</a>\x1b\xff\xc3\xa9\n", 24);
	CHECK_STR(b.data, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
	    "\xef\xbf\xbd\xef\xbf\xbd\xc3\xa9\n");
	buf_free(&b);
}

TEST(json_writer_places_commas_and_refuses_misuse)
{
	struct buf b;
	struct json j;

	buf_init(&b);
	json_init(&j, &b);
	json_object(&j);
	json_key(&j, "a");
	json_u64(&j, 1);
	json_key(&j, "b");
	json_array(&j);
	json_i64(&j, -2);
	json_str(&j, "x");
	json_null(&j);
	json_bool(&j, 1);
	json_object(&j);
	json_end(&j);
	json_array(&j);
	json_end(&j);
	json_end(&j);
	json_key(&j, "c\"");
	json_str(&j, NULL);
	json_end(&j);
	CHECK(!buf_failed(&b));
	CHECK_STR(b.data, "{\"a\":1,\"b\":[-2,\"x\",null,true,{},[]],\"c\\\"\":null}");
	buf_free(&b);

	/* a value where a key is due */
	buf_init(&b);
	json_init(&j, &b);
	json_object(&j);
	json_u64(&j, 1);
	CHECK(buf_failed(&b));
	buf_free(&b);
	/* a key in an array, an end too many, two top-level values */
	buf_init(&b);
	json_init(&j, &b);
	json_array(&j);
	json_key(&j, "k");
	CHECK(buf_failed(&b));
	buf_free(&b);
	buf_init(&b);
	json_init(&j, &b);
	json_u64(&j, 1);
	json_u64(&j, 2);
	CHECK(buf_failed(&b));
	buf_free(&b);
	buf_init(&b);
	json_init(&j, &b);
	json_array(&j);
	json_end(&j);
	json_end(&j);
	CHECK(buf_failed(&b));
	buf_free(&b);
	/* nesting is bounded */
	buf_init(&b);
	json_init(&j, &b);
	for (int i = 0; i <= JSON_MAX_DEPTH; i++)
		json_array(&j);
	CHECK(buf_failed(&b));
	buf_free(&b);
}

TEST(status_format_helpers)
{
	char o[32];

	CHECK_STR(status_fmt_bytes(0, o, sizeof(o)), "0 B");
	CHECK_STR(status_fmt_bytes(1023, o, sizeof(o)), "1023 B");
	CHECK_STR(status_fmt_bytes(1536, o, sizeof(o)), "1.5 KiB");
	CHECK_STR(status_fmt_bytes(1048575, o, sizeof(o)), "1023.9 KiB");
	CHECK_STR(status_fmt_bytes(1073741824ull * 3 / 2, o, sizeof(o)), "1.5 GiB");
	CHECK_STR(status_fmt_age(59999, o, sizeof(o)), "59s");
	CHECK_STR(status_fmt_age(125000, o, sizeof(o)), "2m05s");
	CHECK_STR(status_fmt_age(3720000, o, sizeof(o)), "1h02m");
	CHECK_STR(status_fmt_age(90000000, o, sizeof(o)), "1d01h");
}
