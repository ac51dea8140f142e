/*
 * The config file format and the settings table.
 */
#include "harness.h"

#include <arpa/inet.h>

#include "common/config.h"
#include "serve/settings.h"

static int
set(void *ctx, const char *key, const char *value, char *err, size_t errlen)
{
	return settings_set(ctx, key, value, err, errlen);
}

static int
load(struct settings *s, const char *text, char *err, size_t errlen)
{
	settings_defaults(s);
	return config_parse(text, strlen(text), "test.conf", set, s, err, errlen);
}

TEST(config_reads_keys_and_comments)
{
	struct settings s;
	char err[256] = "";
	static const char text[] =
	    "# pxestick.conf\n"
	    "\n"
	    "   # indented comment\n"
	    "http-port = 8080\r\n"
	    "iso=/isos\n"
	    "iso = /more/arch #1.iso\n"
	    "dhcp = proxy\n"
	    "address = 192.168.5.1/16\n"
	    "pool = 192.168.5.10-192.168.5.20\n"
	    "reserve = 52:54:00:12:34:56 192.168.5.9 archlinux:1\n"
	    "router = 192.168.5.254\n";

	CHECK_INT(load(&s, text, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK_INT(s.http_port, 8080);
	CHECK_INT(s.n_iso, 2);
	CHECK_STR(s.iso[1], "/more/arch #1.iso");
	CHECK_INT(s.dhcp, DHCP_MODE_PROXY);
	CHECK_INT(s.prefix, 16);
	CHECK_INT(s.n_reserve, 1);
	CHECK_INT(s.reserve[0].mac[5], 0x56);
	CHECK_STR(s.reserve[0].entry, "archlinux:1");
	CHECK(s.router.s_addr == inet_addr("192.168.5.254"));
	CHECK_INT(s.tftp_port, 69); /* untouched default */
}

static void
expect_error(const char *text, const char *want, int line)
{
	struct settings s;
	char err[256] = "";

	if (load(&s, text, err, sizeof(err)) == 0)
		test_fail(__FILE__, line, "\"%s\" accepted", text);
	else if (strcmp(err, want) != 0)
		test_fail(__FILE__, line, "error \"%s\", want \"%s\"", err, want);
}

TEST(config_errors_name_file_and_line)
{
	expect_error("http-port = 80\nhttp-prot = 80\n",
	    "test.conf:2: unknown key \"http-prot\" (did you mean http-port?)", __LINE__);
	expect_error("verbosity = 3\n",
	    "test.conf:1: unknown key \"verbosity\" (see `pxestick serve --help`)", __LINE__);
	expect_error("\n\nhttp-port = 70000\n",
	    "test.conf:3: http-port: \"70000\" is not a number from 0 to 65535", __LINE__);
	expect_error("dhcp = maybe\n",
	    "test.conf:1: dhcp: \"maybe\" is not one of auto, authoritative, proxy, off", __LINE__);
	expect_error("just words\n", "test.conf:1: expected '=' after \"just\"", __LINE__);
	expect_error("= value\n", "test.conf:1: expected \"key = value\", found \"= value\"",
	    __LINE__);
	expect_error("pool = 10.0.0.9-10.0.0.1\n",
	    "test.conf:1: pool: \"10.0.0.9-10.0.0.1\" is not a range like 10.99.0.100-10.99.0.250",
	    __LINE__);
	expect_error("address = 10.0.0.1/33\n", "test.conf:1: address: \"10.0.0.1/33\" is not "
	    "an IPv4 address with a prefix length, like 10.99.0.1/24", __LINE__);
	expect_error("keys = a\x01z\n", "test.conf:1: keys: value contains a control character",
	    __LINE__);
	expect_error("reserve = 52:54:00:12:34 10.0.0.1\n", "test.conf:1: reserve: "
	    "\"52:54:00:12:34 10.0.0.1\" is not \"MAC ADDRESS [ENTRY]\", like "
	    "52:54:00:12:34:56 10.99.0.50", __LINE__);
}

TEST(config_nul_byte_is_an_error)
{
	struct settings s;
	char err[256];
	static const char text[] = "http-port = 80\nfiles = /a\0b\n";

	settings_defaults(&s);
	CHECK_INT(config_parse(text, sizeof(text) - 1, "t.conf", set, &s, err, sizeof(err)), -1);
	CHECK_STR(err, "t.conf:2: NUL byte in the file");
}

TEST(settings_flags_win_and_replace_lists)
{
	struct settings s;
	char err[256];
	char *argv[] = { "--iso", "/x.iso", "--http-port", "81", "--check-config" };

	CHECK_INT(settings_load(&s, NULL, 5, argv, err, sizeof(err)), 0);
	CHECK_INT(s.http_port, 81);
	CHECK_INT(s.n_iso, 1);
	{
		char *bad[] = { "--loudness", "1" };
		char *near[] = { "--tftp-prot", "69" };
		char *missing[] = { "--http-port" };

		CHECK_INT(settings_load(&s, NULL, 2, bad, err, sizeof(err)), -1);
		CHECK_STR(err, "--loudness: unknown option (see --help)");
		CHECK_INT(settings_load(&s, NULL, 2, near, err, sizeof(err)), -1);
		CHECK_STR(err, "--tftp-prot: unknown option (did you mean --tftp-port?)");
		CHECK_INT(settings_load(&s, NULL, 1, missing, err, sizeof(err)), -1);
		CHECK_STR(err, "--http-port: needs a value");
	}
}
