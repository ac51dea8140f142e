/*
 * The settings table: one row per key, each with its parser.  Adding a
 * key is adding a row (and a field in struct settings).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/util.h"
#include "serve/settings.h"

struct key {
	const char *name;
	int (*set)(struct settings *s, const struct key *k, const char *v, char *err,
	    size_t errlen);
	size_t off;      /* field offset */
	size_t size;     /* field size (strings) */
	uint64_t min, max;
	int list;        /* repeatable */
	const char *help;
};

#define F(field) offsetof(struct settings, field), sizeof(((struct settings *)0)->field)

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
	if (s->n_iso == SETTINGS_MAX_ISOS) {
		snprintf(err, errlen, "iso: more than %d given", SETTINGS_MAX_ISOS);
		return -1;
	}
	if (v[0] == '\0' || strlen(v) >= sizeof(s->iso[0])) {
		snprintf(err, errlen, "iso: empty or too long path");
		return -1;
	}
	(void)k;
	memcpy(s->iso[s->n_iso++], v, strlen(v) + 1);
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
parse_mac(const char *v, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		unsigned hi, lo;
		char c0 = v[3 * i], c1 = c0 ? v[3 * i + 1] : 0;

#define HEX(c) ((c) >= '0' && (c) <= '9' ? (unsigned)((c) - '0') : \
	(c) >= 'a' && (c) <= 'f' ? (unsigned)((c) - 'a' + 10) : \
	(c) >= 'A' && (c) <= 'F' ? (unsigned)((c) - 'A' + 10) : 16u)
		hi = HEX(c0);
		lo = HEX(c1);
#undef HEX
		if (hi > 15 || lo > 15)
			return -1;
		if (i < 5 && v[3 * i + 2] != ':' && v[3 * i + 2] != '-')
			return -1;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return v[17] == '\0' || v[17] == ' ' ? 0 : -1;
}

static int
set_reserve(struct settings *s, const struct key *k, const char *v, char *err, size_t errlen)
{
	struct settings_reservation *r;
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
	if (strlen(v) < 19 || parse_mac(v, r->mac) != 0)
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
set_efi_boot(struct settings *s, const struct key *k, const char *v, char *err, size_t errlen)
{
	if (strcmp(v, "ipxe.efi") != 0 && strcmp(v, "snponly.efi") != 0) {
		snprintf(err, errlen, "efi-boot: \"%s\" is not ipxe.efi or snponly.efi", v);
		return -1;
	}
	return set_string(s, k, v, err, errlen);
}

static const struct key keys[] = {
	{ "iso", set_iso, 0, 0, 0, 0, 1, "an .iso file, or a directory scanned for *.iso (repeatable)" },
	{ "files", set_string, F(files), 0, 0, 0, "the iPXE binaries and other files served at /" },
	{ "keys", set_string, F(keys), 0, 0, 0, "authorized_keys for script.cfg" },
	{ "state", set_string, F(state), 0, 0, 0, "where leases, certificates and logs are kept" },
	{ "user", set_string, F(user), 0, 0, 0, "unprivileged user to run as after binding (when started as root)" },
	{ "listen", set_string, F(listen), 0, 0, 0, "address to listen on (empty: all)" },
	{ "interface", set_string, F(interface), 0, 0, 0, "network interface to serve DHCP on" },
	{ "address", set_address, 0, 0, 0, 0, 0, "this server's address/prefix on the interface" },
	{ "http-port", set_uint, F(http_port), 0, 65535, 0, "HTTP port (0: off)" },
	{ "https-port", set_uint, F(https_port), 0, 65535, 0, "HTTPS port (0: off)" },
	{ "tftp-port", set_uint, F(tftp_port), 0, 65535, 0, "TFTP port (0: off)" },
	{ "tls-cert", set_string, F(tls_cert), 0, 0, 0, "PEM certificate chain for HTTPS (empty: self-signed, kept in state)" },
	{ "tls-key", set_string, F(tls_key), 0, 0, 0, "PEM private key for tls-cert" },
	{ "menu-timeout", set_uint, F(menu_timeout), 0, 3600, 0, "seconds before the boot menu picks the default (0: wait)" },
	{ "menu-default", set_string, F(menu_default), 0, 0, 0, "default menu item: ISONAME or ISONAME:N (empty: the first)" },
	{ "dhcp", set_dhcp, 0, 0, 0, 0, 0, "auto, authoritative, proxy or off" },
	{ "pool", set_pool, 0, 0, 0, 0, 0, "addresses handed out in authoritative mode, A-B" },
	{ "lease-time", set_uint, F(lease_time), 60, 31536000, 0, "DHCP lease time in seconds" },
	{ "router", set_ipv4, F(router), 0, 0, 0, "default gateway given to DHCP clients (0.0.0.0: none)" },
	{ "dns", set_ipv4, F(dns), 0, 0, 0, "DNS server given to DHCP clients (0.0.0.0: none)" },
	{ "efi-boot", set_efi_boot, F(efi_boot), 0, 0, 0, "iPXE for UEFI clients: ipxe.efi or snponly.efi" },
	{ "reserve", set_reserve, 0, 0, 0, 0, 1, "static lease: MAC ADDRESS [ENTRY] (repeatable)" },
	{ "http-max-connections", set_uint, F(http_max_connections), 1, 100000, 0, "open HTTP connections at most" },
	{ "tftp-max-transfers", set_uint, F(tftp_max_transfers), 1, 10000, 0, "TFTP transfers at once at most" },
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
	s->dhcp = DHCP_MODE_AUTO;
	inet_pton(AF_INET, "10.99.0.1", &s->address);
	s->prefix = 24;
	inet_pton(AF_INET, "10.99.0.100", &s->pool_start);
	inet_pton(AF_INET, "10.99.0.250", &s->pool_end);
	s->lease_time = 3600;
	snprintf(s->efi_boot, sizeof(s->efi_boot), "ipxe.efi");
	s->http_max_connections = 1024;
	s->tftp_max_transfers = 128;
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
		snprintf(err, errlen, "unknown key \"%s\" (see `pxestick serve --help`)", key);
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
	int cleared_iso = 0, cleared_reserve = 0;

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
			snprintf(err, errlen, "%s: unknown option", name);
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
		if (settings_set(s, name + 2, argv[++i], msg, sizeof(msg)) != 0) {
			snprintf(err, errlen, "--%s", msg);
			return -1;
		}
	}
	return 0;
}

const char *
settings_dhcp_mode_name(enum dhcp_mode m)
{
	switch (m) {
	case DHCP_MODE_AUTO: return "auto";
	case DHCP_MODE_AUTHORITATIVE: return "authoritative";
	case DHCP_MODE_PROXY: return "proxy";
	case DHCP_MODE_OFF: return "off";
	}
	return "?";
}

void
settings_print(const struct settings *s, int fd)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	for (size_t i = 0; i < s->n_iso; i++)
		dprintf(fd, "iso = %s\n", s->iso[i]);
	dprintf(fd, "files = %s\nkeys = %s\nstate = %s\nuser = %s\nlisten = %s\n"
	    "interface = %s\n", s->files, s->keys, s->state, s->user, s->listen, s->interface);
	dprintf(fd, "address = %s/%u\n", inet_ntop(AF_INET, &s->address, a, sizeof(a)), s->prefix);
	dprintf(fd, "http-port = %u\nhttps-port = %u\ntftp-port = %u\n", s->http_port,
	    s->https_port, s->tftp_port);
	dprintf(fd, "tls-cert = %s\ntls-key = %s\nmenu-timeout = %u\nmenu-default = %s\n",
	    s->tls_cert, s->tls_key, s->menu_timeout, s->menu_default);
	dprintf(fd, "dhcp = %s\npool = %s-%s\nlease-time = %u\n", settings_dhcp_mode_name(s->dhcp),
	    inet_ntop(AF_INET, &s->pool_start, a, sizeof(a)),
	    inet_ntop(AF_INET, &s->pool_end, b, sizeof(b)), s->lease_time);
	dprintf(fd, "router = %s\n", inet_ntop(AF_INET, &s->router, a, sizeof(a)));
	dprintf(fd, "dns = %s\nefi-boot = %s\n", inet_ntop(AF_INET, &s->dns, a, sizeof(a)),
	    s->efi_boot);
	for (size_t i = 0; i < s->n_reserve; i++) {
		const uint8_t *m = s->reserve[i].mac;

		dprintf(fd, "reserve = %02x:%02x:%02x:%02x:%02x:%02x %s%s%s\n", m[0], m[1], m[2],
		    m[3], m[4], m[5], inet_ntop(AF_INET, &s->reserve[i].addr, a, sizeof(a)),
		    s->reserve[i].entry[0] ? " " : "", s->reserve[i].entry);
	}
	dprintf(fd, "http-max-connections = %u\ntftp-max-transfers = %u\n",
	    s->http_max_connections, s->tftp_max_transfers);
}

void
settings_help(int fd)
{
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		dprintf(fd, "  --%-22s %s\n", keys[i].name, keys[i].help);
}
