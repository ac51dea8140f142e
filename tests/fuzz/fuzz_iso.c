/*
 * Fuzz target: the ISO reader on arbitrary images.
 *
 * The input is the image from sector 16 on (the system area in front is
 * all zeros and need not be fuzzed); the image reads as zeros past the
 * input up to VIRTUAL_SIZE, so seeds can drop their trailing padding.  After a
 * successful open every node is stat'ed, given its path, looked up again
 * by that path (with and without following symlinks) and read.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "iso/iso.h"

#define SYSTEM_AREA (16u * 2048u)
#define VIRTUAL_SIZE (1024u * 1024u)

struct input {
	const uint8_t *data;
	size_t size;
};

static uint64_t
image_size(const struct input *in)
{
	return SYSTEM_AREA + (in->size > VIRTUAL_SIZE ? in->size : VIRTUAL_SIZE);
}

static int
fuzz_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	const struct input *in = ctx;
	uint8_t *out = buf;

	if (off + len < off || off + len > image_size(in))
		return -1;
	for (size_t i = 0; i < len; i++) {
		uint64_t o = off + i;

		out[i] = o < SYSTEM_AREA || o - SYSTEM_AREA >= in->size ? 0 :
		    in->data[o - SYSTEM_AREA];
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct iso_source src = { fuzz_read, &in, image_size(&in) };
	char err[256], path[8192], buf[4096];
	struct iso_image *img = iso_open_source(&src, "fuzz.iso", err, sizeof(err));
	uint32_t n;

	if (img == NULL) {
		/* Every failure must explain itself. */
		if (strncmp(err, "fuzz.iso: ", 10) != 0)
			__builtin_trap();
		return 0;
	}
	n = iso_node_count(img);
	for (uint32_t id = 0; id < n && id < 5000; id++) {
		struct iso_stat st;
		uint32_t found, first;
		size_t plen = iso_path(img, id, path, sizeof(path));

		iso_stat(img, id, &st);
		(void)iso_children(img, id, &first);
		if (plen < sizeof(path)) {
			if (iso_lookup(img, path, plen, 0, &found) != ISO_OK)
				__builtin_trap(); /* every indexed path must resolve */
			(void)iso_lookup(img, path, plen, ISO_FOLLOW, &found);
		}
		if (S_ISREG(st.mode))
			(void)iso_pread(img, id, buf, sizeof(buf), st.size > 10 ? st.size - 10 : 0);
	}
	iso_close(img);
	return 0;
}
