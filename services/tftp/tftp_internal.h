/*
 * Internals of the TFTP server: the per-transfer state machine (I/O-free:
 * it reads the file and sends datagrams through callbacks, and reports
 * when it wants its timer), and the server's own structures.
 *
 * A read transfer, as the state machine runs it (RFC 1350, 2347, 7440):
 *
 *   state  event                          action                     next
 *   OACK   (start, options granted)       send OACK, arm timer       OACK
 *   OACK   ACK 0                          send window 1..W           DATA
 *   OACK   ERROR (8: options refused)     --                         FAILED
 *   OACK   timeout                        resend OACK, back off      OACK
 *   DATA   (start, no options)            send window 1..W           DATA
 *   DATA   ACK k, acked < k < next        slide to k; send from k+1  DATA
 *          (k < next-1 means the client saw a gap: a restart)
 *   DATA   ACK k, k == last block         --                         DONE
 *   DATA   ACK k, k == acked (duplicate)  nothing (Sorcerer's Apprentice)
 *   DATA   ACK k, outside the window      nothing
 *   DATA   timeout                        resend acked+1.., back off DATA
 *   any    timeouts > TFTP_MAX_RETRIES    send ERROR 0               FAILED
 *   any    ERROR from the client          --                         FAILED
 *   any    other opcode                   send ERROR 4               FAILED
 *
 * Block numbers are 64-bit inside and go out as their low 16 bits: after
 * 65535 comes 0 (the rollover tftp-hpa and iPXE expect).
 */
#ifndef PXESTICK_TFTP_INTERNAL_H
#define PXESTICK_TFTP_INTERNAL_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "common/addrcount.h"
#include "common/limits.h"
#include "common/list.h"
#include "common/loop.h"
#include "common/ratelog.h"
#include "status/status.h"
#include "tftp/tftp.h"
#include "tftp/tftp_packet.h"
#include "vfs/vfs.h"

/* What a transfer does its I/O with. */
struct tftp_io {
	/* Up to len bytes of the file at off: bytes, 0 at the end, -1. */
	ssize_t (*read)(void *ctx, void *buf, size_t len, uint64_t off);
	/*
	 * Send n datagrams, in order, to the client.  Returns how many went
	 * out (a short count: the rest would block), or -1 with errno
	 * (EAGAIN: none would go out now; ECONNREFUSED: the client's port
	 * is closed; anything else ends the transfer).
	 */
	int (*send)(void *ctx, const struct iovec *pkt, size_t n);
	void *ctx;
};

enum tftp_xfer_state {
	TFTP_XFER_OACK,         /* OACK sent, waiting for ACK 0 */
	TFTP_XFER_DATA,         /* sending windows, waiting for ACKs */
	TFTP_XFER_DONE,         /* the last block is acknowledged */
	TFTP_XFER_FAILED,       /* ended early: see reason */
};

struct tftp_xfer {
	enum tftp_xfer_state state;
	struct tftp_io io;
	uint64_t blksize, windowsize;
	int netascii;
	uint64_t fixed_rto;     /* ms, from the timeout option; 0: adaptive */

	uint8_t oack[128];
	size_t oack_len;
	int oack_due;           /* the OACK is to be (re)sent */
	int oack_sent;

	/* The window: blocks acked+1 .. produced, each a ready DATA packet
	 * in slot (block % windowsize). */
	uint8_t *slots;
	size_t slot_size;       /* 4 + blksize */
	uint32_t *lens;         /* payload bytes per slot */
	uint8_t *scratch;       /* read-ahead: file bytes not yet in a block */
	size_t scratch_size, scratch_off, scratch_len;
	int pending;            /* netascii: second byte of a pair, or -1 */
	int src_eof;
	uint64_t src_off;       /* next byte of the file to read */

	uint64_t acked;         /* highest block acknowledged (0: none) */
	uint64_t next;          /* next block to send */
	uint64_t produced;      /* highest block read into the window */
	uint64_t last;          /* the final block (shorter than blksize), 0: not yet known */
	uint64_t max_sent;      /* highest block ever sent (above: first sends) */

	/* Retransmission (RFC 6298, in microseconds; Karn's rule). */
	uint64_t rto_ms;
	uint64_t srtt_us, rttvar_us;
	int have_rtt;
	int sampling;
	uint64_t sample_block, sample_t;
	unsigned retries;       /* timeouts in a row */

	uint64_t deadline;      /* ms: call tftp_xfer_timeout then; 0: none */
	int blocked;            /* a send would block: pump when writable */

	/* Counters for the log line. */
	uint64_t bytes_acked;
	uint64_t packets, retransmits, timeouts, restarts, dup_acks, ignored;
	int unconfirmed;        /* DONE without the final ACK (client closed) */
	uint16_t peer_error;    /* FAILED by an ERROR from the client */
	int got_peer_error;
	char reason[160];
};

/* Bytes of memory a transfer needs (caller-allocated, aligned as malloc). */
size_t tftp_xfer_mem_size(uint64_t blksize, uint64_t windowsize);

/*
 * Set x up in mem (tftp_xfer_mem_size bytes).  granted->have != 0 starts
 * with an OACK; otherwise with data.  Nothing is sent before the first
 * tftp_xfer_pump().
 */
void tftp_xfer_init(struct tftp_xfer *x, const struct tftp_io *io, void *mem,
    uint64_t blksize, uint64_t windowsize, int netascii, const struct tftp_options *granted);

/* A datagram from the client.  Sends nothing except an ERROR reply. */
void tftp_xfer_input(struct tftp_xfer *x, const uint8_t *p, size_t len, uint64_t now);

/* x->deadline has passed. */
void tftp_xfer_timeout(struct tftp_xfer *x, uint64_t now);

/* Send what is due (after init, a batch of input, a timeout, writability). */
void tftp_xfer_pump(struct tftp_xfer *x, uint64_t now);

/* The client's port is closed (ICMP port unreachable). */
void tftp_xfer_peer_gone(struct tftp_xfer *x);

/* End now, telling the client (best effort). */
void tftp_xfer_abort(struct tftp_xfer *x, uint16_t code, const char *msg);

const char *tftp_xfer_state_name(enum tftp_xfer_state s);

/* ---- the server ---- */

struct tftp_server;

struct tftp_transfer {
	struct tftp_server *srv;
	struct list_node node;        /* in srv->transfers */
	struct loop_fd h;
	struct loop_timer timer;
	struct tftp_xfer x;
	struct vfs_file file;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	char peer_str[64];
	char name[VFS_MAX_PATH];      /* the cleaned path, for duplicate RRQs */
	char name_log[256];           /* escaped, for the log */
	uint64_t t_start;
	uint64_t size;
	void *mem;
	struct status_ref st;         /* the client table's view of it */
};

struct tftp_server {
	struct tftp_config cfg;
	struct loop *loop;
	struct loop_fd listen;
	int family;
	struct list transfers;        /* of struct tftp_transfer */
	struct addrcount per_client;  /* transfers per peer address */
	struct ratelog busy_log;      /* refusals at tftp-max-transfers */
};

#endif
