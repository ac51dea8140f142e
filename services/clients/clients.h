/*
 * Who boots, and into what: per-MAC rules (settings key `client` and a
 * `clients` file), the policy for machines with no rule
 * (`unknown-clients`), and boot once (`boot-once`: a machine that reached
 * the live system boots its local disk next time).
 *
 *   action   what the machine gets
 *   boot     the menu, which boots its entry (or the default) after the timeout
 *   menu     the menu, waiting for a choice
 *   local    the menu, which boots the next device (the local disk) after
 *            the timeout; a key press still picks Arch
 *   ignore   beside another server (proxy): no DHCP answer at all; while
 *            pxestick hands out addresses: an address, no boot file.
 *            Either way its firmware moves on
 *
 * Unknown machines get `unknown-clients`; its default, auto, is boot while
 * pxestick hands out addresses (an isolated switch: these are the machines
 * brought for it) and local while it is proxyDHCP beside another server
 * (an office: a machine set to boot from the network first must not turn
 * into an Arch live session because the power blinked).
 *
 * The rules and the decision are pure (caller memory, no I/O); the
 * boot-once records are kept in STATE/boot-once, rewritten atomically
 * (temporary file, fsync, rename, directory fsync) at every change, so
 * neither kill -9 nor a pulled plug loses or tears one.
 */
#ifndef PXESTICK_CLIENTS_H
#define PXESTICK_CLIENTS_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/limits.h"

enum client_action {
	CLIENT_BOOT,
	CLIENT_MENU,
	CLIENT_LOCAL,
	CLIENT_IGNORE,
	CLIENT_AUTO,            /* unknown-clients only: boot or local by the DHCP mode */
};

/* "boot", "menu", "local", "ignore", "auto"; and back (0, or -1). */
const char *client_action_name(enum client_action a);
int client_action_parse(const char *s, enum client_action *a);

struct client_rule {
	uint8_t mac[6];
	enum client_action action;      /* BOOT, MENU, LOCAL or IGNORE */
	char entry[CLIENTS_MAX_FIELD];  /* BOOT: "ISO[:N]", or "": the menu's default */
	char name[CLIENTS_MAX_FIELD];   /* for people, or "" */
	char where[128];                /* "FILE:LINE" it came from, for messages */
};

/*
 * Parse a rule: "MAC [entry=ISO[:N] | local | ignore | menu] [name=NAME]",
 * words separated by blanks, a '#' starts a comment.  MAC as
 * aa:bb:cc:dd:ee:ff or with '-'.  0; 1 for a blank or comment line; -1
 * with the reason in err.
 */
int client_rule_parse(const char *s, size_t len, struct client_rule *r, char *err,
    size_t errlen);

/* A machine that reached the live system (boot once). */
struct client_done {
	uint8_t mac[6];
	int64_t at;                     /* unix seconds */
};

struct clients {
	struct client_rule *rules;
	size_t n_rules;
	enum client_action unknown;     /* unknown-clients */
	int boot_once;
	struct client_done *done;       /* CLIENTS_MAX_DONE at most */
	size_t n_done;
	int dirfd;                      /* the state directory, or -1: records in memory only */
};

/* What a machine gets. */
struct client_decision {
	enum client_action action;      /* BOOT, MENU, LOCAL or IGNORE */
	const char *entry;              /* BOOT: its fixed entry, or NULL */
	const char *name;               /* its rule's name, or NULL */
	int known;                      /* a rule names it */
	int done;                       /* boot once: it reached the live system */
	const char *why;                /* for people: "rule", "unknown client", ... */
};

/*
 * Decide for mac while the DHCP server is proxy (proxy set) or not.  A
 * machine with a boot-once record boots the local disk (whatever its rule
 * said, ignore aside).
 */
void clients_decide(const struct clients *c, const uint8_t mac[6], int proxy,
    struct client_decision *d);

/* The rule of mac, or NULL. */
const struct client_rule *clients_rule(const struct clients *c, const uint8_t mac[6]);

/* ---- the set of rules ---- */

/* Empty, unknown = auto, no boot once, no state.  Always clients_free(). */
void clients_init(struct clients *c);
void clients_free(struct clients *c);

/*
 * Add rule r (where: "FILE:LINE" for messages).  A MAC already ruled is
 * refused (the first rule stays).  0, or -1 with err.
 */
int clients_add(struct clients *c, const struct client_rule *r, const char *where, char *err,
    size_t errlen);

/* Receives one message (a bad line, a duplicate). */
typedef void clients_note_fn(void *ctx, const char *msg);

/*
 * Add the rules of a clients file (text, len bytes; name for messages):
 * one rule per line as client_rule_parse() reads it, blank lines and
 * comments ignored.  A bad line (or one over CLIENTS_MAX_LINE, or a MAC
 * ruled already) is noted as "NAME:LINE: why" and left out; the rest
 * apply.  Returns the number of rules added.
 */
size_t clients_parse_file(struct clients *c, const char *text, size_t len, const char *name,
    clients_note_fn *note, void *ctx);

/* Replace c's rules by next's (a reload); the boot-once records stay. */
void clients_take_rules(struct clients *c, struct clients *next);

/* ---- boot once: STATE/boot-once ---- */

/*
 * Read the records from the state directory dirfd (kept; -1: none).
 * Unreadable lines are skipped.  0, or -1 with err (the file exists but
 * cannot be read).
 */
int clients_load_done(struct clients *c, int dirfd, char *err, size_t errlen);

/* The records of a boot-once file's text (replacing c's): lines
 * "D MAC UNIXTIME", anything else skipped.  How many were read. */
size_t clients_parse_done(struct clients *c, const char *text, size_t len);

/* mac reached the live system at now: recorded (and written) when boot
 * once is on and it is not recorded yet.  1 when recorded now, 0 when
 * nothing changed, -1 when writing failed (the record holds in memory). */
int clients_mark_done(struct clients *c, const uint8_t mac[6], int64_t now);

/* Forget mac's record (`pxestick clients reset MAC`).  1 when there was
 * one, 0 when not, -1 when writing failed. */
int clients_reset(struct clients *c, const uint8_t mac[6]);

/* The record of mac, or NULL. */
const struct client_done *clients_done(const struct clients *c, const uint8_t mac[6]);

/* Every rule and record, one line each, for `pxestick clients`. */
void clients_list(const struct clients *c, int proxy, struct buf *out);

#endif
