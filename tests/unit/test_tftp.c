/*
 * TFTP: packet parsing and building, option negotiation, netascii, and
 * the transfer state machine driven with a file in memory and a fake
 * network (every packet it sends is captured; ACKs are fed by hand).
 */
#include "harness.h"

#include <errno.h>
#include <stdlib.h>

#include "common/util.h"
#include "tftp/tftp_internal.h"

/* A packet of exactly n bytes on the heap, so ASan sees over-reads. */
static uint8_t *
exact(const void *p, size_t n)
{
	uint8_t *b = malloc(n ? n : 1);

	memcpy(b, p, n);
	return b;
}

static int
parse(const void *p, size_t n, struct tftp_request *rq, unsigned *code, const char **why)
{
	uint8_t *b = exact(p, n);
	int rc = tftp_parse_request(b, n, rq, code, why);

	/* rq points into b: callers only look at lengths and copies. */
	free(b);
	return rc;
}

#define PKT(s) (s), sizeof(s) - 1

TEST(tftp_parse_plain_rrq)
{
	static const char p[] = "\0\1pxelinux.0\0octet\0";
	uint8_t *b = exact(p, sizeof(p) - 1);
	struct tftp_request rq;
	const char *why;
	unsigned code;

	CHECK_INT(tftp_parse_request(b, sizeof(p) - 1, &rq, &code, &why), 0);
	CHECK_INT(rq.opcode, TFTP_RRQ);
	CHECK_INT(rq.file_len, 10);
	CHECK(memcmp(rq.file, "pxelinux.0", 10) == 0);
	CHECK_INT(rq.mode, TFTP_MODE_OCTET);
	CHECK_INT(rq.opt.have, 0);
	CHECK_INT(rq.n_options, 0);
	CHECK_INT(rq.tail_garbage, 0);
	free(b);
}

TEST(tftp_parse_modes)
{
	struct tftp_request rq;
	const char *why;
	unsigned code;

	CHECK_INT(parse(PKT("\0\1f\0NetASCII\0"), &rq, &code, &why), 0);
	CHECK_INT(rq.mode, TFTP_MODE_NETASCII);
	CHECK_INT(parse(PKT("\0\1f\0OCTET\0"), &rq, &code, &why), 0);
	CHECK_INT(rq.mode, TFTP_MODE_OCTET);
	CHECK_INT(parse(PKT("\0\2f\0mail\0"), &rq, &code, &why), 0);
	CHECK_INT(rq.opcode, TFTP_WRQ);
	CHECK_INT(rq.mode, TFTP_MODE_MAIL);
	CHECK_INT(parse(PKT("\0\1f\0binary\0"), &rq, &code, &why), 0);
	CHECK_INT(rq.mode, TFTP_MODE_UNKNOWN);
	/* A mode running to the end of the packet, without its NUL. */
	CHECK_INT(parse(PKT("\0\1f\0octet"), &rq, &code, &why), 0);
	CHECK_INT(rq.mode, TFTP_MODE_OCTET);
	CHECK_INT(rq.mode_len, 5);
}

TEST(tftp_parse_refuses_malformed)
{
	struct tftp_request rq;
	const char *why;
	unsigned code;

	CHECK_INT(parse(PKT(""), &rq, &code, &why), -1);
	CHECK_INT(parse(PKT("\0"), &rq, &code, &why), -1);
	CHECK_INT(parse(PKT("\0\1"), &rq, &code, &why), -1);
	CHECK_INT(code, TFTP_EBADOP);
	CHECK_INT(parse(PKT("\0\1file"), &rq, &code, &why), -1);
	CHECK_STR(why, "file name without its terminating NUL");
	CHECK_INT(parse(PKT("\0\1\0octet\0"), &rq, &code, &why), -1);
	CHECK_STR(why, "empty file name");
	CHECK_INT(parse(PKT("\0\1\xff\xff\0octet\0"), &rq, &code, &why), -1);
	CHECK_INT(parse(PKT("\0\1f\0"), &rq, &code, &why), -1);
	CHECK_STR(why, "no transfer mode");
	CHECK_INT(parse(PKT("\0\1f\0\0"), &rq, &code, &why), -1);
	CHECK_INT(parse(PKT("\0\3f\0octet\0"), &rq, &code, &why), -1);
	CHECK_INT(parse(PKT("\0\4\0\1"), &rq, &code, &why), -1);
}

/* netboot.xyz#1198: "netboot.xyz.efi\xff\0" from a Lenovo T460. */
TEST(tftp_parse_tolerates_firmware_garbage)
{
	struct tftp_request rq;
	const char *why;
	unsigned code;
	static const char lenovo[] = "\0\1netboot.xyz.efi\xff\0octet\0";
	static const char undi[] = "\0\1undionly.kpxe\xff\xff\xff\xff\xff\0octet\0tsize\0000\0\xff\xff";
	static const char ctl[] = "\0\1/ipxe.efi\x01\x02\0octet\0blksize\0001468\0blk";

	CHECK_INT(parse(PKT(lenovo), &rq, &code, &why), 0);
	CHECK_INT(rq.file_len, 15);
	CHECK_INT(rq.file_garbage, 1);
	CHECK_INT(parse(PKT(undi), &rq, &code, &why), 0);
	CHECK_INT(rq.file_len, 13);
	CHECK_INT(rq.file_garbage, 5);
	CHECK_INT(rq.opt.have, TFTP_OPT_TSIZE);
	CHECK_INT(rq.tail_garbage, 2);
	CHECK_INT(parse(PKT(ctl), &rq, &code, &why), 0);
	CHECK_INT(rq.file_len, 9);
	CHECK_INT(rq.opt.have, TFTP_OPT_BLKSIZE);
	CHECK_INT(rq.opt.blksize, 1468);
	CHECK_INT(rq.tail_garbage, 3);
}

TEST(tftp_parse_options_table)
{
	static const struct {
		const char *pkt;
		size_t len;
		unsigned have, ignored;
		uint64_t blksize, tsize, timeout, windowsize;
	} cases[] = {
		{ PKT("\0\1f\0octet\0blksize\0001468\0tsize\0000\0"), TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE, 0,
		  1468, 0, 0, 0 },
		{ PKT("\0\1f\0octet\0BLKSIZE\08\0WindowSize\00064\0timeout\0003\0"),
		  TFTP_OPT_BLKSIZE | TFTP_OPT_WINDOWSIZE | TFTP_OPT_TIMEOUT, 0, 8, 0, 3, 64 },
		/* Unknown names, bad values and repeats are ignored. */
		{ PKT("\0\1f\0octet\0multicast\0\0blksize\0-1\0blksize\0x\0rollover\0001\0"), 0, 4,
		  0, 0, 0, 0 },
		{ PKT("\0\1f\0octet\0blksize\0001024\0blksize\0008192\0"), TFTP_OPT_BLKSIZE, 1, 1024,
		  0, 0, 0 },
		{ PKT("\0\1f\0octet\0tsize\00018446744073709551615\0"), TFTP_OPT_TSIZE, 0, 0,
		  UINT64_MAX, 0, 0 },
		{ PKT("\0\1f\0octet\0tsize\00018446744073709551616\0"), 0, 1, 0, 0, 0, 0 },
		{ PKT("\0\1f\0octet\0blksize\0\0"), 0, 1, 0, 0, 0, 0 },
		{ PKT("\0\1f\0octet\0blksize\0 512\0"), 0, 1, 0, 0, 0, 0 },
		/* A name without a value is garbage, not an option. */
		{ PKT("\0\1f\0octet\0blksize\0"), 0, 0, 0, 0, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tftp_request rq;
		const char *why;
		unsigned code;

		if (parse(cases[i].pkt, cases[i].len, &rq, &code, &why) != 0) {
			test_fail(__FILE__, __LINE__, "case %zu: refused: %s", i, why);
			continue;
		}
		if (rq.opt.have != cases[i].have || rq.n_ignored != cases[i].ignored ||
		    rq.opt.blksize != cases[i].blksize || rq.opt.tsize != cases[i].tsize ||
		    rq.opt.timeout != cases[i].timeout || rq.opt.windowsize != cases[i].windowsize)
			test_fail(__FILE__, __LINE__, "case %zu: have %x ignored %u blksize %llu", i,
			    rq.opt.have, rq.n_ignored, (unsigned long long)rq.opt.blksize);
	}
}

TEST(tftp_options_cap)
{
	uint8_t pkt[1024];
	size_t o = 2;
	struct tftp_request rq;
	const char *why;
	unsigned code;

	pkt[0] = 0;
	pkt[1] = 1;
	memcpy(pkt + o, "f\0octet\0", 8);
	o += 8;
	for (int i = 0; i < TFTP_MAX_OPTIONS; i++) {
		memcpy(pkt + o, "x\0001\0", 4);
		o += 4;
	}
	memcpy(pkt + o, "blksize\0001024\0", 13);
	o += 13;
	CHECK_INT(parse(pkt, o, &rq, &code, &why), 0);
	CHECK_INT(rq.n_options, TFTP_MAX_OPTIONS + 1);
	CHECK_INT(rq.opt.have, 0); /* over the cap: ignored */
}

TEST(tftp_negotiate_clamps)
{
	struct tftp_limits lim = { 1468, TFTP_MAX_WINDOWSIZE, TFTP_MAX_WINDOW_BYTES };
	struct tftp_options asked, got;
	uint64_t blk, win;

	memset(&asked, 0, sizeof(asked));
	tftp_negotiate(&asked, &lim, TFTP_MODE_OCTET, 100, &got, &blk, &win);
	CHECK_INT(got.have, 0);
	CHECK_INT(blk, 512);
	CHECK_INT(win, 1);

	asked.have = TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE | TFTP_OPT_WINDOWSIZE | TFTP_OPT_TIMEOUT;
	asked.blksize = 65464;
	asked.windowsize = 1000;
	asked.timeout = 5;
	tftp_negotiate(&asked, &lim, TFTP_MODE_OCTET, 12345, &got, &blk, &win);
	CHECK_INT(got.have, asked.have);
	CHECK_INT(got.blksize, 1468);     /* the MTU */
	CHECK_INT(got.tsize, 12345);
	CHECK_INT(got.windowsize, TFTP_MAX_WINDOWSIZE);
	CHECK_INT(got.timeout, 5);
	CHECK_INT(blk, 1468);
	CHECK_INT(win, TFTP_MAX_WINDOWSIZE);

	/* Loopback: the RFC's maximum, and the window's bytes cap. */
	lim.max_blksize = 65504;
	asked.blksize = 100000;
	tftp_negotiate(&asked, &lim, TFTP_MODE_OCTET, 1, &got, &blk, &win);
	CHECK_INT(blk, TFTP_MAX_BLKSIZE);
	CHECK_INT(win, TFTP_MAX_WINDOW_BYTES / TFTP_MAX_BLKSIZE);

	/* Out of range: ignored; tsize not in netascii. */
	asked.blksize = 7;
	asked.windowsize = 0;
	asked.timeout = 256;
	tftp_negotiate(&asked, &lim, TFTP_MODE_NETASCII, 1, &got, &blk, &win);
	CHECK_INT(got.have, 0);
	CHECK_INT(blk, 512);
	CHECK_INT(win, 1);
	asked.timeout = 0;
	tftp_negotiate(&asked, &lim, TFTP_MODE_NETASCII, 1, &got, &blk, &win);
	CHECK_INT(got.have & TFTP_OPT_TIMEOUT, 0);

	/* A route smaller than the minimum block still gets a valid one. */
	lim.max_blksize = 4;
	asked.have = TFTP_OPT_BLKSIZE;
	asked.blksize = 1024;
	tftp_negotiate(&asked, &lim, TFTP_MODE_OCTET, 1, &got, &blk, &win);
	CHECK_INT(blk, TFTP_MIN_BLKSIZE);
}

TEST(tftp_oack_round_trip)
{
	struct tftp_options o = { TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE | TFTP_OPT_WINDOWSIZE |
	    TFTP_OPT_TIMEOUT, 1468, 67108864, 7, 16 }, back;
	uint8_t buf[128];
	size_t n = tftp_build_oack(buf, sizeof(buf), &o);
	unsigned pairs, ignored;

	CHECK(n > 2);
	CHECK_INT(tftp_opcode(buf, n), TFTP_OACK);
	CHECK(memcmp(buf + 2, "blksize\0001468\0tsize\00067108864\0", 28) == 0);
	memset(&back, 0, sizeof(back));
	CHECK_INT(tftp_parse_options(buf + 2, n - 2, &back, &pairs, &ignored), n - 2);
	CHECK_INT(pairs, 4);
	CHECK_INT(ignored, 0);
	CHECK(memcmp(&back, &o, sizeof(o)) == 0);
	/* Too small a buffer: 0, never a partial packet. */
	CHECK_INT(tftp_build_oack(buf, 20, &o), 0);
	CHECK_INT(tftp_build_oack(buf, 1, &o), 0);
}

TEST(tftp_error_and_ack_packets)
{
	uint8_t buf[64];
	uint16_t code, block;
	const char *msg;
	size_t len, n;

	n = tftp_build_error(buf, sizeof(buf), TFTP_ENOTFOUND, "file not found");
	CHECK_INT(n, 4 + 15);
	CHECK_INT(tftp_parse_error(buf, n, &code, &msg, &len), 0);
	CHECK_INT(code, 1);
	CHECK_INT(len, 14);
	CHECK_INT(tftp_build_error(buf, 10, 1, "file not found"), 0);
	/* An error without its NUL: the message runs to the end. */
	CHECK_INT(tftp_parse_error((const uint8_t *)"\0\5\0\10abc", 7, &code, &msg, &len), 0);
	CHECK_INT(code, 8);
	CHECK_INT(len, 3);
	CHECK_INT(tftp_parse_error((const uint8_t *)"\0\5\0", 3, &code, &msg, &len), -1);
	n = tftp_build_ack(buf, sizeof(buf), 65535);
	CHECK_INT(tftp_parse_ack(buf, n, &block), 0);
	CHECK_INT(block, 65535);
	CHECK_INT(tftp_parse_ack(buf, 3, &block), -1);
	CHECK_INT(tftp_parse_ack((const uint8_t *)"\0\4\0\1pad", 7, &block), 0);
	CHECK_INT(block, 1);
	CHECK_STR(tftp_error_name(8), "option negotiation refused");
	CHECK_STR(tftp_error_name(99), "unknown error code");
	CHECK_STR(tftp_opcode_name(6), "OACK");
	CHECK_STR(tftp_opcode_name(0), "?");
}

TEST(tftp_build_request_round_trip)
{
	struct tftp_options o = { TFTP_OPT_WINDOWSIZE, 0, 0, 0, 8 };
	uint8_t buf[64];
	struct tftp_request rq;
	const char *why;
	unsigned code;
	size_t n = tftp_build_request(buf, sizeof(buf), TFTP_RRQ, "a/b", "octet", &o);

	CHECK_INT(parse(buf, n, &rq, &code, &why), 0);
	CHECK_INT(rq.opt.have, TFTP_OPT_WINDOWSIZE);
	CHECK_INT(rq.opt.windowsize, 8);
	CHECK_INT(tftp_build_request(buf, 8, TFTP_RRQ, "a/b", "octet", NULL), 0);
}

TEST(tftp_netascii_pairs_split_across_blocks)
{
	const uint8_t src[] = "a\nb\rc";
	uint8_t out[16];
	size_t used, n, o = 0, i = 0;
	int pending = -1;

	/* Two bytes at a time: every pair is cut once. */
	while (o < sizeof(out)) {
		n = tftp_netascii_encode(&pending, src + i, 5 - i, &used, out + o,
		    sizeof(out) - o < 2 ? sizeof(out) - o : 2);
		i += used;
		o += n;
		if (n == 0)
			break;
	}
	CHECK_INT(o, 7);
	CHECK(memcmp(out, "a\r\nb\r\0c", 7) == 0);
	CHECK_INT(pending, -1);
}

/* ---- the transfer state machine ---- */

#define MAX_SENT 70000

struct fake {
	const uint8_t *file;
	size_t size;
	int read_fails;
	size_t accept;              /* packets the network takes before EAGAIN */
	int send_errno;             /* non-zero: every send fails with it */
	size_t n;                   /* packets captured */
	uint16_t op[MAX_SENT], block[MAX_SENT];
	uint32_t len[MAX_SENT];
	uint8_t last[70000];        /* the last packet */
	size_t last_len;
	uint8_t *got;               /* DATA payloads, concatenated by block */
	size_t got_len;
};

static ssize_t
fake_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct fake *f = ctx;

	if (f->read_fails)
		return -1;
	if (off >= f->size)
		return 0;
	if (len > f->size - off)
		len = (size_t)(f->size - off);
	memcpy(buf, f->file + off, len);
	return (ssize_t)len;
}

static int
fake_send(void *ctx, const struct iovec *pkt, size_t n)
{
	struct fake *f = ctx;
	size_t i;

	if (f->send_errno) {
		errno = f->send_errno;
		return -1;
	}
	for (i = 0; i < n && f->accept > 0; i++, f->accept--) {
		const uint8_t *p = pkt[i].iov_base;

		if (f->n < MAX_SENT) {
			f->op[f->n] = load_be16(p);
			f->block[f->n] = load_be16(p + 2);
			f->len[f->n] = (uint32_t)pkt[i].iov_len;
			f->n++;
		}
		memcpy(f->last, p, pkt[i].iov_len);
		f->last_len = pkt[i].iov_len;
	}
	if (i == 0) {
		errno = EAGAIN;
		return -1;
	}
	return (int)i;
}

struct rig {
	struct fake f;
	struct tftp_xfer x;
	void *mem;
	uint64_t now;
};

static struct rig *
rig_new(const void *file, size_t size, uint64_t blksize, uint64_t window, int netascii,
    const struct tftp_options *granted)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct tftp_options none;
	struct tftp_io io = { fake_read, fake_send, &r->f };

	memset(&none, 0, sizeof(none));
	r->f.file = file;
	r->f.size = size;
	r->f.accept = (size_t)-1;
	r->mem = malloc(tftp_xfer_mem_size(blksize, window));
	r->now = 1000;
	tftp_xfer_init(&r->x, &io, r->mem, blksize, window, netascii, granted ? granted : &none);
	tftp_xfer_pump(&r->x, r->now);
	return r;
}

static void
rig_free(struct rig *r)
{
	free(r->mem);
	free(r);
}

static void
ack(struct rig *r, uint16_t block)
{
	uint8_t p[4];

	tftp_build_ack(p, sizeof(p), block);
	tftp_xfer_input(&r->x, p, 4, r->now);
	tftp_xfer_pump(&r->x, r->now);
}

TEST(tftp_xfer_lockstep_and_no_sorcerers_apprentice)
{
	static uint8_t file[1300];
	struct rig *r;

	for (size_t i = 0; i < sizeof(file); i++)
		file[i] = (uint8_t)i;
	r = rig_new(file, sizeof(file), 512, 1, 0, NULL);
	CHECK_INT(r->x.state, TFTP_XFER_DATA);
	CHECK_INT(r->f.n, 1);
	CHECK_INT(r->f.op[0], TFTP_DATA);
	CHECK_INT(r->f.block[0], 1);
	CHECK_INT(r->f.len[0], 516);
	CHECK(r->x.deadline == r->now + TFTP_RTO_INITIAL_MS);
	ack(r, 1);
	CHECK_INT(r->f.n, 2);
	CHECK_INT(r->f.block[1], 2);
	/* Duplicates of ACK 1, late ACK 0, an ACK of a block not sent: no sends. */
	ack(r, 1);
	ack(r, 1);
	ack(r, 0);
	ack(r, 3);
	CHECK_INT(r->f.n, 2);
	CHECK_INT(r->x.dup_acks, 2);
	ack(r, 2);
	CHECK_INT(r->f.n, 3);
	CHECK_INT(r->f.len[2], 4 + 1300 - 1024);
	CHECK(memcmp(r->f.last + 4, file + 1024, 276) == 0);
	ack(r, 3);
	CHECK_INT(r->x.state, TFTP_XFER_DONE);
	CHECK_INT(r->x.bytes_acked, 1300);
	CHECK_INT(r->x.retransmits, 0);
	CHECK_INT(r->x.deadline, 0);
	rig_free(r);
}

TEST(tftp_xfer_exact_multiple_ends_with_empty_block)
{
	static uint8_t file[1024];
	struct rig *r = rig_new(file, sizeof(file), 512, 1, 0, NULL);

	ack(r, 1);
	ack(r, 2);
	CHECK_INT(r->f.n, 3);
	CHECK_INT(r->f.len[2], 4);
	ack(r, 3);
	CHECK_INT(r->x.state, TFTP_XFER_DONE);
	rig_free(r);

	r = rig_new(file, 0, 512, 4, 0, NULL);
	CHECK_INT(r->f.n, 1);
	CHECK_INT(r->f.len[0], 4);
	ack(r, 1);
	CHECK_INT(r->x.state, TFTP_XFER_DONE);
	rig_free(r);
}

TEST(tftp_xfer_window_restarts_after_last_acked_block)
{
	static uint8_t file[100 * 8 + 3];
	struct rig *r = rig_new(file, sizeof(file), 8, 4, 0, NULL);

	CHECK_INT(r->f.n, 4);
	CHECK_INT(r->f.block[3], 4);
	/* The client got 1 and 2, lost 3: it ACKs 2, we go on from 3. */
	ack(r, 2);
	CHECK_INT(r->f.n, 8);
	CHECK_INT(r->f.block[4], 3);
	CHECK_INT(r->f.block[7], 6);
	CHECK_INT(r->x.restarts, 1);
	CHECK_INT(r->x.retransmits, 2); /* 3 and 4 went out twice */
	/* Its duplicate ACK 2 (one per out-of-order block) changes nothing. */
	ack(r, 2);
	ack(r, 2);
	CHECK_INT(r->f.n, 8);
	/* A full window. */
	ack(r, 6);
	CHECK_INT(r->f.n, 12);
	CHECK_INT(r->f.block[8], 7);
	CHECK_INT(r->x.restarts, 1);
	rig_free(r);
}

TEST(tftp_xfer_block_numbers_roll_over_to_zero)
{
	/* 65537 full blocks of 8 bytes and a short one: blocks 1..65538. */
	size_t size = 65537 * 8 + 5;
	uint8_t *file = calloc(1, size);
	struct rig *r;
	uint64_t b = 0;
	size_t i;

	for (i = 0; i < size; i++)
		file[i] = (uint8_t)(i * 7 + i / 8);
	r = rig_new(file, size, 8, 64, 0, NULL);
	while (r->x.state == TFTP_XFER_DATA && b < 70000) {
		b = r->x.next - 1;
		ack(r, (uint16_t)b);
	}
	CHECK_INT(r->x.state, TFTP_XFER_DONE);
	CHECK_INT(r->x.bytes_acked, size);
	CHECK_INT(r->f.n, 65538);
	CHECK_INT(r->f.block[65534], 65535);
	CHECK_INT(r->f.block[65535], 0);     /* block 65536 */
	CHECK_INT(r->f.block[65536], 1);     /* block 65537 */
	CHECK_INT(r->f.len[65537], 4 + 5);
	CHECK_INT(r->x.retransmits, 0);
	CHECK(memcmp(r->f.last + 4, file + size - 5, 5) == 0);
	rig_free(r);
	free(file);
}

TEST(tftp_xfer_timeouts_back_off_then_give_up)
{
	static uint8_t file[3000];
	struct rig *r = rig_new(file, sizeof(file), 512, 2, 0, NULL);
	uint64_t rto = TFTP_RTO_INITIAL_MS;
	unsigned i;

	CHECK_INT(r->f.n, 2);
	for (i = 0; i < TFTP_MAX_RETRIES; i++) {
		CHECK(r->x.deadline == r->now + rto);
		r->now = r->x.deadline;
		tftp_xfer_timeout(&r->x, r->now);
		tftp_xfer_pump(&r->x, r->now);
		rto = rto * 2 < TFTP_RTO_MAX_MS ? rto * 2 : TFTP_RTO_MAX_MS;
		/* The whole window again, from the last acknowledged block. */
		CHECK_INT(r->f.block[r->f.n - 2], 1);
		CHECK_INT(r->f.block[r->f.n - 1], 2);
	}
	CHECK_INT(r->f.n, 2 + 2 * TFTP_MAX_RETRIES);
	CHECK_INT(r->x.retransmits, 2 * TFTP_MAX_RETRIES);
	r->now = r->x.deadline;
	tftp_xfer_timeout(&r->x, r->now);
	CHECK_INT(r->x.state, TFTP_XFER_FAILED);
	CHECK_INT(r->f.op[r->f.n - 1], TFTP_ERROR);
	CHECK(strstr(r->x.reason, "no ACK") != NULL);
	rig_free(r);
}

TEST(tftp_xfer_rto_adapts_and_karn)
{
	static uint8_t file[512 * 20];
	struct rig *r = rig_new(file, sizeof(file), 512, 1, 0, NULL);

	r->now += 2;
	ack(r, 1);
	CHECK(r->x.have_rtt);
	CHECK_INT(r->x.rto_ms, TFTP_RTO_MIN_MS);
	/* A timeout doubles it; the retransmitted block gives no sample. */
	r->now = r->x.deadline;
	tftp_xfer_timeout(&r->x, r->now);
	tftp_xfer_pump(&r->x, r->now);
	CHECK_INT(r->x.rto_ms, 2 * TFTP_RTO_MIN_MS);
	/* Progress ends the backoff, though block 2 gives no sample. */
	r->now += 1;
	ack(r, 2);
	CHECK_INT(r->x.rto_ms, TFTP_RTO_MIN_MS);
	CHECK(r->x.sampling && r->x.sample_block == 3);
	/* The next fresh block is sampled again. */
	r->now += 1;
	ack(r, 3);
	CHECK_INT(r->x.rto_ms, TFTP_RTO_MIN_MS);
	CHECK(r->x.sampling && r->x.sample_block == 4);
	/* A slow client: the RTO follows it. */
	for (uint16_t b = 4; b < 12; b++) {
		r->now += 400;
		ack(r, b);
	}
	CHECK(r->x.rto_ms >= 400);
	rig_free(r);
}

TEST(tftp_xfer_oack_then_data)
{
	static uint8_t file[5000];
	struct tftp_options g = { TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE, 1468, 5000, 0, 0 };
	struct rig *r = rig_new(file, sizeof(file), 1468, 1, 0, &g);

	CHECK_INT(r->x.state, TFTP_XFER_OACK);
	CHECK_INT(r->f.n, 1);
	CHECK_INT(r->f.op[0], TFTP_OACK);
	CHECK(memcmp(r->f.last, "\0\6blksize\0001468\0tsize\0005000\0", 27) == 0);
	ack(r, 1);              /* not ACK 0: ignored */
	CHECK_INT(r->f.n, 1);
	r->now = r->x.deadline; /* lost: sent again */
	tftp_xfer_timeout(&r->x, r->now);
	tftp_xfer_pump(&r->x, r->now);
	CHECK_INT(r->f.n, 2);
	CHECK_INT(r->f.op[1], TFTP_OACK);
	ack(r, 0);
	CHECK_INT(r->x.state, TFTP_XFER_DATA);
	CHECK_INT(r->f.op[2], TFTP_DATA);
	CHECK_INT(r->f.block[2], 1);
	CHECK_INT(r->f.len[2], 4 + 1468);
	ack(r, 0);              /* duplicate ACK 0 */
	CHECK_INT(r->f.n, 3);
	rig_free(r);
}

TEST(tftp_xfer_client_refuses_oack)
{
	static uint8_t file[10];
	struct tftp_options g = { TFTP_OPT_TSIZE, 0, 10, 0, 0 };
	struct rig *r = rig_new(file, sizeof(file), 512, 1, 0, &g);
	static const uint8_t err8[] = "\0\5\0\10no options, please\0";

	tftp_xfer_input(&r->x, err8, sizeof(err8) - 1, r->now);
	CHECK_INT(r->x.state, TFTP_XFER_FAILED);
	CHECK(strstr(r->x.reason, "refused the options") != NULL);
	CHECK_INT(r->x.peer_error, 8);
	CHECK_INT(r->f.n, 1);   /* no error sent back */
	rig_free(r);
}

TEST(tftp_xfer_timeout_option_fixes_the_interval)
{
	static uint8_t file[600];
	struct tftp_options g = { TFTP_OPT_TIMEOUT, 0, 0, 3, 0 };
	struct rig *r = rig_new(file, sizeof(file), 512, 1, 0, &g);

	CHECK(r->x.deadline == r->now + 3000);
	r->now = r->x.deadline;
	tftp_xfer_timeout(&r->x, r->now);
	tftp_xfer_pump(&r->x, r->now);
	CHECK(r->x.deadline == r->now + 3000);
	ack(r, 0);
	CHECK(r->x.deadline == r->now + 3000);
	rig_free(r);
}

TEST(tftp_xfer_netascii)
{
	static const char text[] = "one\ntwo\r\nthree\n";
	static const char want[] = "one\r\ntwo\r\0\r\nthree\r\n";
	struct rig *r = rig_new(text, sizeof(text) - 1, 8, 1, 1, NULL);
	uint8_t got[64];
	size_t o = 0;

	while (r->x.state == TFTP_XFER_DATA && o + r->f.last_len - 4 <= sizeof(got)) {
		memcpy(got + o, r->f.last + 4, r->f.last_len - 4);
		o += r->f.last_len - 4;
		ack(r, (uint16_t)(r->x.next - 1));
	}
	CHECK_INT(r->x.state, TFTP_XFER_DONE);
	CHECK_INT(o, sizeof(want) - 1);
	CHECK(memcmp(got, want, sizeof(want) - 1) == 0);
	CHECK_INT(r->x.bytes_acked, sizeof(want) - 1);
	rig_free(r);
}

TEST(tftp_xfer_send_would_block)
{
	static uint8_t file[8 * 10];
	struct rig *r;

	r = rig_new(file, sizeof(file), 8, 8, 0, NULL);
	CHECK_INT(r->f.n, 8);
	ack(r, 8);
	CHECK_INT(r->f.n, 11);          /* 9, 10, 11 (the empty last) */
	CHECK_INT(r->x.state, TFTP_XFER_DATA);
	rig_free(r);

	{
		struct tftp_options none;
		struct tftp_io io = { fake_read, fake_send, NULL };
		struct rig *q = calloc(1, sizeof(*q));

		memset(&none, 0, sizeof(none));
		io.ctx = &q->f;
		q->f.file = file;
		q->f.size = sizeof(file);
		q->f.accept = 3;
		q->mem = malloc(tftp_xfer_mem_size(8, 8));
		tftp_xfer_init(&q->x, &io, q->mem, 8, 8, 0, &none);
		tftp_xfer_pump(&q->x, 5);
		CHECK_INT(q->f.n, 3);
		CHECK(q->x.blocked);
		q->f.accept = 100;
		tftp_xfer_pump(&q->x, 6);
		CHECK(!q->x.blocked);
		CHECK_INT(q->f.n, 8);
		CHECK_INT(q->f.block[3], 4);
		CHECK_INT(q->x.retransmits, 0);
		rig_free(q);
	}
}

TEST(tftp_xfer_client_gone)
{
	static uint8_t file[20];
	struct rig *r = rig_new(file, sizeof(file), 8, 4, 0, NULL);

	/* Every block sent (3), none acknowledged, the client's port closed. */
	CHECK_INT(r->f.n, 3);
	tftp_xfer_peer_gone(&r->x);
	CHECK_INT(r->x.state, TFTP_XFER_DONE);
	CHECK(r->x.unconfirmed);
	CHECK_INT(r->x.bytes_acked, 20);
	rig_free(r);

	r = rig_new(file, sizeof(file), 8, 1, 0, NULL);
	r->f.send_errno = ECONNREFUSED;
	r->now = r->x.deadline;
	tftp_xfer_timeout(&r->x, r->now);
	tftp_xfer_pump(&r->x, r->now);
	CHECK_INT(r->x.state, TFTP_XFER_FAILED);
	CHECK(strstr(r->x.reason, "went away") != NULL);
	rig_free(r);
}

TEST(tftp_xfer_unexpected_packets)
{
	static uint8_t file[20];
	struct rig *r = rig_new(file, sizeof(file), 8, 1, 0, NULL);

	tftp_xfer_input(&r->x, (const uint8_t *)"\0", 1, r->now);  /* runt: ignored */
	tftp_xfer_input(&r->x, (const uint8_t *)"\0\4\0", 3, r->now); /* short ACK */
	CHECK_INT(r->x.state, TFTP_XFER_DATA);
	CHECK_INT(r->x.ignored, 2);
	tftp_xfer_input(&r->x, (const uint8_t *)"\0\3\0\1data", 8, r->now);
	CHECK_INT(r->x.state, TFTP_XFER_FAILED);
	CHECK_INT(r->f.op[r->f.n - 1], TFTP_ERROR);
	CHECK_INT(r->f.block[r->f.n - 1], TFTP_EBADOP);
	rig_free(r);

	r = rig_new(file, sizeof(file), 8, 1, 0, NULL);
	r->f.read_fails = 0;
	tftp_xfer_input(&r->x, (const uint8_t *)"\0\5\0\1gone", 8, r->now);
	CHECK_INT(r->x.state, TFTP_XFER_FAILED);
	CHECK(strstr(r->x.reason, "error 1 \"gone\"") != NULL);
	rig_free(r);
}

TEST(tftp_xfer_read_error)
{
	static uint8_t file[20];
	struct tftp_options none;
	struct tftp_io io = { fake_read, fake_send, NULL };
	struct rig *r = calloc(1, sizeof(*r));

	memset(&none, 0, sizeof(none));
	io.ctx = &r->f;
	r->f.file = file;
	r->f.size = sizeof(file);
	r->f.accept = 100;
	r->f.read_fails = 1;
	r->mem = malloc(tftp_xfer_mem_size(8, 1));
	tftp_xfer_init(&r->x, &io, r->mem, 8, 1, 0, &none);
	tftp_xfer_pump(&r->x, 1);
	CHECK_INT(r->x.state, TFTP_XFER_FAILED);
	CHECK_INT(r->f.n, 1);
	CHECK_INT(r->f.op[0], TFTP_ERROR);
	rig_free(r);
}
