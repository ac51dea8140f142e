/*
 * Following every booting client: one table, keyed by MAC (by address
 * while no MAC is known), fed by the services at the events they already
 * see, read by /status, /status.json, `pxestick status` and `pxestick top`.
 *
 * A client goes through these phases (status_phase_name() in brackets):
 *
 *   DHCP     [dhcp]    the firmware asked to netboot and got a boot file
 *   LOADER   [loader]  it fetches the first stage (TFTP, or HTTP for UEFI
 *                      HTTP Boot): undionly.kpxe, ipxe.efi, snponly.efi
 *   IPXE     [ipxe]    iPXE asked DHCP (and got boot.ipxe)
 *   MENU     [menu]    boot.ipxe fetched
 *   KERNEL   [kernel]  kernel and initramfs from /iso/NAME/
 *   ROOTFS   [rootfs]  airootfs.sfs (and its checksum and signature)
 *   LIVE     [live]    script.cfg fetched: the live system is up
 *   SSH      [ssh]     its sshd answered with a banner (checked by pxestick)
 *
 * Transitions, per event of phase p while in phase q:
 *   - a new boot starts (progress, error, SSH state and ISO cleared, boots
 *     counted) when p is DHCP or LOADER and p < q, or p is IPXE or MENU and
 *     q >= KERNEL: the machine was restarted;
 *   - KERNEL and ROOTFS downloads set the phase to p (the iPXE menu's
 *     failure path goes back to the kernel);
 *   - anything else moves the phase to max(p, q);
 *   - an error is kept until the phase moves up or a new boot starts.
 * A DHCP request that does not netboot (the live system's own DHCP) only
 * records the client's new address; it never creates a client.
 *
 * HTTP and TFTP know only the peer's address.  Requests are matched to a
 * client by that address while it is fresh (STATUS_ADDR_TRUST_MS since a
 * DHCP ACK, a lookup or a request confirmed it), else through the resolver
 * (the ARP table), else by address alone.  The live system may get another
 * address than iPXE had: the table keeps the latest per MAC.
 *
 * This is a library core: it takes caller memory, does no I/O (the
 * resolver is the caller's adapter) and reads no clock: every function
 * takes `now`, monotonic milliseconds.  Strings it keeps are printable
 * ASCII (peer bytes are sanitised on the way in); renderers escape them
 * for their destination all the same.  Not thread-safe (one event loop).
 */
#ifndef PXESTICK_STATUS_H
#define PXESTICK_STATUS_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/buf.h"
#include "common/limits.h"

enum status_phase {
	STATUS_PHASE_NONE,      /* seen, but no boot step yet (an error at the first request) */
	STATUS_PHASE_DHCP,
	STATUS_PHASE_LOADER,
	STATUS_PHASE_IPXE,
	STATUS_PHASE_MENU,
	STATUS_PHASE_KERNEL,
	STATUS_PHASE_ROOTFS,
	STATUS_PHASE_LIVE,
	STATUS_PHASE_SSH,
	STATUS_PHASE_COUNT
};

/* "dhcp", "loader", ... (JSON); "DHCP (firmware)", ... (people). */
const char *status_phase_name(unsigned p);
const char *status_phase_title(unsigned p);

/* What a request is, from its path. */
enum status_kind {
	STATUS_KIND_IGNORE,     /* /status pages: never recorded */
	STATUS_KIND_OTHER,      /* anything else: updates known clients only */
	STATUS_KIND_LOADER,     /* /undionly.kpxe, /ipxe.efi, any *.efi *.kpxe *.pxe */
	STATUS_KIND_MENU,       /* /boot.ipxe */
	STATUS_KIND_KERNEL,     /* /iso/NAME/.../vmlinuz*, initramfs*, *ucode*.img */
	STATUS_KIND_ROOTFS,     /* /iso/NAME/.../airootfs.sfs or .erofs */
	STATUS_KIND_ROOTFS_AUX, /* /iso/NAME/.../airootfs.* (checksums, signatures) */
	STATUS_KIND_SCRIPT,     /* /script.cfg */
};

/*
 * Classify a cleaned path (the file tree's vfs_path_clean() output).  iso
 * (isosize bytes) receives NAME of /iso/NAME/..., else "".
 */
enum status_kind status_classify(const char *path, char *iso, size_t isosize);

/* A client address: IPv4 or IPv6 (IPv4-mapped IPv6 is stored as IPv4). */
struct status_addr {
	uint8_t family;         /* AF_INET, AF_INET6, or 0: none */
	uint8_t a[16];
};

/* From a socket address; 0, or -1 (another family). */
int status_addr_set(struct status_addr *out, const struct sockaddr *sa);
void status_addr_v4(struct status_addr *out, struct in_addr a);
int status_addr_eq(const struct status_addr *x, const struct status_addr *y);
/* "10.0.0.5", "fe80::1" or "" (out: at least 46 bytes). */
char *status_addr_str(const struct status_addr *a, char *out, size_t size);

enum status_via { STATUS_VIA_HTTP, STATUS_VIA_TFTP };

enum status_fw {
	STATUS_FW_UNKNOWN,
	STATUS_FW_BIOS,         /* PXE, arch 0 */
	STATUS_FW_UEFI,         /* PXE, arch 6, 7, 9 */
	STATUS_FW_UEFI_HTTP,    /* UEFI HTTP Boot */
	STATUS_FW_OTHER,        /* any other architecture */
};
const char *status_fw_name(unsigned fw);   /* "bios", "uefi", "uefi-http", "other", "" */

enum status_dl_state { STATUS_DL_NONE, STATUS_DL_RUNNING, STATUS_DL_DONE, STATUS_DL_FAILED };

/* The download shown for a client: the latest one of the loader, a
 * kernel, an initramfs or a root image (the menu, script.cfg, checksums
 * and signatures only while nothing else was fetched in this boot). */
struct status_download {
	char file[48];          /* its base name */
	uint8_t state;          /* enum status_dl_state */
	uint8_t via;            /* enum status_via */
	uint8_t kind;           /* enum status_kind */
	uint32_t seq;           /* which transfer owns it */
	uint64_t done, total;   /* bytes of the file: done counts from the
				 * transfer's offset (a range request resumes) */
	uint64_t start, end;    /* ms; end 0 while running */
	uint64_t rate;          /* bytes/s: over ~1 s windows while running,
				 * the average once done */
	uint64_t last;          /* ms: the last byte went out */
	uint64_t sample_t, sample_done;
};

enum status_ssh {
	STATUS_SSH_NONE,        /* not checked (no script.cfg yet) */
	STATUS_SSH_WAITING,     /* checks due: sshd not answering yet */
	STATUS_SSH_PROBING,     /* a check is in flight */
	STATUS_SSH_UP,          /* banner received */
	STATUS_SSH_GAVE_UP,     /* STATUS_SSH_TRIES checks failed */
};
const char *status_ssh_name(unsigned s);   /* "", "waiting", "checking", "up", "unreachable" */

struct status_client {
	uint32_t gen;           /* 0: a free slot; changes when the slot is reused */
	uint8_t mac[6];
	uint8_t has_mac;
	uint8_t phase;          /* enum status_phase */
	uint8_t firmware;       /* enum status_fw, from the firmware's DHCP */
	uint8_t ipxe;           /* iPXE was seen in this boot */
	uint8_t has_arch;
	uint8_t ssh;            /* enum status_ssh */
	uint16_t arch;          /* DHCP option 93 */
	const char *arch_name;  /* its name (static text), or NULL */
	struct status_addr addr;        /* the latest address */
	uint64_t addr_at;       /* ms: when addr was last confirmed */
	char iso[64];           /* the ISO it boots (from /iso/NAME/), or "" */
	char entry[64];         /* the reservation's fixed boot entry, or "" */
	char policy[48];        /* what its rules give it (status_dhcp_event.policy), or "" */
	char name[48];          /* its rule's name, or "" */
	char result[48];        /* what it reported (GET /done?status=), or "" */
	uint8_t turned_away;    /* ignored, or sent to its local disk, in this boot */
	char agent[48];         /* the last HTTP User-Agent */
	char error[224];        /* the last error of this phase, or "" */
	uint64_t error_at;
	char ssh_banner[STATUS_MAX_BANNER];
	unsigned ssh_tries;
	uint64_t ssh_next;      /* ms: the next check is due */
	struct status_download dl;
	uint32_t next_seq;
	unsigned active;        /* transfers in flight */
	uint64_t bytes;         /* bytes sent to it in this boot */
	uint64_t rootfs_done;   /* ms: the root image arrived whole in this boot, or 0 */
	uint8_t stalled;        /* flagged: the root image came, script.cfg never did */
	/* Secure Boot suspected: a UEFI boot file arrived whole and iPXE never
	 * started (the firmware refused to run it, and asks again).  Kept
	 * across the boots it causes until iPXE is seen. */
	uint64_t efi_loader_done;       /* ms: the .efi boot file arrived in this boot, or 0 */
	uint8_t efi_refused;            /* boots that ended there (saturating) */
	uint8_t secure_boot;            /* flagged */
	/* Proxy mode: a machine only offered a boot (an OFFER to its
	 * DISCOVER) may take another boot server's offer instead.  Its row is
	 * pending until it comes here (a request, or a 4011/REQUEST to us);
	 * a pending row is shown for STATUS_PENDING_MS only, and not at all
	 * once its iPXE asked without its firmware having come here
	 * (status_went_elsewhere). */
	uint8_t pending;
	uint8_t fw_offered;     /* pending, and its firmware (not iPXE) was offered */
	uint8_t elsewhere;      /* another boot server has it */
	uint64_t offered_at;    /* ms: the latest offer while pending */
	unsigned boots;         /* boots seen (1 = the first) */
	uint64_t first_seen, last_seen, boot_start, phase_since;   /* ms */
};

struct status_event {
	uint64_t at;            /* ms */
	char who[48];           /* MAC, or address */
	char msg[112];
};

/*
 * Finds the MAC of an address (the caller's adapter: the neighbour
 * table).  0 and mac, or -1 (not known, not on a link).
 */
typedef int status_resolve_fn(void *ctx, const struct status_addr *a, uint8_t mac[6]);

struct status {
	struct status_client *c;        /* STATUS_MAX_CLIENTS slots */
	size_t n;                       /* slots in use */
	uint32_t next_gen;
	struct status_event ev[STATUS_MAX_EVENTS];
	size_t ev_next, n_ev;           /* ring: the oldest is ev[(ev_next - n_ev) % MAX] */
	uint64_t evicted;               /* clients forgotten to make room */
	status_resolve_fn *resolve;
	void *resolve_ctx;
	int script_served;              /* script.cfg is served (the caller says) */
	/* Told once of each problem the table finds by itself (the
	 * flags of status_tick: no script.cfg, Secure Boot), for the console;
	 * NULL: not told. */
	void (*notice)(void *ctx, const char *who, const char *msg);
	void *notice_ctx;
};

/*
 * What a transfer keeps to report its progress (caller memory: inside the
 * HTTP connection or TFTP transfer).  gen 0: nothing to report.  A client
 * forgotten meanwhile makes the reports no-ops (the generation differs).
 */
struct status_ref {
	uint32_t slot, gen, seq;
	uint64_t base;          /* the transfer's first byte in its file */
	uint64_t reported;      /* bytes reported so far */
};

/* 0, or -1 (no memory).  resolve may be NULL. */
int status_init(struct status *st, status_resolve_fn *resolve, void *ctx);
void status_free(struct status *st);

/* What a DHCP reply (offer or ack) told a client. */
struct status_dhcp_event {
	uint8_t mac[6];
	struct in_addr addr;    /* the address given, or 0 (proxy mode) */
	int netboot;            /* the client asked to netboot at all */
	int ipxe;               /* ... and it is iPXE */
	uint8_t firmware;       /* enum status_fw: who asked (not iPXE) */
	int has_arch;
	uint16_t arch;          /* DHCP option 93 */
	const char *arch_name;  /* its name, static text (or NULL) */
	int booted;             /* a boot file was given */
	const char *detail;     /* what was given, or why nothing was */
	const char *entry;      /* the reservation's fixed entry, or NULL */
	/* What its rules say it gets (clients.h): "boot", "menu", "local disk",
	 * "ignored", "done: local disk next"; NULL for none. */
	const char *policy;
	const char *name;       /* its rule's name, or NULL */
	int turned_away;        /* ignored, or sent to its local disk */
	int offer_only;         /* a proxy OFFER: the machine may take another's */
};

/* A DHCP reply went out (ev).  A client that does not netboot (the live
 * system's own DHCP) only has its address noted; it is never created. */
void status_dhcp(struct status *st, const struct status_dhcp_event *ev, uint64_t now);
/* A DHCP request from mac was refused (NAK, pool exhausted): known
 * clients only. */
void status_dhcp_error(struct status *st, const uint8_t mac[6], const char *why, uint64_t now);

/* One request, as HTTP or TFTP saw it. */
struct status_request {
	enum status_via via;
	const struct sockaddr *peer;
	/* The cleaned path (vfs_path_clean()), or with `refused` set the
	 * bytes as sent when the path boundary refused them (only shown,
	 * never classified; peer bytes allowed: sanitised). */
	const char *path;
	size_t path_len;
	int refused;
	const char *agent;      /* User-Agent, or NULL */
	size_t agent_len;
	/* NULL: served (a transfer starts when body > 0); else why not,
	 * e.g. "404 Not Found" (peer bytes allowed: sanitised). */
	const char *error;
	uint64_t base;          /* the first byte of the file sent */
	uint64_t size;          /* the file's size */
	uint64_t body;          /* bytes this transfer will send */
};

/*
 * A request was answered.  On a transfer of body > 0 bytes, ref is set
 * to follow it (else ref->gen is 0).  TFTP requests and boot files create
 * clients; other requests only update clients already known.
 */
void status_request(struct status *st, const struct status_request *rq, struct status_ref *ref,
    uint64_t now);
/* sent: bytes of this transfer so far.  Cheap: call it as often as bytes go out. */
void status_progress(struct status *st, struct status_ref *ref, uint64_t sent, uint64_t now);
/* The transfer ended: error NULL when it completed.  ref->gen becomes 0. */
void status_done(struct status *st, struct status_ref *ref, uint64_t sent, const char *error,
    uint64_t now);

/*
 * SSH checks.  status_ssh_due() fills slots[0..max) with clients whose
 * check is due now and marks them PROBING; status_ssh_result() records
 * the outcome (banner: the peer's first line, any bytes, or NULL).
 */
size_t status_ssh_due(struct status *st, uint64_t now, size_t *slots, uint32_t *gens,
    size_t max);
void status_ssh_result(struct status *st, size_t slot, uint32_t gen, const char *banner,
    size_t len, uint64_t now);

/* The MAC of the client at peer (known, or from the resolver): 0, or -1. */
int status_mac_of(struct status *st, const struct sockaddr *peer, uint64_t now, uint8_t mac[6]);

/* Forget the client mac (`pxestick clients forget`).  1 when it was known. */
int status_forget(struct status *st, const uint8_t mac[6]);
/* mac reported result ("ok", "archinstall-failed-1"): kept on its row
 * and an event.  A machine not in the table gets a row. */
void status_result(struct status *st, const uint8_t mac[6], const char *result, uint64_t now);

/*
 * Once a second: a client whose root image arrived STATUS_SCRIPT_WAIT_MS
 * ago but that never fetched script.cfg gets an error that says why that
 * happens and what recovers it (ISOs of archiso v45-v70 download script=
 * before their own DHCP is done and do not retry).  A UEFI client whose
 * .efi boot file arrived STATUS_SECUREBOOT_WAIT_MS ago (or that started
 * over since) and that never came back as iPXE is flagged "probably
 * Secure Boot": the firmware refused to run the unsigned iPXE.
 */
void status_tick(struct status *st, uint64_t now);

/* The rate of a download as shown at now: 0 when it stalled (no byte for 3 s). */
uint64_t status_dl_rate(const struct status_download *d, uint64_t now);

/*
 * Clients in display order (first seen first): fills idx, returns how
 * many.  Pending rows older than STATUS_PENDING_MS and rows another boot
 * server has are left out (status_not_come counts them).
 */
size_t status_order(const struct status *st, size_t *idx, size_t max, uint64_t now);
size_t status_not_come(const struct status *st, uint64_t now);

/*
 * Proxy mode, before answering iPXE's DHCP from mac: was its firmware
 * offered a boot here (and, by the caller's knowledge, by another boot
 * server too) without ever coming here for it?  Then it booted its first
 * stage from the other server, whose iPXE should carry on: 1, and its
 * row is hidden from now on; else 0.
 */
int status_went_elsewhere(struct status *st, const uint8_t mac[6], uint64_t now);

/* "52:54:00:12:34:56" or the address: who a client is, for people. */
char *status_client_name(const struct status_client *c, char *out, size_t size);

/* ---- renderers (status_json.c, status_html.c, status_text.c) ---- */

/* What the appliance serves, filled by the caller at render time.
 * Strings are trusted local text (file names), still escaped on output. */
struct clients;

struct status_iso_info {
	const char *name, *path, *date;
	size_t entries;
	int signed_;            /* the ISO carries airootfs.sfs.cms.sig */
	unsigned ram_mib;       /* client RAM its first entry needs */
	const char *payload;    /* the payload URL clients load it from, or "" (here) */
	const char *payload_note;   /* what the payload check said, or "" */
	int verifying;          /* found on a reload, its root image being checked: */
	uint64_t done, total;   /* ... bytes hashed of its size (0 of 0: not started) */
};
struct status_refused_info {
	const char *path, *reason;
};

#define STATUS_MAX_ADDRS 8
#define STATUS_MAX_ISO_INFO 128
#define STATUS_MAX_WARNINGS 4
#define STATUS_WARNING_LEN 256

struct status_info {
	char addrs[STATUS_MAX_ADDRS][48];       /* the appliance's IPv4/IPv6 addresses */
	size_t n_addrs;
	uint16_t http_port, https_port, tftp_port;      /* 0: off */
	char dhcp[160];                 /* "authoritative on eth0", "off", ... */
	char policy[128];               /* who boots: "unknown clients: local disk ..." */
	char warnings[STATUS_MAX_WARNINGS][STATUS_WARNING_LEN]; /* "another PXE boot server ..." */
	size_t n_warnings;
	const struct clients *clients;  /* the client rules and boot-once records, or NULL */
	int proxy;                      /* DHCP is proxy now (unknown-clients = auto) */
	struct status_iso_info isos[STATUS_MAX_ISO_INFO];
	size_t n_isos;
	struct status_refused_info refused[STATUS_MAX_ISO_INFO];
	size_t n_refused;
	size_t n_keys;                  /* keys in script.cfg */
	const char *script_reason;      /* why script.cfg is not served, or NULL */
	uint64_t started;               /* ms (monotonic): server start */
	int64_t wall;                   /* unix time at `now` */
};

/* /status.json (docs/STATUS.md). */
void status_json(const struct status *st, const struct status_info *in, uint64_t now,
    struct buf *out);
/* /status: a whole page, or (fragment) the part the page's script swaps in. */
void status_html(const struct status *st, const struct status_info *in, uint64_t now,
    int fragment, struct buf *out);
/* `pxestick status`: a plain text report. */
void status_text(const struct status *st, const struct status_info *in, uint64_t now,
    struct buf *out);

enum status_view { STATUS_VIEW_CLIENTS, STATUS_VIEW_EVENTS };
/*
 * `pxestick top`: exactly rows lines of at most cols columns (each line
 * ends with "\n"), plain ASCII; color adds ANSI SGR sequences (and
 * nothing else: the client positions the cursor).
 */
void status_screen(const struct status *st, const struct status_info *in, uint64_t now,
    unsigned cols, unsigned rows, enum status_view view, int color, struct buf *out);

/* Formatting helpers shared by the renderers. */
char *status_fmt_bytes(uint64_t n, char *out, size_t size);       /* "1.5 GiB" */
char *status_fmt_age(uint64_t ms, char *out, size_t size);        /* "3s", "2m05s", "1h02m" */

#endif
