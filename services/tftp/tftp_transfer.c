/*
 * One read transfer: the window, acknowledgements, retransmission.  The
 * transition table is in tftp_internal.h.  No I/O of its own: the file is
 * read and datagrams are sent through x->io; the caller arms a timer for
 * x->deadline and waits for writability while x->blocked.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "tftp/tftp_internal.h"

const char *
tftp_xfer_state_name(enum tftp_xfer_state s)
{
	static const char *names[] = { "OACK", "DATA", "DONE", "FAILED" };

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

/* The read-ahead: a block, and at least TFTP_READ_AHEAD (fewer reads for small blocks). */
static size_t
read_ahead_size(uint64_t blksize)
{
	return blksize > TFTP_READ_AHEAD ? (size_t)blksize : TFTP_READ_AHEAD;
}

/* Memory layout: lens[windowsize], slots[windowsize][4 + blksize], read-ahead. */
size_t
tftp_xfer_mem_size(uint64_t blksize, uint64_t windowsize)
{
	return (size_t)(windowsize * sizeof(uint32_t) + windowsize * (4 + blksize)) +
	    read_ahead_size(blksize);
}

void
tftp_xfer_init(struct tftp_xfer *x, const struct tftp_io *io, void *mem, uint64_t blksize,
    uint64_t windowsize, int netascii, const struct tftp_options *granted)
{
	uint8_t *m = mem;

	memset(x, 0, sizeof(*x));
	x->io = *io;
	x->blksize = blksize;
	x->windowsize = windowsize;
	x->netascii = netascii;
	x->pending = -1;
	x->lens = mem;
	x->slots = m + windowsize * sizeof(uint32_t);
	x->slot_size = (size_t)(4 + blksize);
	x->scratch = x->slots + windowsize * x->slot_size;
	x->scratch_size = read_ahead_size(blksize);
	x->next = 1;
	x->rto_ms = TFTP_RTO_INITIAL_MS;
	if (granted->have & TFTP_OPT_TIMEOUT) {
		/* RFC 2349: the client fixed the retransmission interval. */
		x->fixed_rto = granted->timeout * 1000;
		x->rto_ms = x->fixed_rto;
	}
	if (granted->have != 0) {
		x->oack_len = tftp_build_oack(x->oack, sizeof(x->oack), granted);
		x->state = TFTP_XFER_OACK;
		x->oack_due = 1;
	} else {
		x->state = TFTP_XFER_DATA;
	}
}

static void
end(struct tftp_xfer *x, enum tftp_xfer_state s, const char *reason)
{
	x->state = s;
	x->deadline = 0;
	x->blocked = 0;
	snprintf(x->reason, sizeof(x->reason), "%s", reason);
}

void
tftp_xfer_abort(struct tftp_xfer *x, uint16_t code, const char *msg)
{
	uint8_t pkt[4 + TFTP_MAX_ERROR_MSG + 1];
	char m[TFTP_MAX_ERROR_MSG + 1];
	struct iovec iov;

	snprintf(m, sizeof(m), "%s", msg);
	iov.iov_base = pkt;
	iov.iov_len = tftp_build_error(pkt, sizeof(pkt), code, m);
	(void)x->io.send(x->io.ctx, &iov, 1);
	end(x, TFTP_XFER_FAILED, msg);
}

void
tftp_xfer_peer_gone(struct tftp_xfer *x)
{
	if (x->state != TFTP_XFER_OACK && x->state != TFTP_XFER_DATA)
		return;
	if (x->state == TFTP_XFER_DATA && x->last != 0 && x->max_sent >= x->last) {
		/* Every block went out and the client closed its port: it has
		 * the file and its final ACK was lost. */
		for (uint64_t b = x->acked + 1; b <= x->last; b++)
			x->bytes_acked += x->lens[b % x->windowsize];
		x->acked = x->last;
		x->unconfirmed = 1;
		end(x, TFTP_XFER_DONE, "done; final ACK lost, the client closed its port");
		return;
	}
	end(x, TFTP_XFER_FAILED, "the client went away (port unreachable)");
}

/* ---- round-trip time (RFC 6298) ---- */

/* RTO = SRTT + max(G, 4 RTTVAR), G the loop's 1 ms granularity. */
static uint64_t
rto_estimate(const struct tftp_xfer *x)
{
	uint64_t rto;

	if (x->fixed_rto)
		return x->fixed_rto;
	rto = (x->srtt_us + (4 * x->rttvar_us > 1000 ? 4 * x->rttvar_us : 1000) + 999) / 1000;
	if (rto < TFTP_RTO_MIN_MS)
		rto = TFTP_RTO_MIN_MS;
	if (rto > TFTP_RTO_MAX_MS)
		rto = TFTP_RTO_MAX_MS;
	return rto;
}

static void
rtt_sample(struct tftp_xfer *x, uint64_t ms)
{
	uint64_t r = ms * 1000;

	if (!x->have_rtt) {
		x->srtt_us = r;
		x->rttvar_us = r / 2;
		x->have_rtt = 1;
	} else {
		uint64_t d = x->srtt_us > r ? x->srtt_us - r : r - x->srtt_us;

		x->rttvar_us = (3 * x->rttvar_us + d) / 4;
		x->srtt_us = (7 * x->srtt_us + r) / 8;
	}
	x->rto_ms = rto_estimate(x);
}

/* ---- reading blocks into the window ---- */

/* Refill the read-ahead buffer when it is used up.  0, or -1. */
static int
fill(struct tftp_xfer *x)
{
	ssize_t n;

	if (x->scratch_off < x->scratch_len || x->src_eof)
		return 0;
	n = x->io.read(x->io.ctx, x->scratch, x->scratch_size, x->src_off);
	if (n < 0)
		return -1;
	if (n == 0)
		x->src_eof = 1;
	x->src_off += (uint64_t)n;
	x->scratch_off = 0;
	x->scratch_len = (size_t)n;
	return 0;
}

/* One block's payload into dst: its length, or -1. */
static ssize_t
read_block(struct tftp_xfer *x, uint8_t *dst)
{
	size_t o = 0, avail, used;

	while (o < x->blksize) {
		if (fill(x) != 0)
			return -1;
		avail = x->scratch_len - x->scratch_off;
		if (!x->netascii) {
			if (avail == 0)
				break;
			used = avail < x->blksize - o ? avail : (size_t)x->blksize - o;
			memcpy(dst + o, x->scratch + x->scratch_off, used);
			o += used;
		} else {
			o += tftp_netascii_encode(&x->pending, x->scratch + x->scratch_off, avail,
			    &used, dst + o, (size_t)x->blksize - o);
			if (avail == 0 && x->pending < 0)
				break;
		}
		x->scratch_off += used;
	}
	return (ssize_t)o;
}

/* Read block produced+1 into its slot.  0, or -1 (aborted). */
static int
produce(struct tftp_xfer *x)
{
	uint64_t b = x->produced + 1;
	uint8_t *slot = x->slots + (b % x->windowsize) * x->slot_size;
	ssize_t n;

	tftp_put_data_header(slot, (uint16_t)b);
	n = read_block(x, slot + 4);
	if (n < 0) {
		tftp_xfer_abort(x, TFTP_EUNDEF, "read error");
		snprintf(x->reason, sizeof(x->reason), "reading block %llu failed",
		    (unsigned long long)b);
		return -1;
	}
	x->lens[b % x->windowsize] = (uint32_t)n;
	x->produced = b;
	if ((uint64_t)n < x->blksize)
		x->last = b;
	return 0;
}

/* ---- sending ---- */

/* After a failed send: wait, or end. */
static void
send_failed(struct tftp_xfer *x)
{
	char msg[96];

	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
		x->blocked = 1;
		return;
	}
	if (errno == ECONNREFUSED) {
		tftp_xfer_peer_gone(x);
		return;
	}
	snprintf(msg, sizeof(msg), "sending failed: %s", strerror(errno));
	end(x, TFTP_XFER_FAILED, msg);
}

static void
pump_oack(struct tftp_xfer *x, uint64_t now)
{
	struct iovec iov = { x->oack, x->oack_len };
	int n;

	if (!x->oack_due)
		return;
	n = x->io.send(x->io.ctx, &iov, 1);
	if (n <= 0) {
		if (n == 0)
			errno = EAGAIN;
		send_failed(x);
		return;
	}
	x->packets++;
	if (x->oack_sent) {
		x->retransmits++;
	} else {
		x->sampling = 1;
		x->sample_block = 0;
		x->sample_t = now;
	}
	x->oack_sent = 1;
	x->oack_due = 0;
	x->deadline = now + x->rto_ms;
}

void
tftp_xfer_pump(struct tftp_xfer *x, uint64_t now)
{
	struct iovec iov[TFTP_MAX_WINDOWSIZE];

	x->blocked = 0;
	if (x->state == TFTP_XFER_OACK) {
		pump_oack(x, now);
		return;
	}
	if (x->state != TFTP_XFER_DATA)
		return;
	for (;;) {
		uint64_t limit = x->acked + x->windowsize, b;
		size_t n = 0;
		int sent;

		while (x->produced < limit && (x->last == 0 || x->produced < x->last))
			if (produce(x) != 0)
				return;
		if (x->last != 0 && limit > x->last)
			limit = x->last;
		if (x->next > limit)
			return;
		for (b = x->next; b <= limit && n < TFTP_MAX_WINDOWSIZE; b++, n++) {
			iov[n].iov_base = x->slots + (b % x->windowsize) * x->slot_size;
			iov[n].iov_len = 4 + x->lens[b % x->windowsize];
		}
		sent = x->io.send(x->io.ctx, iov, n);
		if (sent <= 0) {
			if (sent == 0)
				errno = EAGAIN;
			send_failed(x);
			return;
		}
		for (b = x->next; b < x->next + (uint64_t)sent; b++) {
			if (b <= x->max_sent) {
				x->retransmits++;
			} else if (!x->sampling) {
				x->sampling = 1;
				x->sample_block = b;
				x->sample_t = now;
			}
		}
		x->packets += (uint64_t)sent;
		x->next += (uint64_t)sent;
		if (x->next - 1 > x->max_sent)
			x->max_sent = x->next - 1;
		x->deadline = now + x->rto_ms;
		if ((size_t)sent < n) {
			x->blocked = 1;
			return;
		}
	}
}

/* ---- input ---- */

static void
on_ack(struct tftp_xfer *x, uint16_t block, uint64_t now)
{
	uint16_t d;
	uint64_t k;

	if (x->state == TFTP_XFER_OACK) {
		if (block != 0) {
			x->ignored++;
			return;
		}
		if (x->sampling && x->sample_block == 0)
			rtt_sample(x, now - x->sample_t);
		x->sampling = 0;
		x->state = TFTP_XFER_DATA;
		x->retries = 0;
		x->deadline = 0;
		return;
	}
	/* Where the 16-bit number falls from the last acknowledged block. */
	d = (uint16_t)(block - (uint16_t)x->acked);
	if (d == 0) {
		/* A duplicate: the data it asks for is already on its way or
		 * will be resent by the timer.  Answering it is the Sorcerer's
		 * Apprentice bug (RFC 1123 4.2.3.1). */
		x->dup_acks++;
		return;
	}
	k = x->acked + d;
	if (k >= x->next) {
		x->ignored++; /* a block we have not sent */
		return;
	}
	if (x->sampling && k >= x->sample_block) {
		rtt_sample(x, now - x->sample_t);
		x->sampling = 0;
	}
	for (uint64_t b = x->acked + 1; b <= k; b++)
		x->bytes_acked += x->lens[b % x->windowsize];
	if (k < x->next - 1) {
		/* RFC 7440: the client saw a gap; go on from its last block. */
		x->restarts++;
		if (x->sampling && x->sample_block > k)
			x->sampling = 0;
	}
	x->acked = k;
	x->next = k + 1;
	x->retries = 0;
	/* Progress ends a backoff even without a sample (Karn would wait
	 * for one, but on a lossy link most ACKs are of blocks sent again,
	 * and an RTO stuck at its maximum stalls every window). */
	if (x->have_rtt)
		x->rto_ms = rto_estimate(x);
	if (x->last != 0 && x->acked == x->last)
		end(x, TFTP_XFER_DONE, "done");
}

void
tftp_xfer_input(struct tftp_xfer *x, const uint8_t *p, size_t len, uint64_t now)
{
	unsigned op = tftp_opcode(p, len);
	uint16_t block, code;
	const char *msg;
	size_t msg_len;
	char m[TFTP_MAX_ERROR_MSG * 4 + 1], reason[sizeof(x->reason)];

	if (x->state != TFTP_XFER_OACK && x->state != TFTP_XFER_DATA)
		return;
	if (op == TFTP_ACK) {
		if (tftp_parse_ack(p, len, &block) == 0)
			on_ack(x, block, now);
		else
			x->ignored++;
		return;
	}
	if (op == TFTP_ERROR && tftp_parse_error(p, len, &code, &msg, &msg_len) == 0) {
		/* Never answered: two peers must not trade errors forever. */
		log_escape(m, sizeof(m), msg, msg_len < TFTP_MAX_ERROR_MSG ? msg_len :
		    TFTP_MAX_ERROR_MSG);
		if (x->state == TFTP_XFER_OACK && code == TFTP_EOPTNEG)
			snprintf(reason, sizeof(reason), "the client refused the options "
			    "(error 8 \"%s\")", m);
		else
			snprintf(reason, sizeof(reason), "the client sent error %u \"%s\"", code, m);
		end(x, TFTP_XFER_FAILED, reason);
		x->peer_error = code;
		x->got_peer_error = 1;
		return;
	}
	if (len < 2) {
		x->ignored++;
		return;
	}
	snprintf(m, sizeof(m), "unexpected %s packet", tftp_opcode_name(op));
	tftp_xfer_abort(x, TFTP_EBADOP, m);
}

void
tftp_xfer_timeout(struct tftp_xfer *x, uint64_t now)
{
	char reason[sizeof(x->reason)];

	(void)now;
	x->deadline = 0;
	if (x->state != TFTP_XFER_OACK && x->state != TFTP_XFER_DATA)
		return;
	if (++x->retries > TFTP_MAX_RETRIES) {
		if (x->state == TFTP_XFER_OACK)
			snprintf(reason, sizeof(reason), "no ACK of the OACK after %u tries",
			    TFTP_MAX_RETRIES + 1);
		else
			snprintf(reason, sizeof(reason), "no ACK after block %llu in %u tries",
			    (unsigned long long)x->acked, TFTP_MAX_RETRIES + 1);
		tftp_xfer_abort(x, TFTP_EUNDEF, "timed out");
		snprintf(x->reason, sizeof(x->reason), "%s", reason);
		return;
	}
	x->timeouts++;
	if (!x->fixed_rto)
		x->rto_ms = x->rto_ms * 2 < TFTP_RTO_MAX_MS ? x->rto_ms * 2 : TFTP_RTO_MAX_MS;
	x->sampling = 0; /* Karn: no sample from what is sent again */
	if (x->state == TFTP_XFER_OACK)
		x->oack_due = 1;
	else
		x->next = x->acked + 1;
}
