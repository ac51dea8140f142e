/*
 * Generated documents outlive the cache that made them: an open file
 * holds its document, so a reader that is slow (or TLS reading a record
 * at a time) never reads memory the tree reused for another variant.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>

#include "vfs/vfs.h"

static struct vfs *
empty_tree(void)
{
	struct vfs_spec spec = { NULL, 0, "", "", "", 10, "", ARCHISO_VERIFY_CHECKSUM, "", "", NULL,
	    0, NULL, 0, 0, NULL, 0 };
	char err[256];

	return vfs_build(&spec, NULL, NULL, err, sizeof(err));
}

TEST(vfs_generated_document_outlives_its_cache_slot)
{
	struct vfs *v = empty_tree();
	struct vfs_file f[VFS_MENU_CACHE + 2];
	char url[VFS_MENU_CACHE + 2][64], first[4096], again[4096];
	ssize_t n0, n1;

	CHECK(v != NULL);
	if (v == NULL)
		return;
	for (size_t i = 0; i < VFS_MENU_CACHE + 2; i++) {
		struct vfs_request rq = { url[i], "memsize=2048", 12 };

		snprintf(url[i], sizeof(url[i]), "http://10.0.0.%zu", i + 1);
		CHECK_INT(vfs_open(v, "/boot.ipxe", &rq, &f[i]), VFS_OK);
		if (i == 0) {
			n0 = vfs_pread(&f[0], first, sizeof(first) - 1, 0);
			CHECK(n0 > 0);
		}
	}
	/* More variants than the cache holds were made since: the first
	 * file still reads what it read when it was opened. */
	n1 = vfs_pread(&f[0], again, sizeof(again) - 1, 0);
	CHECK_INT(n1, n0);
	if (n0 > 0 && n1 == n0) {
		first[n0] = again[n1] = '\0';
		CHECK(memcmp(first, again, (size_t)n0) == 0);
		CHECK(strncmp(again, "#!ipxe\n", 7) == 0);
	}
	for (size_t i = 0; i < VFS_MENU_CACHE + 2; i++)
		vfs_close(&f[i]);
	vfs_unref(v);
}
