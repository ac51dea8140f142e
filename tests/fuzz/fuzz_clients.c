/*
 * Fuzz target: the clients file (clients_parse_file, and through it
 * client_rule_parse) and the boot-once record reader (clients_parse_done),
 * on arbitrary bytes.
 *
 * Beyond "no crash", it checks: every message names the file and a line
 * ("clients:N: "); a rule taken has a MAC no other rule has, a printable
 * entry and name that fit; the decision for every ruled MAC is its rule's
 * action; the listing of what was taken always fits and ends in a newline;
 * boot-once records are unique and never dated before 1970.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "clients/clients.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
note(void *ctx, const char *msg)
{
	(void)ctx;
	if (strncmp(msg, "clients:", 8) != 0 || msg[8] < '1' || msg[8] > '9')
		__builtin_trap();
}

static void
printable(const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	if (n == size)
		__builtin_trap();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct clients c;
	struct client_decision d;
	struct buf b;

	if (size > CLIENTS_MAX_FILE)
		return 0;
	clients_init(&c);
	clients_parse_file(&c, (const char *)data, size, "clients", note, NULL);
	for (size_t i = 0; i < c.n_rules; i++) {
		const struct client_rule *r = &c.rules[i];

		if (clients_rule(&c, r->mac) != r || r->action > CLIENT_IGNORE)
			__builtin_trap();
		if (r->entry[0])
			printable(r->entry, sizeof(r->entry));
		if (r->name[0])
			printable(r->name, sizeof(r->name));
		clients_decide(&c, r->mac, (int)(i & 1), &d);
		if (d.action != r->action || !d.known)
			__builtin_trap();
	}
	clients_parse_done(&c, (const char *)data, size);
	for (size_t i = 0; i < c.n_done; i++)
		if (clients_done(&c, c.done[i].mac) != &c.done[i] || c.done[i].at < 0)
			__builtin_trap();
	c.boot_once = 1;
	buf_init(&b);
	clients_list(&c, 1, &b);
	if (buf_failed(&b) || b.len == 0 || b.data[b.len - 1] != '\n')
		__builtin_trap();
	buf_free(&b);
	clients_free(&c);
	return 0;
}
