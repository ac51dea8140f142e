#include "common/targz.h"
#include "common/util.h"

#include <stdio.h>
#include <string.h>

#define TAR_BLOCK 512

/* A stored deflate block of t->block[0..fill); last marks the final one. */
static void
flush_block(struct targz *t, int last)
{
	unsigned char h[5];
	size_t n = t->fill;

	h[0] = last ? 1 : 0; /* BFINAL, BTYPE 00; the rest of the byte is padding */
	h[1] = (unsigned char)(n & 0xff);
	h[2] = (unsigned char)(n >> 8);
	h[3] = (unsigned char)(~n & 0xff);
	h[4] = (unsigned char)((~n >> 8) & 0xff);
	buf_append(t->out, h, sizeof(h));
	buf_append(t->out, t->block, n);
	t->fill = 0;
}

/* Tar bytes into the gzip stream. */
static void
put(struct targz *t, const void *p, size_t n)
{
	const unsigned char *b = p;

	t->crc = crc32_ieee(t->crc, p, n);
	t->size += n;
	while (n > 0) {
		size_t room = sizeof(t->block) - t->fill, k = n < room ? n : room;

		memcpy(t->block + t->fill, b, k);
		t->fill += k;
		b += k;
		n -= k;
		if (t->fill == sizeof(t->block))
			flush_block(t, 0);
	}
}

void
targz_begin(struct targz *t, struct buf *out)
{
	/* ID1 ID2, deflate, no flags, mtime 0 (reproducible), XFL 0, OS unix. */
	static const unsigned char gz[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };

	t->out = out;
	t->crc = 0;
	t->size = 0;
	t->fill = 0;
	t->failed = 0;
	buf_append(out, gz, sizeof(gz));
}

/* An octal field of width w (w-1 digits and a NUL), as ustar wants. */
static void
octal(char *field, size_t w, uint64_t v)
{
	snprintf(field, w, "%0*llo", (int)w - 1, (unsigned long long)v);
}

int
targz_add(struct targz *t, const char *name, const void *data, size_t len, int64_t mtime)
{
	char h[TAR_BLOCK];
	static const char zeros[TAR_BLOCK];
	size_t nlen = strlen(name);
	unsigned sum = 0;

	if (nlen == 0 || nlen > TARGZ_NAME_MAX || len > 077777777777ull) {
		t->failed = 1;
		return -1;
	}
	memset(h, 0, sizeof(h));
	memcpy(h, name, nlen);
	octal(h + 100, 8, 0644);
	octal(h + 108, 8, 0);
	octal(h + 116, 8, 0);
	octal(h + 124, 12, len);
	octal(h + 136, 12, mtime > 0 ? (uint64_t)mtime : 0);
	memset(h + 148, ' ', 8); /* the checksum counts itself as spaces */
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	for (size_t i = 0; i < sizeof(h); i++)
		sum += (unsigned char)h[i];
	snprintf(h + 148, 8, "%06o", sum);
	put(t, h, sizeof(h));
	put(t, data, len);
	if (len % TAR_BLOCK != 0)
		put(t, zeros, TAR_BLOCK - len % TAR_BLOCK);
	return buf_failed(t->out) ? -1 : 0;
}

int
targz_end(struct targz *t)
{
	static const char zeros[2 * TAR_BLOCK];
	unsigned char tr[8];

	put(t, zeros, sizeof(zeros));
	flush_block(t, 1);
	for (int i = 0; i < 4; i++) {
		tr[i] = (unsigned char)(t->crc >> (8 * i));
		tr[4 + i] = (unsigned char)(t->size >> (8 * i));
	}
	buf_append(t->out, tr, sizeof(tr));
	return t->failed || buf_failed(t->out) ? -1 : 0;
}
