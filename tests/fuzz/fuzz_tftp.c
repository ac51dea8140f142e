/*
 * Fuzz target: the TFTP request parser and option negotiation, then a
 * read transfer driven by the rest of the input.
 *
 * Input: 1 byte n, n bytes of request (RRQ/WRQ as from the wire), then a
 * script of events for a transfer of a generated file: ACKs (any block
 * number), timeouts, errors, raw datagrams, a blocked network, a closed
 * client port.
 *
 * Beyond "no crash", it checks what the server relies on: parsed fields
 * lie inside the packet; granted options are within the limits and an
 * OACK parses back to them; every DATA packet carries exactly the file's
 * bytes for its block; a duplicate ACK never makes anything go out
 * (Sorcerer's Apprentice); the window never exceeds its size; a finished
 * transfer acknowledged exactly the file.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "tftp/tftp_internal.h"

#define FILE_MAX (64u * 1024)

static uint8_t file[FILE_MAX];
static size_t file_size;
static uint64_t blksize_now;
static size_t sent, accept_n;
static int send_errno;

static ssize_t
f_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	(void)ctx;
	if (off >= file_size)
		return 0;
	if (len > file_size - off)
		len = (size_t)(file_size - off);
	memcpy(buf, file + off, len);
	return (ssize_t)len;
}

static int
f_send(void *ctx, const struct iovec *pkt, size_t n)
{
	struct tftp_xfer *x = ctx;
	size_t i;

	if (send_errno) {
		errno = send_errno;
		return -1;
	}
	for (i = 0; i < n && accept_n > 0; i++, accept_n--) {
		const uint8_t *p = pkt[i].iov_base;
		size_t len = pkt[i].iov_len;

		if (len < 4 || (load_be16(p) == TFTP_DATA && len > 4 + blksize_now))
			abort();
		if (load_be16(p) == TFTP_DATA && !x->netascii) {
			/* The block's bytes are the file's, at its offset. */
			uint64_t b = x->next + i, off = (b - 1) * blksize_now;

			if ((uint16_t)b != load_be16(p + 2))
				abort();
			if (off > file_size || len - 4 > file_size - off ||
			    memcmp(p + 4, file + off, len - 4) != 0)
				abort();
			if (len - 4 < blksize_now && off + (len - 4) != file_size)
				abort();
		}
		sent++;
	}
	if (i == 0) {
		errno = EAGAIN;
		return -1;
	}
	return (int)i;
}

static void
check_request(const uint8_t *p, size_t len, const struct tftp_request *rq)
{
	const char *b = (const char *)p;

	if (rq->file < b + 2 || rq->file_len == 0 || rq->file_len + rq->file_garbage > len ||
	    (size_t)(rq->file - b) > len - rq->file_len)
		abort();
	if (rq->mode_name < rq->file + rq->file_len || rq->mode_len == 0 ||
	    (size_t)(rq->mode_name - b) > len - rq->mode_len)
		abort();
	if (rq->tail_garbage > len || rq->n_ignored > rq->n_options)
		abort();
}

static void
check_negotiation(const struct tftp_request *rq, uint64_t mtu_blk, uint64_t size,
    struct tftp_options *g, uint64_t *blk, uint64_t *win)
{
	struct tftp_limits lim = { mtu_blk, TFTP_MAX_WINDOWSIZE, TFTP_MAX_WINDOW_BYTES };
	struct tftp_options back;
	uint8_t oack[128];
	unsigned pairs, ignored;
	size_t n;

	tftp_negotiate(&rq->opt, &lim, rq->mode, size, g, blk, win);
	if ((g->have & TFTP_OPT_BLKSIZE) ? (*blk < TFTP_MIN_BLKSIZE ||
	    *blk > TFTP_MAX_BLKSIZE || (*blk > mtu_blk && *blk != TFTP_MIN_BLKSIZE) ||
	    *blk > rq->opt.blksize) : *blk != 512)
		abort();
	if (*win < 1 || *win > TFTP_MAX_WINDOWSIZE ||
	    (*win > 1 && *win * *blk > TFTP_MAX_WINDOW_BYTES))
		abort();
	if ((g->have & ~rq->opt.have) != 0)
		abort();
	n = tftp_build_oack(oack, sizeof(oack), g);
	if (n < 2)
		abort();
	memset(&back, 0, sizeof(back));
	if (tftp_parse_options(oack + 2, n - 2, &back, &pairs, &ignored) != n - 2 ||
	    ignored != 0 || back.have != g->have ||
	    ((g->have & TFTP_OPT_BLKSIZE) && back.blksize != g->blksize) ||
	    ((g->have & TFTP_OPT_TSIZE) && back.tsize != g->tsize) ||
	    ((g->have & TFTP_OPT_TIMEOUT) && back.timeout != g->timeout) ||
	    ((g->have & TFTP_OPT_WINDOWSIZE) && back.windowsize != g->windowsize))
		abort();
}

static void
check_window(const struct tftp_xfer *x)
{
	if (x->state != TFTP_XFER_DATA)
		return;
	if (x->next < x->acked + 1 || x->next > x->acked + x->windowsize + 1 ||
	    x->produced > x->acked + x->windowsize || (x->last && x->produced > x->last) ||
	    x->next > x->produced + 1 || x->max_sent < x->acked)
		abort();
}

static void
run_script(struct tftp_xfer *x, const uint8_t *p, size_t len)
{
	uint64_t now = 1000;
	size_t i = 0;

	tftp_xfer_pump(x, now);
	while (i < len && (x->state == TFTP_XFER_OACK || x->state == TFTP_XFER_DATA)) {
		uint8_t op = p[i++], pkt[64];
		size_t before = sent;
		uint16_t blk;
		int dup;

		now += op >> 4;
		switch (op & 7) {
		case 0: /* ACK of a block near the window, or any block */
		case 1:
			if (i + 2 > len)
				return;
			blk = (op & 8) ? load_be16(p + i) : (uint16_t)(x->acked + p[i]);
			i += 2;
			/* (A blocked window may go on: that is not an answer.) */
			dup = x->state == TFTP_XFER_DATA && blk == (uint16_t)x->acked &&
			    !x->blocked;
			tftp_build_ack(pkt, sizeof(pkt), blk);
			tftp_xfer_input(x, pkt, 4, now);
			tftp_xfer_pump(x, now);
			if (dup && sent != before)
				abort(); /* the Sorcerer's Apprentice */
			break;
		case 2:
			if (x->deadline != 0)
				now = x->deadline;
			tftp_xfer_timeout(x, now);
			tftp_xfer_pump(x, now);
			break;
		case 3: { /* a raw datagram of up to 15 bytes */
			size_t n = op >> 4;

			if (n > len - i)
				n = len - i;
			memcpy(pkt, p + i, n);
			i += n;
			tftp_xfer_input(x, pkt, n, now);
			tftp_xfer_pump(x, now);
			break;
		}
		case 4:
			accept_n = op >> 4;
			break;
		case 5:
			accept_n = (size_t)-1;
			tftp_xfer_pump(x, now);
			break;
		case 6:
			if (op & 8)
				tftp_xfer_peer_gone(x);
			else
				send_errno = (op & 16) ? ECONNREFUSED : 0;
			tftp_xfer_pump(x, now);
			break;
		default: /* ACK the whole window sent so far */
			if (x->state == TFTP_XFER_DATA && x->next > 1)
				tftp_build_ack(pkt, sizeof(pkt), (uint16_t)(x->next - 1));
			else
				tftp_build_ack(pkt, sizeof(pkt), 0);
			tftp_xfer_input(x, pkt, 4, now);
			tftp_xfer_pump(x, now);
			break;
		}
		check_window(x);
	}
	if (x->state == TFTP_XFER_DONE && !x->netascii && x->bytes_acked != file_size)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tftp_request rq;
	struct tftp_options g;
	struct tftp_xfer x;
	struct tftp_io io = { f_read, f_send, &x };
	const char *reason;
	unsigned code;
	uint64_t blk, win, mtu_blk;
	size_t n;
	uint8_t *req;
	void *mem;

	if (size < 1)
		return 0;
	n = data[0];
	if (n > size - 1)
		n = size - 1;
	/* An exactly-sized copy: ASan sees a read one byte past the packet. */
	req = malloc(n ? n : 1);
	memcpy(req, data + 1, n);
	if (tftp_parse_request(req, n, &rq, &code, &reason) != 0) {
		if (code != TFTP_EBADOP || reason == NULL)
			abort();
		free(req);
		return 0;
	}
	check_request(req, n, &rq);
	data += 1 + n;
	size -= 1 + n;
	/* The file and the route's MTU come from the request's bytes. */
	file_size = (rq.file_len * 977 + rq.mode_len * 31) % FILE_MAX;
	for (size_t i = 0; i < file_size; i++)
		file[i] = (uint8_t)(i * 131 + (i >> 9));
	mtu_blk = 8 + (rq.file_len * 613) % 9000;
	check_negotiation(&rq, mtu_blk, file_size, &g, &blk, &win);
	free(req);
	if (rq.mode != TFTP_MODE_OCTET && rq.mode != TFTP_MODE_NETASCII)
		return 0;
	mem = malloc(tftp_xfer_mem_size(blk, win));
	blksize_now = blk;
	sent = 0;
	accept_n = (size_t)-1;
	send_errno = 0;
	tftp_xfer_init(&x, &io, mem, blk, win, rq.mode == TFTP_MODE_NETASCII, &g);
	run_script(&x, data, size);
	free(mem);
	return 0;
}
