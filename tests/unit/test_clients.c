/*
 * Client rules, the decision for each kind of machine in each DHCP mode,
 * the clients file's bad lines, and the boot-once records on disk.
 */
#include "harness.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clients/clients.h"

static const uint8_t mac_a[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x0a };
static const uint8_t mac_b[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x0b };
static const uint8_t mac_c[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x0c };
static const uint8_t mac_x[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x99 };

static int
parse(const char *s, struct client_rule *r, char *err)
{
	return client_rule_parse(s, strlen(s), r, err, 160);
}

TEST(clients_rule_parse_forms)
{
	struct client_rule r;
	char err[160];

	CHECK_INT(parse("52:54:00:00:00:0a entry=archlinux-2024.01.01-x86_64.iso:2 name=lab-3", &r,
	    err), 0);
	CHECK(memcmp(r.mac, mac_a, 6) == 0);
	CHECK_INT(r.action, CLIENT_BOOT);
	CHECK_STR(r.entry, "archlinux-2024.01.01-x86_64.iso:2");
	CHECK_STR(r.name, "lab-3");
	CHECK_INT(parse("52-54-00-00-00-0B local   # the printer room", &r, err), 0);
	CHECK(memcmp(r.mac, mac_b, 6) == 0);
	CHECK_INT(r.action, CLIENT_LOCAL);
	CHECK_STR(r.name, "");
	CHECK_INT(parse("\t52:54:00:00:00:0c ignore name=boss", &r, err), 0);
	CHECK_INT(r.action, CLIENT_IGNORE);
	CHECK_INT(parse("52:54:00:00:00:0c menu", &r, err), 0);
	CHECK_INT(r.action, CLIENT_MENU);
	CHECK_INT(parse("52:54:00:00:00:0c", &r, err), 0);
	CHECK_INT(r.action, CLIENT_BOOT); /* a bare MAC: it boots (its menu's default) */
	CHECK_STR(r.entry, "");
	/* blank lines and comments */
	CHECK_INT(parse("", &r, err), 1);
	CHECK_INT(parse("   # 52:54:00:00:00:0a ignore", &r, err), 1);
}

TEST(clients_rule_parse_refuses)
{
	static const struct {
		const char *line, *why;
	} bad[] = {
		{ "52:54:00:00:00 local", "not a MAC" },
		{ "52:54:00:00:00:0g local", "not a MAC" },
		{ "52:54:00:00:00:0a:0b local", "not a MAC" },
		{ "52:54:00:00:00:0a reboot", "is not entry=" },
		{ "52:54:00:00:00:0a local ignore", "two actions" },
		{ "52:54:00:00:00:0a entry=x.iso local", "two actions" },
		{ "52:54:00:00:00:0a entry=", "is not entry=" },
		{ "52:54:00:00:00:0a name=", "is not entry=" },
		{ "52:54:00:00:00:0a name=\x01x", "odd characters" },
		{ "52:54:00:00:00:0a entry=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  "at most 48 characters" },
		{ "52:54:00:00:00:0a entry=arch/../x.iso", "an entry is ISONAME or ISONAME:N" },
		{ "52:54:00:00:00:0a entry=a&default=local", "an entry is ISONAME" },
		{ "local 52:54:00:00:00:0a", "not a MAC" },
	};
	struct client_rule r;
	char err[160];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CHECK_INT(parse(bad[i].line, &r, err), -1);
		if (strstr(err, bad[i].why) == NULL)
			test_fail(__FILE__, __LINE__, "\"%s\": \"%s\" lacks \"%s\"", bad[i].line, err,
			    bad[i].why);
	}
}

static void
add(struct clients *c, const char *line)
{
	struct client_rule r;
	char err[160];

	CHECK_INT(parse(line, &r, err), 0);
	CHECK_INT(clients_add(c, &r, "test", err, sizeof(err)), 0);
}

/* The table of docs/FLASHING.md: mode x rule -> what the machine gets. */
TEST(clients_decide_table)
{
	static const struct {
		const uint8_t *mac;
		enum client_action unknown;
		int proxy;
		enum client_action want;
		const char *entry;
	} rows[] = {
		/* unknown machines: auto is boot alone, local beside another server */
		{ mac_x, CLIENT_AUTO, 0, CLIENT_BOOT, NULL },
		{ mac_x, CLIENT_AUTO, 1, CLIENT_LOCAL, NULL },
		{ mac_x, CLIENT_BOOT, 1, CLIENT_BOOT, NULL },
		{ mac_x, CLIENT_MENU, 0, CLIENT_MENU, NULL },
		{ mac_x, CLIENT_LOCAL, 0, CLIENT_LOCAL, NULL },
		{ mac_x, CLIENT_IGNORE, 0, CLIENT_IGNORE, NULL },
		{ mac_x, CLIENT_IGNORE, 1, CLIENT_IGNORE, NULL },
		/* a rule wins over unknown-clients, in both modes */
		{ mac_a, CLIENT_IGNORE, 1, CLIENT_BOOT, "arch.iso:2" },
		{ mac_a, CLIENT_AUTO, 0, CLIENT_BOOT, "arch.iso:2" },
		{ mac_b, CLIENT_BOOT, 0, CLIENT_LOCAL, NULL },
		{ mac_c, CLIENT_AUTO, 1, CLIENT_IGNORE, NULL },
	};
	struct clients c;
	struct client_decision d;

	clients_init(&c);
	add(&c, "52:54:00:00:00:0a entry=arch.iso:2 name=lab");
	add(&c, "52:54:00:00:00:0b local");
	add(&c, "52:54:00:00:00:0c ignore");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		c.unknown = rows[i].unknown;
		clients_decide(&c, rows[i].mac, rows[i].proxy, &d);
		if (d.action != rows[i].want)
			test_fail(__FILE__, __LINE__, "row %zu: %s, want %s", i,
			    client_action_name(d.action), client_action_name(rows[i].want));
		if ((d.entry == NULL) != (rows[i].entry == NULL) ||
		    (d.entry != NULL && strcmp(d.entry, rows[i].entry) != 0))
			test_fail(__FILE__, __LINE__, "row %zu: entry %s", i, d.entry ? d.entry : "-");
		CHECK_INT(d.known, rows[i].mac != mac_x);
		CHECK(d.why != NULL);
	}
	clients_decide(&c, mac_a, 0, &d);
	CHECK_STR(d.name, "lab");
	clients_free(&c);
}

TEST(clients_duplicate_keeps_first)
{
	struct clients c;
	struct client_rule r;
	char err[160];

	clients_init(&c);
	add(&c, "52:54:00:00:00:0a local");
	CHECK_INT(parse("52:54:00:00:00:0A ignore", &r, err), 0);
	CHECK_INT(clients_add(&c, &r, "f:9", err, sizeof(err)), -1);
	CHECK(strstr(err, "f:9: 52:54:00:00:00:0a has a rule already") != NULL);
	CHECK_INT(c.n_rules, 1);
	CHECK_INT(clients_rule(&c, mac_a)->action, CLIENT_LOCAL);
	clients_free(&c);
}

struct notes {
	char text[2048];
	int n;
};

static void
note(void *ctx, const char *msg)
{
	struct notes *n = ctx;
	size_t len = strlen(n->text);

	snprintf(n->text + len, sizeof(n->text) - len, "%s\n", msg);
	n->n++;
}

TEST(clients_file_bad_lines_named)
{
	static const char text[] =
	    "# lab machines\r\n"
	    "52:54:00:00:00:0a entry=arch.iso name=one\r\n"
	    "\n"
	    "52:54:00:00:00:zz local\n"                     /* 4: malformed MAC */
	    "52:54:00:00:00:0b local\n"
	    "52:54:00:00:00:0a ignore\n"                    /* 6: duplicate */
	    "52:54:00:00:00:0c reboot\n"                    /* 7: unknown word */
	    "52:54:00:00:00:0c ignore";                     /* 8: no newline at the end */
	struct clients c;
	struct notes n = { "", 0 };

	clients_init(&c);
	CHECK_INT(clients_parse_file(&c, text, sizeof(text) - 1, "clients", note, &n), 3);
	CHECK_INT(n.n, 3);
	CHECK(strstr(n.text, "clients:4: \"52:54:00:00:00:zz\" is not a MAC") != NULL);
	CHECK(strstr(n.text, "clients:6: 52:54:00:00:00:0a has a rule already") != NULL);
	CHECK(strstr(n.text, "clients:7: \"reboot\"") != NULL);
	CHECK_STR(clients_rule(&c, mac_a)->where, "clients:2");
	CHECK_INT(clients_rule(&c, mac_a)->action, CLIENT_BOOT);
	CHECK_INT(clients_rule(&c, mac_c)->action, CLIENT_IGNORE);
	clients_free(&c);
}

TEST(clients_file_long_line_and_nul)
{
	char text[CLIENTS_MAX_LINE + 64];
	struct clients c;
	struct notes n = { "", 0 };

	memset(text, ' ', sizeof(text));
	memcpy(text, "52:54:00:00:00:0a", 17);
	text[CLIENTS_MAX_LINE + 10] = '\n';
	memcpy(text + CLIENTS_MAX_LINE + 11, "52:54:00:00:00:0b\0local\n", 24);
	clients_init(&c);
	CHECK_INT(clients_parse_file(&c, text, CLIENTS_MAX_LINE + 11 + 24, "f", note, &n), 0);
	CHECK_INT(n.n, 2);
	CHECK(strstr(n.text, "f:1: line too long") != NULL);
	CHECK(strstr(n.text, "f:2: line too long or has a NUL") != NULL);
	clients_free(&c);
}

/* Boot once: a machine that reached the live system boots its disk next
 * time, whatever its rule says -- ignore aside (it gets no answer at all). */
TEST(clients_boot_once_decides_local)
{
	struct clients c;
	struct client_decision d;

	clients_init(&c);
	add(&c, "52:54:00:00:00:0a entry=arch.iso");
	add(&c, "52:54:00:00:00:0c ignore");
	CHECK_INT(clients_mark_done(&c, mac_a, 100), 0); /* boot-once off: nothing */
	c.boot_once = 1;
	CHECK_INT(clients_mark_done(&c, mac_a, 100), 1);
	CHECK_INT(clients_mark_done(&c, mac_a, 200), 0); /* once */
	CHECK_INT(clients_mark_done(&c, mac_c, 100), 1);
	CHECK_INT(clients_mark_done(&c, mac_x, 100), 1);
	clients_decide(&c, mac_a, 0, &d);
	CHECK_INT(d.action, CLIENT_LOCAL);
	CHECK(d.entry == NULL && d.done && d.known);
	clients_decide(&c, mac_c, 0, &d);
	CHECK_INT(d.action, CLIENT_IGNORE);
	clients_decide(&c, mac_x, 0, &d);
	CHECK_INT(d.action, CLIENT_LOCAL);
	CHECK(d.done && !d.known);
	CHECK_INT(clients_reset(&c, mac_a), 1);
	CHECK_INT(clients_reset(&c, mac_a), 0);
	clients_decide(&c, mac_a, 0, &d);
	CHECK_INT(d.action, CLIENT_BOOT);
	c.boot_once = 0; /* switched off: records are kept but do not apply */
	clients_decide(&c, mac_x, 0, &d);
	CHECK_INT(d.action, CLIENT_BOOT);
	clients_free(&c);
}

static int
tmpdir(char *path, size_t size)
{
	snprintf(path, size, "/tmp/pxestick-clients-XXXXXX");
	return mkdtemp(path) != NULL ? 0 : -1;
}

static void
rm_dir(const char *path)
{
	char f[256];

	snprintf(f, sizeof(f), "%s/boot-once", path);
	unlink(f);
	snprintf(f, sizeof(f), "%s/boot-once.tmp", path);
	unlink(f);
	rmdir(path);
}

TEST(clients_boot_once_records_persist)
{
	char dir[64], f[128], err[160];
	struct clients c, d;
	FILE *fp;

	CHECK_INT(tmpdir(dir, sizeof(dir)), 0);
	clients_init(&c);
	c.boot_once = 1;
	CHECK_INT(clients_load_done(&c, open(dir, O_RDONLY | O_DIRECTORY), err, sizeof(err)), 0);
	CHECK_INT(clients_mark_done(&c, mac_a, 1767225600), 1);
	CHECK_INT(clients_mark_done(&c, mac_b, 1767225601), 1);
	CHECK_INT(clients_reset(&c, mac_a), 1);
	CHECK_INT(clients_mark_done(&c, mac_c, 1767225602), 1);
	clients_free(&c);
	/* another start reads them back; a torn or foreign line is skipped */
	snprintf(f, sizeof(f), "%s/boot-once", dir);
	fp = fopen(f, "a");
	CHECK(fp != NULL);
	if (fp != NULL) {
		fputs("D 52:54:00:00:00:0x 5\nD 52:54:00:00:00:0a -4\ngarbage\nD 52:54:00:00:00:0b 9\nD 52:54", fp);
		fclose(fp);
	}
	clients_init(&d);
	d.boot_once = 1;
	CHECK_INT(clients_load_done(&d, open(dir, O_RDONLY | O_DIRECTORY), err, sizeof(err)), 0);
	CHECK_INT(d.n_done, 2);
	CHECK(clients_done(&d, mac_a) == NULL);
	CHECK(clients_done(&d, mac_b) != NULL && clients_done(&d, mac_b)->at == 1767225601);
	CHECK(clients_done(&d, mac_c) != NULL && clients_done(&d, mac_c)->at == 1767225602);
	/* the next write leaves a clean file */
	CHECK_INT(clients_reset(&d, mac_b), 1);
	clients_free(&d);
	clients_init(&d);
	CHECK_INT(clients_load_done(&d, open(dir, O_RDONLY | O_DIRECTORY), err, sizeof(err)), 0);
	CHECK_INT(d.n_done, 1);
	clients_free(&d);
	rm_dir(dir);
}

TEST(clients_boot_once_write_failure_keeps_memory)
{
	char dir[64], err[160];
	struct clients c;

	CHECK_INT(tmpdir(dir, sizeof(dir)), 0);
	clients_init(&c);
	c.boot_once = 1;
	CHECK_INT(clients_load_done(&c, open(dir, O_RDONLY | O_DIRECTORY), err, sizeof(err)), 0);
	/* a directory where the temporary file goes: writing fails */
	{
		char t[128];

		snprintf(t, sizeof(t), "%s/boot-once.tmp", dir);
		CHECK_INT(mkdir(t, 0700), 0);
		CHECK_INT(clients_mark_done(&c, mac_a, 5), -1);
		CHECK(clients_done(&c, mac_a) != NULL);
		rmdir(t);
	}
	clients_free(&c);
	rm_dir(dir);
}

TEST(clients_list_text)
{
	struct clients c;
	struct buf b;

	clients_init(&c);
	c.boot_once = 1;
	add(&c, "52:54:00:00:00:0a entry=arch.iso:1 name=lab");
	add(&c, "52:54:00:00:00:0b local");
	CHECK_INT(clients_mark_done(&c, mac_a, 77), 1);
	CHECK_INT(clients_mark_done(&c, mac_x, 78), 1);
	buf_init(&b);
	clients_list(&c, 1, &b);
	buf_append(&b, "", 1);
	CHECK(strstr(b.data, "unknown-clients = auto (now: local); boot-once = yes\n") != NULL);
	CHECK(strstr(b.data, "52:54:00:00:00:0a boot entry=arch.iso:1 name=lab done 77, next boot: "
	    "local disk\n") != NULL);
	CHECK(strstr(b.data, "52:54:00:00:00:0b local\n") != NULL);
	CHECK(strstr(b.data, "52:54:00:00:00:99 (no rule) done 78, next boot: local disk\n") != NULL);
	buf_free(&b);
	clients_free(&c);
}
