/*
 * ISO reader unit tests on hand-made images: each builds exactly the
 * structure under test (including broken ones) with isobuild.h.
 */
#include "harness.h"
#include "isobuild.h"

#include <stdlib.h>
#include <sys/stat.h>

#include "iso/iso.h"

static struct iso_image *
open_ok(struct mkiso *m)
{
	char err[256];
	struct iso_image *img = mk_open(m, err, sizeof(err));

	if (img == NULL)
		test_fail(__FILE__, __LINE__, "open failed: %s", err);
	return img;
}

/* Open must fail with a message containing want. */
static void
open_fails(struct mkiso *m, const char *want, int line)
{
	char err[256];
	struct iso_image *img = mk_open(m, err, sizeof(err));

	if (img != NULL) {
		test_fail(__FILE__, line, "open succeeded, wanted \"%s\"", want);
		iso_close(img);
	} else if (strstr(err, want) == NULL || strstr(err, "test.iso") != err) {
		test_fail(__FILE__, line, "error \"%s\" lacks \"%s\"", err, want);
	}
}

static void
read_all(struct iso_image *img, uint32_t id, char *buf, size_t size, size_t *got)
{
	ssize_t n = iso_pread(img, id, buf, size, 0);

	*got = n < 0 ? 0 : (size_t)n;
}

TEST(iso_plain_names_lookup_ignores_case_and_version)
{
	struct mkiso m;
	struct mkdir root, sub;
	struct iso_image *img;
	struct iso_stat st;
	uint32_t id;
	char buf[64];
	size_t got;

	mk_init(&m, 40);
	mk_dir_begin(&root, &m, MK_ROOT, MK_ROOT, NULL, 0);
	mk_dir_add(&root, "HELLO.TXT;1", 11, 30, 5, 0, NULL, 0);
	mk_dir_add(&root, "README.;1", 9, 31, 3, 0, NULL, 0);
	mk_dir_add(&root, "SUB", 3, 21, MK_SECTOR, 2, NULL, 0);
	mk_dir_begin(&sub, &m, 21, MK_ROOT, NULL, 0);
	mk_dir_add(&sub, "DEEP.BIN;1", 10, 32, 0, 0, NULL, 0);
	memcpy(mk_sector(&m, 30), "hello", 5);
	memcpy(mk_sector(&m, 31), "abc", 3);
	img = open_ok(&m);
	if (img == NULL)
		goto out;
	CHECK_INT(iso_lookup(img, "/HELLO.TXT", 10, 0, &id), ISO_OK);
	CHECK_INT(iso_lookup(img, "hello.txt", 9, 0, &id), ISO_OK);
	iso_stat(img, id, &st);
	CHECK_STR(st.name, "HELLO.TXT");
	CHECK_INT(st.size, 5);
	CHECK_INT(st.mode, S_IFREG | 0444);
	read_all(img, id, buf, sizeof(buf), &got);
	CHECK_INT(got, 5);
	CHECK(memcmp(buf, "hello", 5) == 0);
	CHECK_INT(iso_lookup(img, "readme", 6, 0, &id), ISO_OK);
	CHECK_INT(iso_lookup(img, "//sub/./../SUB/deep.bin", 23, 0, &id), ISO_OK);
	iso_stat(img, id, &st);
	CHECK_INT(st.size, 0);
	CHECK_INT(iso_lookup(img, "/sub/missing", 12, 0, &id), ISO_ENOENT);
	CHECK_INT(iso_lookup(img, "/hello.txt/x", 12, 0, &id), ISO_ENOTDIR);
	CHECK_INT(iso_lookup(img, "/../..", 6, 0, &id), ISO_OK);
	CHECK_INT(id, ISO_ROOT_ID);
	CHECK_STR(iso_volume(img)->uuid, "2024-09-02-12-40-01-00");
	CHECK_STR(iso_volume(img)->volume_id, "TESTVOL");
	CHECK_INT(iso_volume(img)->names, 0);
	iso_close(img);
out:
	mk_free(&m);
}

TEST(iso_uuid_falls_back_to_creation_date)
{
	struct mkiso m;
	struct iso_image *img;

	mk_init(&m, 24);
	memset(mk_sector(&m, 16) + 830, '0', 16);
	img = open_ok(&m);
	if (img != NULL)
		CHECK_STR(iso_volume(img)->uuid, "2024-09-01-12-40-01-00");
	iso_close(img);
	mk_free(&m);
}

/* Rock Ridge: SP in the root, NM split over two entries, PX, TF, SL. */
static size_t
rr_root_su(unsigned char *su)
{
	static const unsigned char sp[] = { 0xbe, 0xef, 0 };

	return mk_susp(su, "SP", sp, sizeof(sp));
}

static size_t
rr_px(unsigned char *p, uint32_t mode)
{
	unsigned char d[32] = { 0 };

	mk_both32(d, mode);
	mk_both32(d + 8, 1);
	return mk_susp(p, "PX", d, sizeof(d));
}

TEST(iso_rock_ridge_names_modes_and_symlinks)
{
	struct mkiso m;
	struct mkdir root;
	unsigned char rootsu[16], su[255];
	struct iso_image *img;
	struct iso_stat st;
	uint32_t id;
	size_t n;

	mk_init(&m, 40);
	mk_dir_begin(&root, &m, MK_ROOT, MK_ROOT, rootsu, rr_root_su(rootsu));
	/* A file whose name comes in two NM pieces. */
	n = rr_px(su, S_IFREG | 0640);
	n += mk_susp(su + n, "NM", "\1long-name-", 11);
	n += mk_susp(su + n, "NM", "\0part2.txt", 10);
	mk_dir_add(&root, "LONG_NAM.TXT;1", 14, 30, 4, 0, su, n);
	/* A symlink to /long-name-part2.txt, components "/" + name. */
	n = rr_px(su, S_IFLNK | 0777);
	n += mk_susp(su + n, "NM", "\0abs", 4);
	n += mk_susp(su + n, "SL", "\0\x08\0\0\x13long-name-part2.txt", 24);
	mk_dir_add(&root, "ABS;1", 5, 0, 0, 0, su, n);
	/* ./abs, the "abs" component split by CONTINUE. */
	n = rr_px(su, S_IFLNK | 0777);
	n += mk_susp(su + n, "NM", "\0rel", 4);
	n += mk_susp(su + n, "SL", "\0\x02\0\x01\x02" "ab\0\x01s", 10);
	mk_dir_add(&root, "REL;1", 5, 0, 0, 0, su, n);
	/* loop1 -> loop2 -> loop1 */
	n = rr_px(su, S_IFLNK | 0777);
	n += mk_susp(su + n, "NM", "\0loop1", 6);
	n += mk_susp(su + n, "SL", "\0\0\5loop2", 8);
	mk_dir_add(&root, "LOOP1;1", 7, 0, 0, 0, su, n);
	n = rr_px(su, S_IFLNK | 0777);
	n += mk_susp(su + n, "NM", "\0loop2", 6);
	n += mk_susp(su + n, "SL", "\0\0\5loop1", 8);
	mk_dir_add(&root, "LOOP2;1", 7, 0, 0, 0, su, n);
	memcpy(mk_sector(&m, 30), "data", 4);

	img = open_ok(&m);
	if (img == NULL)
		goto out;
	CHECK_INT(iso_volume(img)->names, ISO_EXT_ROCKRIDGE);
	CHECK_INT(iso_lookup(img, "/long-name-part2.txt", 20, 0, &id), ISO_OK);
	iso_stat(img, id, &st);
	CHECK_INT(st.mode, S_IFREG | 0640);
	/* Rock Ridge names are exact. */
	CHECK_INT(iso_lookup(img, "/LONG-NAME-PART2.TXT", 20, 0, &id), ISO_ENOENT);
	CHECK_INT(iso_lookup(img, "/abs", 4, 0, &id), ISO_OK);
	iso_stat(img, id, &st);
	CHECK_INT(st.mode & S_IFMT, S_IFLNK);
	CHECK_STR(st.link, "/long-name-part2.txt");
	CHECK_INT(st.size, 20);
	CHECK_INT(iso_lookup(img, "/rel", 4, 0, &id), ISO_OK);
	iso_stat(img, id, &st);
	CHECK_STR(st.link, "./abs");
	/* Following two links lands on the file. */
	CHECK_INT(iso_lookup(img, "/rel", 4, ISO_FOLLOW, &id), ISO_OK);
	iso_stat(img, id, &st);
	CHECK_STR(st.name, "long-name-part2.txt");
	CHECK_INT(iso_lookup(img, "/loop1", 6, ISO_FOLLOW, &id), ISO_ELOOP);
	CHECK_INT(iso_lookup(img, "/loop1/x", 8, 0, &id), ISO_ELOOP);
	iso_close(img);
out:
	mk_free(&m);
}

TEST(iso_multi_extent_file_reads_as_one)
{
	struct mkiso m;
	struct mkdir root;
	struct iso_image *img;
	const struct iso_extent *ext;
	struct iso_stat st;
	uint32_t id;
	char buf[8];

	mk_init(&m, 40);
	mk_dir_begin(&root, &m, MK_ROOT, MK_ROOT, NULL, 0);
	mk_dir_add(&root, "BIG.BIN;1", 9, 30, MK_SECTOR, 0x80, NULL, 0);
	mk_dir_add(&root, "BIG.BIN;1", 9, 35, 10, 0, NULL, 0);
	memset(mk_sector(&m, 30), 'a', MK_SECTOR);
	memcpy(mk_sector(&m, 35), "0123456789", 10);
	img = open_ok(&m);
	if (img == NULL)
		goto out;
	CHECK_INT(iso_lookup(img, "big.bin", 7, 0, &id), ISO_OK);
	iso_stat(img, id, &st);
	CHECK_INT(st.size, MK_SECTOR + 10);
	CHECK_INT(iso_extents(img, id, &ext), 2);
	CHECK_INT(ext[1].offset, 35 * MK_SECTOR);
	/* A read across the extent boundary. */
	CHECK_INT(iso_pread(img, id, buf, 4, MK_SECTOR - 2), 4);
	CHECK(memcmp(buf, "aa01", 4) == 0);
	CHECK_INT(iso_pread(img, id, buf, 8, MK_SECTOR + 8), 2);
	CHECK_INT(iso_pread(img, id, buf, 8, MK_SECTOR + 10), 0);
	CHECK_INT(iso_node_count(img), 2);
	iso_close(img);
out:
	mk_free(&m);
}

TEST(iso_multi_extent_without_final_part_fails)
{
	struct mkiso m;
	struct mkdir root;

	mk_init(&m, 40);
	mk_dir_begin(&root, &m, MK_ROOT, MK_ROOT, NULL, 0);
	mk_dir_add(&root, "BIG.BIN;1", 9, 30, MK_SECTOR, 0x80, NULL, 0);
	mk_dir_add(&root, "OTHER;1", 7, 31, 1, 0, NULL, 0);
	open_fails(&m, "without its final part", __LINE__);
	mk_free(&m);
}

TEST(iso_joliet_names_are_utf8)
{
	struct mkiso m;
	struct mkdir jroot;
	unsigned char *svd;
	/* "é€😀.txt;1" in UTF-16BE, the emoji as a surrogate pair. */
	static const unsigned char jname[] = { 0x00, 0xe9, 0x20, 0xac, 0xd8, 0x3d, 0xde,
	    0x00, 0x00, '.', 0x00, 't', 0x00, 'x', 0x00, 't', 0x00, ';', 0x00, '1' };
	struct iso_image *img;
	uint32_t id;

	mk_init(&m, 40);
	/* SVD at 17 with Joliet escapes, terminator moved to 18. */
	memcpy(mk_sector(&m, 18), mk_sector(&m, 17), MK_SECTOR);
	svd = mk_sector(&m, 17);
	memcpy(svd, mk_sector(&m, 16), MK_SECTOR);
	svd[0] = 2;
	memcpy(svd + 88, "%/E", 3);
	mk_record(svd + 156, "\0", 1, 22, MK_SECTOR, 2, NULL, 0);
	mk_dir_begin(&jroot, &m, 22, 22, NULL, 0);
	mk_dir_add(&jroot, jname, sizeof(jname), 30, 1, 0, NULL, 0);
	img = open_ok(&m);
	if (img == NULL)
		goto out;
	CHECK_INT(iso_volume(img)->names, ISO_EXT_JOLIET);
	CHECK_INT(iso_lookup(img, "/\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80.txt", 14, 0, &id),
	    ISO_OK);
	iso_close(img);
out:
	mk_free(&m);
}

TEST(iso_rejects_ce_loop)
{
	struct mkiso m;
	struct mkdir root;
	unsigned char rootsu[16], su[64], ce[24];
	size_t n;

	mk_init(&m, 40);
	mk_dir_begin(&root, &m, MK_ROOT, MK_ROOT, rootsu, rr_root_su(rootsu));
	/* CE -> sector 30 offset 0 length 28, which holds the same CE. */
	mk_both32(ce, 30);
	mk_both32(ce + 8, 0);
	mk_both32(ce + 16, 28);
	n = mk_susp(su, "CE", ce, sizeof(ce));
	memcpy(mk_sector(&m, 30), su, n);
	mk_dir_add(&root, "A;1", 3, 31, 1, 0, su, n);
	open_fails(&m, "CE) chain longer than", __LINE__);
	mk_free(&m);
}

TEST(iso_rejects_ce_crossing_its_block)
{
	struct mkiso m;
	struct mkdir root;
	unsigned char rootsu[16], su[64], ce[24];

	mk_init(&m, 40);
	mk_dir_begin(&root, &m, MK_ROOT, MK_ROOT, rootsu, rr_root_su(rootsu));
	mk_both32(ce, 30);
	mk_both32(ce + 8, 2000);
	mk_both32(ce + 16, 100);
	mk_dir_add(&root, "A;1", 3, 31, 1, 0, su, mk_susp(su, "CE", ce, sizeof(ce)));
	open_fails(&m, "crosses its block", __LINE__);
	mk_free(&m);
}

TEST(iso_rejects_directory_cycle)
{
	struct mkiso m;
	struct mkdir root;

	mk_init(&m, 40);
	mk_dir_begin(&root, &m, MK_ROOT, MK_ROOT, NULL, 0);
	mk_dir_add(&root, "LOOP", 4, MK_ROOT, MK_SECTOR, 2, NULL, 0);
	open_fails(&m, "directory cycle", __LINE__);
	mk_free(&m);
}

TEST(iso_rejects_record_overrunning_sector)
{
	struct mkiso m;
	struct mkdir root;
	char name[16];
	size_t last = 0;

	mk_init(&m, 40);
	mk_dir_begin(&root, &m, MK_ROOT, MK_ROOT, NULL, 0);
	/* Fill the sector, then make the last record claim 250 bytes. */
	for (int i = 0; root.pos < MK_SECTOR - 80; i++) {
		snprintf(name, sizeof(name), "F%04d;1", i);
		last = root.pos;
		mk_dir_add(&root, name, strlen(name), 30, 1, 0, NULL, 0);
	}
	mk_sector(&m, MK_ROOT)[last] = 250;
	open_fails(&m, "overruns its sector", __LINE__);
	mk_free(&m);
}

TEST(iso_rejects_extent_past_end)
{
	struct mkiso m;
	struct mkdir root;

	mk_init(&m, 40);
	mk_dir_begin(&root, &m, MK_ROOT, MK_ROOT, NULL, 0);
	mk_dir_add(&root, "A;1", 3, 39, MK_SECTOR + 1, 0, NULL, 0);
	open_fails(&m, "past the end of the image", __LINE__);
	mk_free(&m);
}

TEST(iso_rejects_disagreeing_both_endian_fields)
{
	struct mkiso m;
	struct mkdir root;

	mk_init(&m, 40);
	mk_dir_begin(&root, &m, MK_ROOT, MK_ROOT, NULL, 0);
	mk_dir_add(&root, "A;1", 3, 30, 1, 0, NULL, 0);
	mk_sector(&m, MK_ROOT)[root.pos - 40 + 14] ^= 1; /* BE size of "A;1" */
	open_fails(&m, "copies disagree", __LINE__);
	mk_free(&m);
}

TEST(iso_rejects_names_with_slash_or_dots)
{
	struct mkiso m;
	struct mkdir root;
	unsigned char rootsu[16], su[64];
	size_t n;

	mk_init(&m, 40);
	mk_dir_begin(&root, &m, MK_ROOT, MK_ROOT, rootsu, rr_root_su(rootsu));
	n = mk_susp(su, "NM", "\0../etc", 7);
	mk_dir_add(&root, "A;1", 3, 30, 1, 0, su, n);
	open_fails(&m, "invalid name", __LINE__);
	mk_free(&m);

	mk_init(&m, 40);
	mk_dir_begin(&root, &m, MK_ROOT, MK_ROOT, rootsu, rr_root_su(rootsu));
	n = mk_susp(su, "NM", "\0..", 3);
	mk_dir_add(&root, "A;1", 3, 30, 1, 0, su, n);
	open_fails(&m, "invalid name", __LINE__);
	mk_free(&m);
}

TEST(iso_rejects_truncated_and_foreign_images)
{
	struct mkiso m;

	mk_init(&m, 40);
	m.size = 17 * MK_SECTOR - 1;
	open_fails(&m, "past the end of the image", __LINE__);
	m.size = 40 * MK_SECTOR;
	memset(mk_sector(&m, 17), 0, MK_SECTOR);
	open_fails(&m, "not an ISO image", __LINE__);
	memset(mk_sector(&m, 16), 0, MK_SECTOR);
	open_fails(&m, "sector 16", __LINE__);
	mk_free(&m);
}

TEST(iso_rejects_too_deep_nesting)
{
	struct mkiso m;
	struct mkdir d;
	uint32_t n = 300;

	/* Each directory i at sector 20+i holds directory i+1. */
	mk_init(&m, 20 + n + 2);
	for (uint32_t i = 0; i <= n; i++) {
		mk_dir_begin(&d, &m, 20 + i, i ? 19 + i : 20, NULL, 0);
		if (i < n)
			mk_dir_add(&d, "D", 1, 21 + i, MK_SECTOR, 2, NULL, 0);
	}
	open_fails(&m, "deeper than", __LINE__);
	mk_free(&m);
}

TEST(iso_path_and_children)
{
	struct mkiso m;
	struct mkdir root, sub;
	struct iso_image *img;
	char path[64];
	uint32_t id, first, n;

	mk_init(&m, 40);
	mk_dir_begin(&root, &m, MK_ROOT, MK_ROOT, NULL, 0);
	mk_dir_add(&root, "A;1", 3, 30, 1, 0, NULL, 0);
	mk_dir_add(&root, "SUB", 3, 21, MK_SECTOR, 2, NULL, 0);
	mk_dir_begin(&sub, &m, 21, MK_ROOT, NULL, 0);
	mk_dir_add(&sub, "B;1", 3, 30, 1, 0, NULL, 0);
	img = open_ok(&m);
	if (img == NULL)
		goto out;
	n = iso_children(img, ISO_ROOT_ID, &first);
	CHECK_INT(n, 2);
	CHECK_INT(iso_lookup(img, "/sub/b", 6, 0, &id), ISO_OK);
	CHECK_INT(iso_path(img, id, path, sizeof(path)), 6);
	CHECK_STR(path, "/SUB/B");
	CHECK_INT(iso_path(img, id, path, 4), 6); /* too small: length only */
	CHECK_INT(iso_path(img, ISO_ROOT_ID, path, sizeof(path)), 1);
	CHECK_STR(path, "/");
	CHECK_INT(iso_parent(img, id), first + 1);
	CHECK_INT(iso_children(img, id, &first), 0);
	iso_close(img);
out:
	mk_free(&m);
}

TEST(iso_large_directory_lookups)
{
	struct mkiso m;
	struct mkdir root;
	struct iso_image *img;
	enum { N = 2000, PER_SECTOR = 40 };
	uint32_t nsec = (N + PER_SECTOR - 1) / PER_SECTOR + 1, id;
	char name[16];
	int missing = 0;

	mk_init(&m, 30 + nsec + 2);
	mk_dir_begin(&root, &m, MK_ROOT, MK_ROOT, NULL, 0);
	/* Root spans sectors 20..: the PVD and "." give its real size. */
	mk_both32(mk_sector(&m, 16) + 156 + 10, nsec * MK_SECTOR);
	mk_both32(mk_sector(&m, MK_ROOT) + 10, nsec * MK_SECTOR);
	for (int i = 0; i < N; i++) {
		if (i % PER_SECTOR == 0 && i > 0) {
			root.sector++;
			root.pos = 0;
		}
		snprintf(name, sizeof(name), "F%05d;1", i);
		mk_dir_add(&root, name, strlen(name), 0, 0, 0, NULL, 0);
	}
	img = open_ok(&m);
	if (img == NULL)
		goto out;
	CHECK_INT(iso_node_count(img), N + 1);
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "/f%05d", i);
		if (iso_lookup(img, name, strlen(name), 0, &id) != ISO_OK)
			missing++;
	}
	CHECK_INT(missing, 0);
	iso_close(img);
out:
	mk_free(&m);
}
