/*
 * The settings table: one row per key, with its parser, its printer and
 * whether a reload (SIGHUP) applies it.  Adding a key is adding a row
 * (and a field in struct settings).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/args.h"
#include "common/civil.h"
#include "common/config.h"
#include "common/log.h"
#include "common/net.h"
#include "common/util.h"
#include "serve/settings.h"

struct key {
	const char *name;
	int (*set)(struct settings *s, const struct key *k, const char *v, char *err,
	    size_t errlen);
	/* The value as a config line would give it (a list: one per item). */
	void (*print)(const struct settings *s, const struct key *k, size_t item,
	    struct buf *out);
	size_t off;      /* field offset */
	size_t size;     /* field size */
	uint64_t min, max;
	size_t count;    /* a list's count field (offset), or 0: one value */
	int reload;      /* a reload (SIGHUP) applies it */
	const char *help;
};

#define F(field) offsetof(struct settings, field), sizeof(((struct settings *)0)->field)
#define FIELD(s, k, type) ((type *)(void *)((char *)(s) + (k)->off))
#define CFIELD(s, k, type) ((const type *)(const void *)((const char *)(s) + (k)->off))

static int
set_string(struct settings *s, const struct key *k, const char *v, char *err, size_t errlen)
{
	if (strlen(v) >= k->size) {
		snprintf(err, errlen, "%s: value is longer than %zu characters", k->name,
		    k->size - 1);
		return -1;
	}
	memcpy((char *)s + k->off, v, strlen(v) + 1);
	return 0;
}

static int
set_uint(struct settings *s, const struct key *k, const char *v, char *err, size_t errlen)
{
	uint64_t n;

	if (parse_u64(v, k->min, k->max, &n) != 0) {
		snprintf(err, errlen, "%s: \"%s\" is not a number from %llu to %llu", k->name,
		    v, (unsigned long long)k->min, (unsigned long long)k->max);
		return -1;
	}
	switch (k->size) {
	case 2: *(uint16_t *)((char *)s + k->off) = (uint16_t)n; break;
	case 4: *(uint32_t *)((char *)s + k->off) = (uint32_t)n; break;
	default: *(unsigned *)((char *)s + k->off) = (unsigned)n; break;
	}
	return 0;
}

static int
set_ipv4(struct settings *s, const struct key *k, const char *v, char *err, size_t errlen)
{
	struct in_addr a;

	if (inet_pton(AF_INET, v, &a) != 1) {
		snprintf(err, errlen, "%s: \"%s\" is not an IPv4 address", k->name, v);
		return -1;
	}
	*(struct in_addr *)((char *)s + k->off) = a;
	return 0;
}

static int
set_iso(struct settings *s, const struct key *k, const char *v, char *err, size_t errlen)
{
	(void)k;
	if (s->n_iso == SETTINGS_MAX_ISOS) {
		snprintf(err, errlen, "iso: more than %d given", SETTINGS_MAX_ISOS);
		return -1;
	}
	if (v[0] == '\0' || strlen(v) >= sizeof(s->iso[0])) {
		snprintf(err, errlen, "iso: empty or too long path");
		return -1;
	}
	memcpy(s->iso[s->n_iso++], v, strlen(v) + 1);
	return 0;
}

static int
set_payload_url(struct settings *s, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	char why[200];

	(void)k;
	if (s->n_payload_url == PAYLOAD_MAX_URLS) {
		snprintf(err, errlen, "payload-url: more than %d given", PAYLOAD_MAX_URLS);
		return -1;
	}
	if (payload_url_parse(v, &s->payload_url[s->n_payload_url], why, sizeof(why)) != 0) {
		snprintf(err, errlen, "payload-url: %s", why);
		return -1;
	}
	s->n_payload_url++;
	return 0;
}

static int
set_dhcp(struct settings *s, const struct key *k, const char *v, char *err, size_t errlen)
{
	static const char *names[] = { "auto", "authoritative", "proxy", "off" };

	(void)k;
	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		if (strcmp(v, names[i]) == 0) {
			s->dhcp = (enum dhcp_mode)i;
			return 0;
		}
	snprintf(err, errlen, "dhcp: \"%s\" is not one of auto, authoritative, proxy, off", v);
	return -1;
}

static int
set_address(struct settings *s, const struct key *k, const char *v, char *err, size_t errlen)
{
	char ip[32];
	const char *slash = strchr(v, '/');
	uint64_t prefix = 24;
	size_t n = slash ? (size_t)(slash - v) : strlen(v);

	(void)k;
	if (n >= sizeof(ip) || (slash && parse_u64(slash + 1, 1, 30, &prefix) != 0))
		goto bad;
	memcpy(ip, v, n);
	ip[n] = '\0';
	if (inet_pton(AF_INET, ip, &s->address) != 1)
		goto bad;
	s->prefix = (unsigned)prefix;
	s->have_address = 1;
	return 0;
bad:
	snprintf(err, errlen, "address: \"%s\" is not an IPv4 address with a prefix "
	    "length, like 10.99.0.1/24", v);
	return -1;
}

static int
set_pool(struct settings *s, const struct key *k, const char *v, char *err, size_t errlen)
{
	char a[32], b[32];
	const char *dash = strchr(v, '-');

	(void)k;
	if (dash == NULL || (size_t)(dash - v) >= sizeof(a) || strlen(dash + 1) >= sizeof(b))
		goto bad;
	memcpy(a, v, (size_t)(dash - v));
	a[dash - v] = '\0';
	strcpy(b, dash + 1);
	if (inet_pton(AF_INET, a, &s->pool_start) != 1 ||
	    inet_pton(AF_INET, b, &s->pool_end) != 1 ||
	    ntohl(s->pool_start.s_addr) > ntohl(s->pool_end.s_addr))
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "pool: \"%s\" is not a range like 10.99.0.100-10.99.0.250", v);
	return -1;
}

static int
set_reserve(struct settings *s, const struct key *k, const char *v, char *err, size_t errlen)
{
	struct dhcp_reservation *r;
	char ip[32];
	const char *p;
	size_t n;

	(void)k;
	if (s->n_reserve == SETTINGS_MAX_RESERVE) {
		snprintf(err, errlen, "reserve: more than %d reservations", SETTINGS_MAX_RESERVE);
		return -1;
	}
	r = &s->reserve[s->n_reserve];
	memset(r, 0, sizeof(*r));
	if (strlen(v) < 19 || net_mac_parse(v, strlen(v), 1, r->mac) != 17 || v[17] != ' ')
		goto bad;
	p = v + 18;
	while (*p == ' ')
		p++;
	n = strcspn(p, " ");
	if (n == 0 || n >= sizeof(ip))
		goto bad;
	memcpy(ip, p, n);
	ip[n] = '\0';
	if (inet_pton(AF_INET, ip, &r->addr) != 1)
		goto bad;
	p += n;
	while (*p == ' ')
		p++;
	if (strlen(p) >= sizeof(r->entry))
		goto bad;
	strcpy(r->entry, p);
	s->n_reserve++;
	return 0;
bad:
	snprintf(err, errlen, "reserve: \"%s\" is not \"MAC ADDRESS [ENTRY]\", like "
	    "52:54:00:12:34:56 10.99.0.50", v);
	return -1;
}

static int
set_verify(struct settings *s, const struct key *k, const char *v, char *err, size_t errlen)
{
	(void)k;
	if (archiso_verify_parse(v, &s->verify) == 0)
		return 0;
	snprintf(err, errlen, "verify: \"%s\" is not checksum, cms or none", v);
	return -1;
}

/* A tmpfs size, as the kernel's mount option takes it: 1G, 768M, 50%. */
static int
set_tmpfs_size(struct settings *s, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	size_t n = strspn(v, "0123456789");
	uint64_t num;
	char digits[12];

	if (n == 0 || n >= sizeof(digits) || (v[n] != '\0' && (strchr("KkMmGg%", v[n]) == NULL ||
	    v[n + 1] != '\0')))
		goto bad;
	memcpy(digits, v, n);
	digits[n] = '\0';
	if (parse_u64(digits, 1, v[n] == '%' ? 100 : 1u << 30, &num) != 0)
		goto bad;
	return set_string(s, k, v, err, errlen);
bad:
	snprintf(err, errlen, "%s: \"%s\" is not a size like 1G, 768M or 50%%", k->name, v);
	return -1;
}

static void
print_verify(const struct settings *s, const struct key *k, size_t item, struct buf *out)
{
	(void)k;
	(void)item;
	buf_puts(out, archiso_verify_name(s->verify));
}

static int
set_client(struct settings *s, const struct key *k, const char *v, char *err, size_t errlen)
{
	struct client_rule r, o;
	char why[160], mac[NET_MAC_STR];

	(void)k;
	if (s->n_client == SETTINGS_MAX_CLIENTS) {
		snprintf(err, errlen, "client: more than %d (put them in a clients file)",
		    SETTINGS_MAX_CLIENTS);
		return -1;
	}
	if (strlen(v) >= sizeof(s->client[0]) ||
	    client_rule_parse(v, strlen(v), &r, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "client: %s (want MAC [entry=ISO[:N] | local | ignore | "
		    "menu] [name=NAME])", strlen(v) >= sizeof(s->client[0]) ? "too long" : why);
		return -1;
	}
	for (size_t i = 0; i < s->n_client; i++)
		if (client_rule_parse(s->client[i], strlen(s->client[i]), &o, why, sizeof(why)) == 0 &&
		    memcmp(o.mac, r.mac, 6) == 0) {
			snprintf(err, errlen, "client: %s has a rule already", net_mac_str(r.mac, mac));
			return -1;
		}
	memcpy(s->client[s->n_client++], v, strlen(v) + 1);
	return 0;
}

static int
set_unknown_clients(struct settings *s, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	(void)k;
	if (client_action_parse(v, &s->unknown_clients) == 0)
		return 0;
	snprintf(err, errlen, "unknown-clients: \"%s\" is not auto, boot, menu, local or ignore",
	    v);
	return -1;
}

static int
set_bool(struct settings *s, const struct key *k, const char *v, char *err, size_t errlen)
{
	int b;

	if (strcmp(v, "yes") == 0 || strcmp(v, "on") == 0 || strcmp(v, "true") == 0)
		b = 1;
	else if (strcmp(v, "no") == 0 || strcmp(v, "off") == 0 || strcmp(v, "false") == 0)
		b = 0;
	else {
		snprintf(err, errlen, "%s: \"%s\" is not yes or no", k->name, v);
		return -1;
	}
	*FIELD(s, k, int) = b;
	return 0;
}

static int
set_date(struct settings *s, const struct key *k, const char *v, char *err, size_t errlen)
{
	int64_t t;

	if (v[0] != '\0' && (strlen(v) >= k->size || civil_parse_utc(v, &t) != 0)) {
		snprintf(err, errlen, "%s: \"%s\" is not a date like %s (UTC)", k->name, v,
		    k->size > 11 ? "2026-12-02 14:30" : "2026-12-02");
		return -1;
	}
	snprintf(FIELD(s, k, char), k->size, "%s", v);
	return 0;
}

/* share = NAME PATH: PATH served read-only at /NAME/. */
static int
set_share(struct settings *s, const struct key *k, const char *v, char *err, size_t errlen)
{
	static const char *const taken[] = { "iso", "boot.ipxe", "script.cfg", "status",
		"status.json", "done", "files", "log", "support.tar.gz" };
	struct settings_share *sh;
	size_t n = strcspn(v, " \t"), i;
	const char *path = v + n;

	(void)k;
	while (*path == ' ' || *path == '\t')
		path++;
	if (s->n_share == SETTINGS_MAX_SHARES) {
		snprintf(err, errlen, "share: more than %d", SETTINGS_MAX_SHARES);
		return -1;
	}
	if (n == 0 || n >= sizeof(sh->name) || *path == '\0' || strlen(path) >= sizeof(sh->path)) {
		snprintf(err, errlen, "share: \"%s\" is not NAME PATH", v);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= '0' && v[i] <= '9') || v[i] == '-' ||
		    v[i] == '_' || (v[i] == '.' && i > 0)))
			break;
	if (i < n) {
		snprintf(err, errlen, "share: the name \"%.*s\" may only hold a-z 0-9 - _ .", (int)n,
		    v);
		return -1;
	}
	for (i = 0; i < sizeof(taken) / sizeof(taken[0]); i++)
		if (strlen(taken[i]) == n && memcmp(taken[i], v, n) == 0) {
			snprintf(err, errlen, "share: /%s/ is pxestick's own", taken[i]);
			return -1;
		}
	for (i = 0; i < s->n_share; i++)
		if (strlen(s->share[i].name) == n && memcmp(s->share[i].name, v, n) == 0) {
			snprintf(err, errlen, "share: /%.*s/ is shared already", (int)n, v);
			return -1;
		}
	sh = &s->share[s->n_share++];
	memcpy(sh->name, v, n);
	sh->name[n] = '\0';
	snprintf(sh->path, sizeof(sh->path), "%s", path);
	return 0;
}

static void
print_share(const struct settings *s, const struct key *k, size_t item, struct buf *out)
{
	(void)k;
	buf_printf(out, "%s %s", s->share[item].name, s->share[item].path);
}

/* archinstall = MAC | all: that machine runs archinstall from script.cfg. */
static int
set_archinstall(struct settings *s, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	uint8_t mac[6];
	char *slot;

	(void)k;
	if (s->n_archinstall == SETTINGS_MAX_ARCHINSTALL) {
		snprintf(err, errlen, "archinstall: more than %d", SETTINGS_MAX_ARCHINSTALL);
		return -1;
	}
	slot = s->archinstall[s->n_archinstall];
	if (strcmp(v, "all") == 0) {
		snprintf(slot, sizeof(s->archinstall[0]), "all");
	} else if (strlen(v) == 17 && net_mac_parse(v, 17, 1, mac) == 17) {
		net_mac_str(mac, slot);
	} else {
		snprintf(err, errlen, "archinstall: \"%s\" is not a MAC address or all "
		    "(archinstall WIPES the disks it is told to: opt in per machine)", v);
		return -1;
	}
	s->n_archinstall++;
	return 0;
}

static void
print_archinstall(const struct settings *s, const struct key *k, size_t item, struct buf *out)
{
	(void)k;
	buf_puts(out, s->archinstall[item]);
}

static void
print_bool(const struct settings *s, const struct key *k, size_t item, struct buf *out)
{
	(void)item;
	buf_puts(out, *CFIELD(s, k, int) ? "yes" : "no");
}

static void
print_client(const struct settings *s, const struct key *k, size_t item, struct buf *out)
{
	(void)k;
	buf_puts(out, s->client[item]);
}

static void
print_unknown_clients(const struct settings *s, const struct key *k, size_t item,
    struct buf *out)
{
	(void)k;
	(void)item;
	buf_puts(out, client_action_name(s->unknown_clients));
}

static int
set_efi_boot(struct settings *s, const struct key *k, const char *v, char *err, size_t errlen)
{
	if (strcmp(v, "ipxe.efi") != 0 && strcmp(v, "snponly.efi") != 0) {
		snprintf(err, errlen, "efi-boot: \"%s\" is not ipxe.efi or snponly.efi", v);
		return -1;
	}
	return set_string(s, k, v, err, errlen);
}


/* ---- printers ---- */

static void
print_string(const struct settings *s, const struct key *k, size_t item, struct buf *out)
{
	(void)item;
	buf_puts(out, CFIELD(s, k, char));
}

static void
print_uint(const struct settings *s, const struct key *k, size_t item, struct buf *out)
{
	(void)item;
	switch (k->size) {
	case 2: buf_printf(out, "%u", *CFIELD(s, k, uint16_t)); break;
	case 4: buf_printf(out, "%u", *CFIELD(s, k, uint32_t)); break;
	default: buf_printf(out, "%u", *CFIELD(s, k, unsigned)); break;
	}
}

static void
put_ipv4(struct buf *out, struct in_addr a)
{
	char ip[INET_ADDRSTRLEN];

	buf_puts(out, inet_ntop(AF_INET, &a, ip, sizeof(ip)));
}

static void
print_ipv4(const struct settings *s, const struct key *k, size_t item, struct buf *out)
{
	(void)item;
	put_ipv4(out, *CFIELD(s, k, struct in_addr));
}

static void
print_iso(const struct settings *s, const struct key *k, size_t item, struct buf *out)
{
	(void)k;
	buf_puts(out, s->iso[item]);
}

static void
print_payload_url(const struct settings *s, const struct key *k, size_t item, struct buf *out)
{
	(void)k;
	buf_puts(out, s->payload_url[item].text);
}

static void
print_dhcp(const struct settings *s, const struct key *k, size_t item, struct buf *out)
{
	(void)k;
	(void)item;
	buf_puts(out, dhcp_mode_name(s->dhcp));
}

static void
print_address(const struct settings *s, const struct key *k, size_t item, struct buf *out)
{
	(void)k;
	(void)item;
	put_ipv4(out, s->address);
	buf_printf(out, "/%u", s->prefix);
}

static void
print_pool(const struct settings *s, const struct key *k, size_t item, struct buf *out)
{
	(void)k;
	(void)item;
	put_ipv4(out, s->pool_start);
	buf_puts(out, "-");
	put_ipv4(out, s->pool_end);
}

static void
print_reserve(const struct settings *s, const struct key *k, size_t item, struct buf *out)
{
	const struct dhcp_reservation *r = &s->reserve[item];
	char mac[NET_MAC_STR];

	(void)k;
	buf_printf(out, "%s ", net_mac_str(r->mac, mac));
	put_ipv4(out, r->addr);
	if (r->entry[0] != '\0')
		buf_printf(out, " %s", r->entry);
}

/* ---- the table ---- */

#define LIST(field, count) offsetof(struct settings, field), \
	sizeof(((struct settings *)0)->field), 0, 0, offsetof(struct settings, count)
#define ONE(field, min, max) F(field), min, max, 0
#define WHOLE 0, sizeof(struct settings), 0, 0, 0

static const struct key keys[] = {
	{ "iso", set_iso, print_iso, LIST(iso, n_iso), 1, "an .iso file, or a directory scanned for *.iso (repeatable)" },
	{ "files", set_string, print_string, ONE(files, 0, 0), 1, "the iPXE binaries and other files served at /" },
	{ "keys", set_string, print_string, ONE(keys, 0, 0), 1, "authorized_keys for script.cfg" },
	{ "state", set_string, print_string, ONE(state, 0, 0), 0, "where leases, certificates and logs are kept" },
	{ "boot-log", set_string, print_string, ONE(boot_log, 0, 0), 0, "a boot log the support bundle carries (the appliance's)" },
	{ "socket", set_string, print_string, ONE(socket, 0, 0), 0, "the control socket pxestick status and top ask (empty: STATE/pxestick.sock)" },
	{ "user", set_string, print_string, ONE(user, 0, 0), 0, "unprivileged user to run as after binding (when started as root)" },
	{ "listen", set_string, print_string, ONE(listen, 0, 0), 0, "address to listen on (empty: all)" },
	{ "interface", set_string, print_string, ONE(interface, 0, 0), 0, "network interface to serve DHCP on" },
	{ "address", set_address, print_address, WHOLE, 0, "this server's address/prefix on the interface" },
	{ "http-port", set_uint, print_uint, ONE(http_port, 0, 65535), 0, "HTTP port (0: off)" },
	{ "https-port", set_uint, print_uint, ONE(https_port, 0, 65535), 0, "HTTPS port (0: off)" },
	{ "tftp-port", set_uint, print_uint, ONE(tftp_port, 0, 65535), 0, "TFTP port (0: off)" },
	{ "tls-cert", set_string, print_string, ONE(tls_cert, 0, 0), 0, "PEM certificate chain for HTTPS (empty: self-signed, kept in state)" },
	{ "tls-key", set_string, print_string, ONE(tls_key, 0, 0), 0, "PEM private key for tls-cert" },
	{ "menu-timeout", set_uint, print_uint, ONE(menu_timeout, 0, 3600), 1, "seconds before the boot menu picks the default (0: wait)" },
	{ "menu-default", set_string, print_string, ONE(menu_default, 0, 0), 1, "default menu item: ISONAME or ISONAME:N (empty: the first), or local (the local disk)" },
	{ "verify", set_verify, print_verify, ONE(verify, 0, 0), 1, "how clients check the root image: checksum (sha512, no clock needed), cms (signature: the client's clock must be right) or none" },
	{ "cow-spacesize", set_tmpfs_size, print_string, ONE(cow_spacesize, 0, 0), 1, "room for changes in the live system (packages installed there): a tmpfs size, 1G, 768M, 50%" },
	{ "dhcp", set_dhcp, print_dhcp, WHOLE, 0, "auto, authoritative, proxy or off" },
	{ "pool", set_pool, print_pool, WHOLE, 0, "addresses handed out in authoritative mode, A-B" },
	{ "lease-time", set_uint, print_uint, ONE(lease_time, 60, 31536000), 0, "DHCP lease time in seconds" },
	{ "router", set_ipv4, print_ipv4, ONE(router, 0, 0), 0, "default gateway given to DHCP clients (0.0.0.0: none)" },
	{ "dns", set_ipv4, print_ipv4, ONE(dns, 0, 0), 0, "DNS server given to DHCP clients (0.0.0.0: none)" },
	{ "efi-boot", set_efi_boot, print_string, ONE(efi_boot, 0, 0), 0, "iPXE for UEFI clients: snponly.efi (the firmware's NIC driver) or ipxe.efi (iPXE's own drivers)" },
	{ "reserve", set_reserve, print_reserve, LIST(reserve, n_reserve), 0, "static lease: MAC ADDRESS [ENTRY] (repeatable)" },
	{ "client", set_client, print_client, LIST(client, n_client), 1, "who boots into what: MAC [entry=ISO[:N] | local | ignore | menu] [name=NAME] (repeatable)" },
	{ "clients", set_string, print_string, ONE(clients, 0, 0), 1, "a file of client rules, one per line as client = takes them" },
	{ "unknown-clients", set_unknown_clients, print_unknown_clients, ONE(unknown_clients, 0, 0), 1, "what a machine with no client rule gets: auto (boot while pxestick hands out addresses, local beside another DHCP server), boot, menu, local or ignore" },
	{ "boot-once", set_bool, print_bool, ONE(boot_once, 0, 0), 1, "yes: a machine that reached the live system boots its local disk next time" },
	{ "http-max-connections", set_uint, print_uint, ONE(http_max_connections, 1, 100000), 0, "open HTTP connections at most" },
	{ "http-max-per-client", set_uint, print_uint, ONE(http_max_per_client, 1, 100000), 0, "open HTTP connections from one client address at most" },
	{ "tftp-max-transfers", set_uint, print_uint, ONE(tftp_max_transfers, 1, 10000), 0, "TFTP transfers at once at most" },
	{ "tftp-max-per-client", set_uint, print_uint, ONE(tftp_max_per_client, 1, 10000), 0, "TFTP transfers to one client address at once at most" },
	{ "ntp", set_bool, print_bool, ONE(ntp, 0, 0), 0, "yes: serve the time (SNTP, UDP) so clients' clocks are right at an offline site" },
	{ "ntp-port", set_uint, print_uint, ONE(ntp_port, 1, 65535), 0, "NTP port" },
	{ "ntp-not-before", set_date, print_string, ONE(ntp_not_before, 0, 0), 0, "a clock earlier than this date is wrong (NTP says unsynchronized); empty: the newest ISO's date" },
	{ "clock", set_date, print_string, ONE(clock, 0, 0), 0, "the appliance: at boot, a clock earlier than this (YYYY-MM-DD HH:MM, UTC) is set to it" },
	{ "extra-scripts", set_string, print_string, ONE(extra_scripts, 0, 0), 1, "a directory of *.sh steps script.cfg runs after the keys, in name order" },
	{ "share", set_share, print_share, LIST(share, n_share), 1, "NAME PATH: PATH served read-only at /NAME/ (repeatable)" },
	{ "payload-url", set_payload_url, print_payload_url, LIST(payload_url, n_payload_url), 1, "http://HOST[:PORT][/PATH]: a cache or mirror of /iso/ clients load kernels and root images from, once it passed a check (repeatable: the first that serves an ISO wins)" },
	{ "archinstall", set_archinstall, print_archinstall, LIST(archinstall, n_archinstall), 1, "MAC or all: script.cfg runs archinstall with /archinstall/MAC.json or default.json -- it wipes disks (repeatable)" },
};

void
settings_defaults(struct settings *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->files, sizeof(s->files), "/usr/lib/pxestick");
	snprintf(s->state, sizeof(s->state), "/var/lib/pxestick");
	snprintf(s->user, sizeof(s->user), "nobody");
	s->http_port = 80;
	s->https_port = 443;
	s->tftp_port = 69;
	s->menu_timeout = 10;
	s->verify = ARCHISO_VERIFY_CHECKSUM;
	snprintf(s->cow_spacesize, sizeof(s->cow_spacesize), "1G");
	s->unknown_clients = CLIENT_AUTO;
	s->dhcp = DHCP_MODE_AUTO;
	inet_pton(AF_INET, "10.99.0.1", &s->address);
	s->prefix = 24;
	inet_pton(AF_INET, "10.99.0.100", &s->pool_start);
	inet_pton(AF_INET, "10.99.0.250", &s->pool_end);
	s->lease_time = 3600;
	/* The firmware's own NIC driver: every UEFI PC has one for its NIC,
	 * Debian's iPXE (2019) lacks drivers for newer NICs, and it is a
	 * fifth of ipxe.efi's size over TFTP (docs/FLASHING.md). */
	snprintf(s->efi_boot, sizeof(s->efi_boot), "snponly.efi");
	s->http_max_connections = 1024;
	s->tftp_max_transfers = 128;
	s->http_max_per_client = 64;
	s->tftp_max_per_client = 8;
	s->ntp_port = 123;
}

static const struct key *
find_key(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

int
settings_set(struct settings *s, const char *key, const char *value, char *err, size_t errlen)
{
	const struct key *k = find_key(key);

	if (k == NULL) {
		const char *near = settings_closest(key);

		if (near != NULL)
			snprintf(err, errlen, "unknown key \"%s\" (did you mean %s?)", key, near);
		else
			snprintf(err, errlen, "unknown key \"%s\" (see `pxestick serve --help`)",
			    key);
		return -1;
	}
	return k->set(s, k, value, err, errlen);
}

static int
config_set(void *ctx, const char *key, const char *value, char *err, size_t errlen)
{
	return settings_set(ctx, key, value, err, errlen);
}

int
settings_load(struct settings *s, const char *config, int argc, char **argv, char *err,
    size_t errlen)
{
	int cleared_iso = 0, cleared_reserve = 0, cleared_client = 0;

	settings_defaults(s);
	if (config != NULL) {
		snprintf(s->config, sizeof(s->config), "%s", config);
		if (config_load(config, config_set, s, err, errlen) != 0)
			return -1;
	}
	for (int i = 0; i < argc; i++) {
		const char *name = argv[i];
		char msg[256];

		if (strcmp(name, "--check-config") == 0)
			continue;
		if (strncmp(name, "--", 2) != 0 || find_key(name + 2) == NULL) {
			const char *near = strncmp(name, "--", 2) == 0 ? settings_closest(name + 2) :
			    NULL;

			if (near != NULL)
				snprintf(err, errlen, "%s: unknown option (did you mean --%s?)", name,
				    near);
			else
				snprintf(err, errlen, "%s: unknown option (see --help)", name);
			return -1;
		}
		if (i + 1 == argc) {
			snprintf(err, errlen, "%s: needs a value", name);
			return -1;
		}
		/* A list given on the command line replaces the file's. */
		if (strcmp(name, "--iso") == 0 && !cleared_iso) {
			s->n_iso = 0;
			cleared_iso = 1;
		}
		if (strcmp(name, "--reserve") == 0 && !cleared_reserve) {
			s->n_reserve = 0;
			cleared_reserve = 1;
		}
		if (strcmp(name, "--client") == 0 && !cleared_client) {
			s->n_client = 0;
			cleared_client = 1;
		}
		if (settings_set(s, name + 2, argv[++i], msg, sizeof(msg)) != 0) {
			snprintf(err, errlen, "--%s", msg);
			return -1;
		}
	}
	return 0;
}

/* How many values key k has (a list's count, else 1). */
static size_t
values_of(const struct settings *s, const struct key *k)
{
	return k->count != 0 ? *(const size_t *)(const void *)((const char *)s + k->count) : 1;
}

/* Key k's values as config lines. */
static void
print_key(const struct settings *s, const struct key *k, struct buf *out)
{
	for (size_t i = 0; i < values_of(s, k); i++) {
		buf_printf(out, "%s = ", k->name);
		k->print(s, k, i, out);
		buf_puts(out, "\n");
	}
}

void
settings_print(const struct settings *s, struct buf *out)
{
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		print_key(s, &keys[i], out);
}

/* Do a and b differ in key k? */
static int
key_differs(const struct settings *a, const struct settings *b, const struct key *k)
{
	struct buf x, y;
	int differs;

	buf_init(&x);
	buf_init(&y);
	print_key(a, k, &x);
	print_key(b, k, &y);
	differs = x.len != y.len || (x.len > 0 && memcmp(x.data, y.data, x.len) != 0);
	buf_free(&x);
	buf_free(&y);
	return differs;
}

void
settings_reload(struct settings *cur, const struct settings *next,
    void (*changed)(void *ctx, const char *key), void *ctx)
{
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		const struct key *k = &keys[i];

		if (!key_differs(cur, next, k))
			continue;
		if (!k->reload) {
			changed(ctx, k->name);
			continue;
		}
		/* A reload row names its own field, never the whole struct. */
		INVARIANT(k->size < sizeof(*cur));
		memcpy((char *)cur + k->off, (const char *)next + k->off, k->size);
		if (k->count != 0)
			memcpy((char *)cur + k->count, (const char *)next + k->count,
			    sizeof(size_t));
	}
}

void
settings_help(int fd)
{
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		dprintf(fd, "  --%-22s %s\n", keys[i].name, keys[i].help);
}

void
settings_socket(const struct settings *s, char *out, size_t size)
{
	if (s->socket[0] != '\0')
		snprintf(out, size, "%s", s->socket);
	else
		snprintf(out, size, "%s/pxestick.sock", s->state);
}

const char *
settings_closest(const char *name)
{
	const char *names[ARRAY_LEN(keys)];

	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		names[i] = keys[i].name;
	return args_closest(name, names, ARRAY_LEN(names));
}

/* Text for roff: a leading dot or quote would be a request, a backslash
 * an escape. */
static void
man_text(struct buf *out, const char *t)
{
	if (*t == '.' || *t == '\'')
		buf_puts(out, "\\&");
	for (; *t != '\0'; t++) {
		if (*t == '\\')
			buf_puts(out, "\\e");
		else if (*t == '-')
			buf_puts(out, "\\-");
		else
			buf_printf(out, "%c", *t);
	}
}

void
settings_man(struct buf *out)
{
	struct settings *def = malloc(sizeof(*def));
	struct buf v;

	if (def == NULL)
		return;
	settings_defaults(def);
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		const struct key *k = &keys[i];

		buf_puts(out, ".TP\n.B ");
		man_text(out, k->name);
		buf_puts(out, "\n");
		man_text(out, k->help);
		buf_puts(out, k->reload ? ".\nApplies on reload (SIGHUP)." :
		    ".\nApplies at the next start.");
		buf_init(&v);
		for (size_t j = 0; j < values_of(def, k); j++)
			k->print(def, k, j, &v);
		if (k->count != 0) {
			buf_puts(out, "\nRepeatable; none by default.\n");
		} else if (!buf_failed(&v) && v.len > 0) {
			buf_puts(out, "\nDefault: ");
			man_text(out, v.data);
			buf_puts(out, ".\n");
		} else {
			buf_puts(out, "\nDefault: empty.\n");
		}
		buf_free(&v);
	}
	free(def);
}
