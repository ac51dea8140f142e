/*
 * Command line habits: --key=value split, "--" ending the options, and
 * the closest option named for a misspelling.
 */
#include "harness.h"

#include "common/args.h"

TEST(args_normalize_splits_equals_before_double_dash)
{
	char *in[] = { "serve", "--http-port=8080", "--config", "a=b.conf", "--dns=",
		"-x=y", "--", "--iso=x.iso", "-R", "plain", NULL };
	int argc = 10;
	char **out = args_normalize(&argc, in);

	CHECK(out != NULL);
	CHECK_INT(argc, 11);
	CHECK_STR(out[0], "serve");
	CHECK_STR(out[1], "--http-port");
	CHECK_STR(out[2], "8080");
	CHECK_STR(out[3], "--config");
	CHECK_STR(out[4], "a=b.conf"); /* a value, not an option: kept whole */
	CHECK_STR(out[5], "--dns");
	CHECK_STR(out[6], "");
	CHECK_STR(out[7], "-x=y"); /* short options take no =value */
	CHECK_STR(out[8], "./--iso=x.iso"); /* after --: file names */
	CHECK_STR(out[9], "./-R");
	CHECK_STR(out[10], "plain");
	CHECK(out[11] == NULL);
	args_free(out);
}

TEST(args_normalize_keeps_first_word_and_lone_equals)
{
	char *in[] = { "--=x", "--=", "--", "--", NULL };
	int argc = 4;
	char **out = args_normalize(&argc, in);

	CHECK(out != NULL);
	CHECK_INT(argc, 3);
	CHECK_STR(out[0], "--=x"); /* argv[0] is the command's name */
	CHECK_STR(out[1], "--="); /* no key: not split */
	CHECK_STR(out[2], "./--"); /* a second -- is a file name */
	args_free(out);
}

TEST(args_closest)
{
	static const char *const names[] = { "http-port", "https-port", "tftp-port", "dns",
		"menu-timeout" };

	CHECK_INT((int)args_distance("kitten", "sitting"), 3);
	CHECK_INT((int)args_distance("", "abc"), 3);
	CHECK_INT((int)args_distance("same", "same"), 0);
	CHECK_STR(args_closest("htpp-port", names, 5), "http-port");
	CHECK_STR(args_closest("menu-timout", names, 5), "menu-timeout");
	CHECK_STR(args_closest("dsn", names, 5), "dns");
	CHECK(args_closest("verbose", names, 5) == NULL);
	CHECK(args_closest("", names, 0) == NULL);
}
