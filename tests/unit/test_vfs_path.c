/*
 * The traversal boundary: every encoded and double-encoded variant.
 */
#include "harness.h"

#include <stdlib.h>

#include "vfs/vfs.h"

/* Clean raw (copied into an exactly-sized buffer) and compare. */
static void
expect(const char *raw, int decode, const char *want, int line)
{
	size_t n = strlen(raw);
	char *exact = malloc(n ? n : 1), out[VFS_MAX_PATH];
	const char *reason = NULL;
	int rc;

	memcpy(exact, raw, n);
	rc = vfs_path_clean(exact, n, decode, out, sizeof(out), &reason);
	if (want == NULL && rc == 0)
		test_fail(__FILE__, line, "\"%s\" accepted as \"%s\"", raw, out);
	else if (want != NULL && rc != 0)
		test_fail(__FILE__, line, "\"%s\" refused: %s", raw, reason);
	else if (want != NULL && strcmp(out, want) != 0)
		test_fail(__FILE__, line, "\"%s\" -> \"%s\", want \"%s\"", raw, out, want);
	free(exact);
}

#define OK(raw, dec, want) expect(raw, dec, want, __LINE__)
#define NO(raw, dec) expect(raw, dec, NULL, __LINE__)

TEST(vfs_path_clean_normalises)
{
	OK("/", 1, "/");
	OK("", 1, "/");
	OK("/boot.ipxe", 1, "/boot.ipxe");
	OK("boot.ipxe", 0, "/boot.ipxe");          /* TFTP clients omit the slash */
	OK("//iso///x//", 1, "/iso/x/");
	OK("/./a/./b/.", 1, "/a/b/");
	OK("/a/b?x=../..", 1, "/a/b");             /* the query is not the path */
	OK("/a%20b", 1, "/a b");
	OK("/a%2fb", 1, "/a/b");                   /* decoded once, then split */
	OK("/%252e%252e/x", 1, "/%2e%2e/x");        /* double-encoded stays literal */
	OK("/a%20b", 0, "/a%20b");                  /* TFTP: no decoding */
	OK("/...", 1, "/...");
	OK("/..a/b..", 1, "/..a/b..");
}

TEST(vfs_path_clean_refuses_traversal)
{
	NO("/..", 1);
	NO("/../etc/passwd", 1);
	NO("/a/../../etc", 1);
	NO("/a/..", 1);
	NO("..", 0);
	NO("/%2e%2e/etc/passwd", 1);
	NO("/%2E%2e/etc", 1);
	NO("/.%2e/etc", 1);
	NO("/a/%2e%2e", 1);
	NO("/a%5c..%5cetc", 1);                    /* backslash */
	NO("/a\\b", 0);
	NO("/a%00b", 1);
	NO("/a%0ab", 1);
	NO("/a%", 1);
	NO("/a%2", 1);
	NO("/a%zz", 1);
	NO("/a\x01", 0);
}

TEST(vfs_path_clean_bounds_output)
{
	char big[VFS_MAX_PATH + 10], out[16];
	const char *reason;

	memset(big, 'a', sizeof(big));
	CHECK_INT(vfs_path_clean(big, sizeof(big), 1, out, sizeof(out), &reason), -1);
	CHECK_STR(reason, "path too long");
	CHECK_INT(vfs_path_clean("/abcdefghijklmn", 15, 1, out, sizeof(out), &reason), 0);
	CHECK_STR(out, "/abcdefghijklmn");
	CHECK_INT(vfs_path_clean("/abcdefghijklmno", 16, 1, out, sizeof(out), &reason), -1);
}
