/*
 * Client rules and the decision (clients.h): pure, caller memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clients/clients.h"
#include "common/net.h"

static const char *const action_names[] = {
	[CLIENT_BOOT] = "boot", [CLIENT_MENU] = "menu", [CLIENT_LOCAL] = "local",
	[CLIENT_IGNORE] = "ignore", [CLIENT_AUTO] = "auto",
};

const char *
client_action_name(enum client_action a)
{
	return a <= CLIENT_AUTO ? action_names[a] : "?";
}

int
client_action_parse(const char *s, enum client_action *a)
{
	for (int i = CLIENT_BOOT; i <= CLIENT_AUTO; i++)
		if (strcmp(s, action_names[i]) == 0) {
			*a = (enum client_action)i;
			return 0;
		}
	return -1;
}

/* An entry or name value: printable, no blanks, not too long. */
static int
field_ok(const char *p, size_t n, size_t size)
{
	if (n == 0 || n >= size)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] >= 0x7f)
			return 0;
	return 1;
}

/* An entry: what a boot URL can carry (dhcp_policy.c checks the same). */
static int
entry_ok(const char *p, size_t n)
{
	if (n == 0 || n > MENU_MAX_ENTRY)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
		    (p[i] >= '0' && p[i] <= '9') || p[i] == '.' || p[i] == '_' || p[i] == '-' ||
		    p[i] == ':'))
			return 0;
	return 1;
}

static int
word_is(const char *w, size_t n, const char *s)
{
	return strlen(s) == n && memcmp(w, s, n) == 0;
}

/* One word after the MAC: an action, entry=, or name=. */
static int
rule_word(struct client_rule *r, const char *w, size_t n, int *have_action, char *err,
    size_t errlen)
{
	static const struct {
		const char *word;
		enum client_action action;
	} actions[] = { { "local", CLIENT_LOCAL }, { "ignore", CLIENT_IGNORE },
		{ "menu", CLIENT_MENU }, { "boot", CLIENT_BOOT } };

	if (n > 6 && memcmp(w, "entry=", 6) == 0) {
		if (!entry_ok(w + 6, n - 6)) {
			snprintf(err, errlen, "\"%.*s\": an entry is ISONAME or ISONAME:N, at most "
			    "%u characters of A-Z a-z 0-9 . _ - :", (int)(n > 40 ? 40 : n), w,
			    MENU_MAX_ENTRY);
			return -1;
		}
		memcpy(r->entry, w + 6, n - 6);
		r->entry[n - 6] = '\0';
		r->action = CLIENT_BOOT;
		goto action;
	}
	if (n > 5 && memcmp(w, "name=", 5) == 0) {
		if (!field_ok(w + 5, n - 5, sizeof(r->name)))
			goto bad_value;
		memcpy(r->name, w + 5, n - 5);
		r->name[n - 5] = '\0';
		return 0;
	}
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (word_is(w, n, actions[i].word)) {
			r->action = actions[i].action;
			goto action;
		}
	snprintf(err, errlen, "\"%.*s\" is not entry=ISO[:N], local, ignore, menu, boot or "
	    "name=NAME", (int)(n > 40 ? 40 : n), w);
	return -1;
action:
	if ((*have_action)++) {
		snprintf(err, errlen, "two actions for one machine");
		return -1;
	}
	return 0;
bad_value:
	snprintf(err, errlen, "\"%.*s\": the value is empty, too long or has odd characters",
	    (int)(n > 40 ? 40 : n), w);
	return -1;
}

int
client_rule_parse(const char *s, size_t len, struct client_rule *r, char *err, size_t errlen)
{
	size_t i = 0, start, end = len;
	const char *hash = memchr(s, '#', len);
	int have_action = 0;

	memset(r, 0, sizeof(*r));
	r->action = CLIENT_BOOT;
	if (hash != NULL)
		end = (size_t)(hash - s);
	while (i < end && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == end)
		return 1;
	start = i;
	while (i < end && s[i] != ' ' && s[i] != '\t')
		i++;
	if (i - start != 17 || net_mac_parse(s + start, i - start, 1, r->mac) != 17) {
		snprintf(err, errlen, "\"%.*s\" is not a MAC address like 52:54:00:12:34:56",
		    (int)(i - start > 40 ? 40 : i - start), s + start);
		return -1;
	}
	while (i < end) {
		while (i < end && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == end)
			break;
		start = i;
		while (i < end && s[i] != ' ' && s[i] != '\t')
			i++;
		if (rule_word(r, s + start, i - start, &have_action, err, errlen) != 0)
			return -1;
	}
	return 0;
}

const struct client_rule *
clients_rule(const struct clients *c, const uint8_t mac[6])
{
	for (size_t i = 0; i < c->n_rules; i++)
		if (memcmp(c->rules[i].mac, mac, 6) == 0)
			return &c->rules[i];
	return NULL;
}

const struct client_done *
clients_done(const struct clients *c, const uint8_t mac[6])
{
	for (size_t i = 0; i < c->n_done; i++)
		if (memcmp(c->done[i].mac, mac, 6) == 0)
			return &c->done[i];
	return NULL;
}

void
clients_decide(const struct clients *c, const uint8_t mac[6], int proxy,
    struct client_decision *d)
{
	const struct client_rule *r = clients_rule(c, mac);

	memset(d, 0, sizeof(*d));
	if (r != NULL) {
		d->known = 1;
		d->action = r->action;
		d->entry = r->entry[0] ? r->entry : NULL;
		d->name = r->name[0] ? r->name : NULL;
		d->why = "its rule";
	} else if (c->unknown == CLIENT_AUTO) {
		d->action = proxy ? CLIENT_LOCAL : CLIENT_BOOT;
		d->why = proxy ? "unknown client, beside another DHCP server" : "unknown client";
	} else {
		d->action = c->unknown;
		d->why = "unknown client (unknown-clients)";
	}
	if (c->boot_once && d->action != CLIENT_IGNORE && clients_done(c, mac) != NULL) {
		d->action = CLIENT_LOCAL;
		d->entry = NULL;
		d->done = 1;
		d->why = "done: it reached the live system (boot-once)";
	}
}

void
clients_init(struct clients *c)
{
	memset(c, 0, sizeof(*c));
	c->unknown = CLIENT_AUTO;
	c->dirfd = -1;
}

int
clients_add(struct clients *c, const struct client_rule *r, const char *where, char *err,
    size_t errlen)
{
	struct client_rule *n;
	char mac[NET_MAC_STR];

	if (clients_rule(c, r->mac) != NULL) {
		snprintf(err, errlen, "%s: %s has a rule already (the first one stays)", where,
		    net_mac_str(r->mac, mac));
		return -1;
	}
	if (c->n_rules == CLIENTS_MAX_RULES) {
		snprintf(err, errlen, "%s: more than %u client rules", where, CLIENTS_MAX_RULES);
		return -1;
	}
	n = realloc(c->rules, (c->n_rules + 1) * sizeof(*n));
	if (n == NULL) {
		snprintf(err, errlen, "%s: out of memory", where);
		return -1;
	}
	c->rules = n;
	c->rules[c->n_rules++] = *r;
	return 0;
}

size_t
clients_parse_file(struct clients *c, const char *text, size_t len, const char *name,
    clients_note_fn *note, void *ctx)
{
	size_t pos = 0, added = 0;
	unsigned lineno = 0;

	while (pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - line) : len - pos;
		struct client_rule r;
		char err[160], msg[256];
		int rc;

		pos += n + (nl != NULL);
		lineno++;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n > CLIENTS_MAX_LINE || memchr(line, '\0', n) != NULL) {
			rc = -1;
			snprintf(err, sizeof(err), "line too long or has a NUL byte");
		} else {
			rc = client_rule_parse(line, n, &r, err, sizeof(err));
		}
		if (rc == 1)
			continue;
		if (rc == 0) {
			snprintf(r.where, sizeof(r.where), "%.116s:%u", name, lineno);
			if (clients_add(c, &r, r.where, msg, sizeof(msg)) == 0) {
				added++;
				continue;
			}
		} else {
			snprintf(msg, sizeof(msg), "%s:%u: %s", name, lineno, err);
		}
		if (note != NULL)
			note(ctx, msg);
	}
	return added;
}

void
clients_take_rules(struct clients *c, struct clients *next)
{
	free(c->rules);
	c->rules = next->rules;
	c->n_rules = next->n_rules;
	c->unknown = next->unknown;
	c->boot_once = next->boot_once;
	next->rules = NULL;
	next->n_rules = 0;
}

void
clients_list(const struct clients *c, int proxy, struct buf *out)
{
	char mac[NET_MAC_STR];

	buf_printf(out, "unknown-clients = %s", client_action_name(c->unknown));
	if (c->unknown == CLIENT_AUTO)
		buf_printf(out, " (now: %s)", proxy ? "local" : "boot");
	buf_printf(out, "; boot-once = %s\n", c->boot_once ? "yes" : "no");
	for (size_t i = 0; i < c->n_rules; i++) {
		const struct client_rule *r = &c->rules[i];
		const struct client_done *d = clients_done(c, r->mac);

		buf_printf(out, "%s %s", net_mac_str(r->mac, mac), client_action_name(r->action));
		if (r->entry[0])
			buf_printf(out, " entry=%s", r->entry);
		if (r->name[0])
			buf_printf(out, " name=%s", r->name);
		if (d != NULL && c->boot_once)
			buf_printf(out, " done %lld, next boot: local disk", (long long)d->at);
		buf_puts(out, "\n");
	}
	for (size_t i = 0; i < c->n_done; i++)
		if (clients_rule(c, c->done[i].mac) == NULL)
			buf_printf(out, "%s (no rule) done %lld%s\n", net_mac_str(c->done[i].mac, mac),
			    (long long)c->done[i].at, c->boot_once ? ", next boot: local disk" : "");
}
