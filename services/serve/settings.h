/*
 * Everything `pxestick serve` can be told, from the config file and from
 * flags (each flag --KEY is also the config key KEY; flags win).
 */
#ifndef PXESTICK_SERVE_SETTINGS_H
#define PXESTICK_SERVE_SETTINGS_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "archiso/archiso.h"
#include "clients/clients.h"
#include "common/buf.h"
#include "dhcp/dhcp.h"
#include "payload/payload.h"

#define SETTINGS_MAX_ISOS       32
#define SETTINGS_MAX_RESERVE    256
#define SETTINGS_MAX_CLIENTS    256     /* client = lines; more go in a clients file */
#define SETTINGS_MAX_SHARES     16
#define SETTINGS_MAX_ARCHINSTALL 256
#define SETTINGS_PATH           1024

struct settings {
	char config[SETTINGS_PATH];     /* the file these came from, or "" */
	char iso[SETTINGS_MAX_ISOS][SETTINGS_PATH];
	size_t n_iso;
	char files[SETTINGS_PATH];
	char keys[SETTINGS_PATH];
	char state[SETTINGS_PATH];
	char socket[SETTINGS_PATH];     /* the control socket, "" = STATE/pxestick.sock */
	char boot_log[SETTINGS_PATH];   /* the appliance's boot log, for the support bundle */
	char user[64];                  /* drop to this user when root */
	char listen[64];                /* address to bind TCP/UDP services, "" = any */
	char interface[16];
	struct in_addr address;         /* our address (authoritative DHCP) */
	unsigned prefix;                /* its prefix length */
	int have_address;
	uint16_t http_port, https_port, tftp_port;
	char tls_cert[SETTINGS_PATH], tls_key[SETTINGS_PATH];
	unsigned menu_timeout;          /* seconds, 0 = wait */
	char menu_default[128];         /* "ISONAME" or "ISONAME:N", "" = first */
	enum archiso_verify verify;     /* how clients check the root image */
	char cow_spacesize[16];         /* the live system's overlay size */
	enum dhcp_mode dhcp;
	struct in_addr pool_start, pool_end;
	uint32_t lease_time;            /* seconds */
	struct in_addr router, dns;     /* 0 = not sent */
	char efi_boot[32];              /* ipxe.efi or snponly.efi */
	struct dhcp_reservation reserve[SETTINGS_MAX_RESERVE];
	size_t n_reserve;
	char client[SETTINGS_MAX_CLIENTS][CLIENTS_MAX_LINE];    /* as written */
	size_t n_client;
	char clients[SETTINGS_PATH];    /* a file of client rules, or "" */
	enum client_action unknown_clients;
	int boot_once;
	unsigned http_max_connections;
	unsigned http_max_per_client;
	unsigned tftp_max_transfers;
	unsigned tftp_max_per_client;
	int ntp;                        /* serve the time (UDP) */
	uint16_t ntp_port;
	char ntp_not_before[11];        /* "YYYY-MM-DD", "" = the newest ISO's date */
	char clock[20];                 /* the appliance's clock floor, "" = none */
	char extra_scripts[SETTINGS_PATH]; /* a directory of *.sh steps for script.cfg */
	struct settings_share {
		char name[32];
		char path[SETTINGS_PATH];
	} share[SETTINGS_MAX_SHARES];
	size_t n_share;
	char archinstall[SETTINGS_MAX_ARCHINSTALL][18]; /* MACs, or "all" */
	size_t n_archinstall;
	/* Caches or mirrors clients load ISO files from (payload.h), parsed. */
	struct payload_url payload_url[PAYLOAD_MAX_URLS];
	size_t n_payload_url;
};

/* The defaults (the common case needs no configuration). */
void settings_defaults(struct settings *s);

/*
 * Set one key from text.  A list key (iso, reserve) appends.  Returns 0,
 * or -1 with the reason in err (an unknown key is an error).
 */
int settings_set(struct settings *s, const char *key, const char *value, char *err,
    size_t errlen);

/*
 * Defaults, then the config file (if any), then the flags in argv (pairs
 * "--key value"; "--check-config" is skipped).  A list key given as a
 * flag replaces the file's list.  Returns 0, or -1 with "FILE:LINE: ..."
 * or "--flag: ..." in err.
 */
int settings_load(struct settings *s, const char *config, int argc, char **argv,
    char *err, size_t errlen);

/* Every key with its current value, as a config file would say it. */
void settings_print(const struct settings *s, struct buf *out);

/*
 * A reload: the keys that apply on SIGHUP (the ISOs, the files and keys,
 * the menu) are copied from next into cur; each other key whose value
 * differs is passed to changed() (it takes effect at the next start).
 */
void settings_reload(struct settings *cur, const struct settings *next,
    void (*changed)(void *ctx, const char *key), void *ctx);

/* One line per key: "  --KEY VALUE   help". */
void settings_help(int fd);

/* The control socket's path (socket, or STATE/pxestick.sock) in out. */
void settings_socket(const struct settings *s, char *out, size_t size);

/* The key closest to name (a misspelling), or NULL: for error messages. */
const char *settings_closest(const char *name);

/*
 * The settings as a man page's section (roff): one tagged paragraph per
 * key with its default, so pxestick.conf(5) never drifts from the table.
 */
void settings_man(struct buf *out);

#endif
