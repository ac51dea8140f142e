/*
 * The airootfs integrity check: stream BASEDIR/x86_64/airootfs.sfs (or
 * .erofs) out of the ISO through BearSSL's SHA-512 (and SHA-256 where a
 * .sha256 exists) and compare with the checksum files the ISO ships.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <bearssl_hash.h>

#include "archiso/archiso.h"

#define VERIFY_CHUNK (1u << 20)

struct expected {
	int present;
	size_t hexlen;          /* 128 for SHA-512, 64 for SHA-256 */
	char hex[129];
};

static int
lookup(const struct archiso *a, const char *suffix, uint32_t *id)
{
	char path[128];

	snprintf(path, sizeof(path), "/%s/x86_64/airootfs.%s", a->basedir, suffix);
	return iso_lookup(a->img, path, strlen(path), ISO_FOLLOW, id);
}

/* "<hex>  airootfs.sfs": the first word must be hexlen hex digits. */
static int
read_expected(const struct archiso *a, const char *file, struct expected *x,
    char *err, size_t errlen)
{
	char text[ARCHISO_MAX_CHECKSUM_FILE];
	struct iso_stat st;
	uint32_t id;
	ssize_t n;
	size_t i;

	x->present = 0;
	if (lookup(a, file, &id) != ISO_OK)
		return 0;
	iso_stat(a->img, id, &st);
	if (!S_ISREG(st.mode) || st.size >= sizeof(text) ||
	    (n = iso_pread(a->img, id, text, (size_t)st.size, 0)) < 0 ||
	    (uint64_t)n != st.size) {
		snprintf(err, errlen, "%s/x86_64/airootfs.%s is unreadable or too large",
		    a->basedir, file);
		return -1;
	}
	for (i = 0; i < (size_t)n && i < x->hexlen; i++) {
		char c = text[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			break;
		x->hex[i] = (char)(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
	}
	if (i != x->hexlen || ((size_t)n > i && text[i] != ' ' && text[i] != '\n' &&
	    text[i] != '\t')) {
		snprintf(err, errlen, "%s/x86_64/airootfs.%s does not start with a %zu-digit "
		    "hex checksum", a->basedir, file, x->hexlen);
		return -1;
	}
	x->hex[i] = '\0';
	x->present = 1;
	return 0;
}

static void
to_hex(const unsigned char *d, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Hash the image file id; both contexts are fed when wanted, progress
 * told after every chunk. */
static int
hash_file(const struct archiso *a, uint32_t id, br_sha512_context *s512,
    br_sha256_context *s256, int want256, archiso_progress_fn *progress, void *ctx)
{
	struct iso_stat st;
	unsigned char *chunk = malloc(VERIFY_CHUNK);
	uint64_t off = 0;

	if (chunk == NULL)
		return -1;
	iso_stat(a->img, id, &st);
	while (off < st.size) {
		ssize_t n = iso_pread(a->img, id, chunk, VERIFY_CHUNK, off);

		if (n <= 0) {
			free(chunk);
			return -1;
		}
		br_sha512_update(s512, chunk, (size_t)n);
		if (want256)
			br_sha256_update(s256, chunk, (size_t)n);
		off += (uint64_t)n;
		if (progress != NULL)
			progress(ctx, off, st.size);
	}
	free(chunk);
	return 0;
}

int
archiso_verify(const struct archiso *a, char *err, size_t errlen)
{
	return archiso_verify_progress(a, NULL, NULL, err, errlen);
}

int
archiso_verify_progress(const struct archiso *a, archiso_progress_fn *progress, void *ctx,
    char *err, size_t errlen)
{
	struct expected x512 = { 0, 128, "" }, x256 = { 0, 64, "" };
	unsigned char digest[64];
	char got[129];
	const char *image = "sfs";
	br_sha512_context s512;
	br_sha256_context s256;
	uint32_t id;

	if (lookup(a, "sfs", &id) != ISO_OK) {
		image = "erofs";
		if (lookup(a, "erofs", &id) != ISO_OK) {
			snprintf(err, errlen, "no %s/x86_64/airootfs.sfs (or .erofs) in the ISO",
			    a->basedir);
			return -1;
		}
	}
	if (read_expected(a, "sha512", &x512, err, errlen) != 0 ||
	    read_expected(a, "sha256", &x256, err, errlen) != 0)
		return -1;
	if (!x512.present && !x256.present) {
		snprintf(err, errlen, "no %s/x86_64/airootfs.sha512 in the ISO: its "
		    "airootfs cannot be verified", a->basedir);
		return -1;
	}
	br_sha512_init(&s512);
	br_sha256_init(&s256);
	if (hash_file(a, id, &s512, &s256, x256.present, progress, ctx) != 0) {
		snprintf(err, errlen, "%s/x86_64/airootfs.%s: read error", a->basedir, image);
		return -1;
	}
	if (x512.present) {
		br_sha512_out(&s512, digest);
		to_hex(digest, 64, got);
		if (strcmp(got, x512.hex) != 0) {
			snprintf(err, errlen, "%s/x86_64/airootfs.%s does not match "
			    "airootfs.sha512 (corrupt ISO): sha512 is %.16s..., expected "
			    "%.16s...", a->basedir, image, got, x512.hex);
			return -1;
		}
	}
	if (x256.present) {
		br_sha256_out(&s256, digest);
		to_hex(digest, 32, got);
		if (strcmp(got, x256.hex) != 0) {
			snprintf(err, errlen, "%s/x86_64/airootfs.%s does not match "
			    "airootfs.sha256 (corrupt ISO)", a->basedir, image);
			return -1;
		}
	}
	return 0;
}
