/*
 * TFTP packets (RFC 1350) and option negotiation (RFC 2347, 2348, 2349,
 * 7440): parsing and building only.  No I/O, no allocation: every
 * function works on caller memory, so the same code serves the server,
 * the unit tests and the fuzz target.
 *
 * Parsed strings point into the packet (they are NOT NUL-terminated
 * copies): use them with their lengths, and escape them before logging.
 */
#ifndef PXESTICK_TFTP_PACKET_H
#define PXESTICK_TFTP_PACKET_H

#include <stddef.h>
#include <stdint.h>

#include "common/limits.h"

/* Opcodes (RFC 1350 5, RFC 2347). */
enum tftp_opcode {
	TFTP_RRQ = 1,
	TFTP_WRQ = 2,
	TFTP_DATA = 3,
	TFTP_ACK = 4,
	TFTP_ERROR = 5,
	TFTP_OACK = 6,
};

/* Error codes (RFC 1350 appendix, RFC 2347 for 8). */
enum tftp_error {
	TFTP_EUNDEF = 0,        /* not defined, see the message */
	TFTP_ENOTFOUND = 1,     /* file not found */
	TFTP_EACCESS = 2,       /* access violation */
	TFTP_ENOSPACE = 3,      /* disk full or allocation exceeded */
	TFTP_EBADOP = 4,        /* illegal TFTP operation */
	TFTP_EBADID = 5,        /* unknown transfer ID */
	TFTP_EEXISTS = 6,       /* file already exists */
	TFTP_ENOUSER = 7,       /* no such user */
	TFTP_EOPTNEG = 8,       /* option negotiation refused */
};

enum tftp_mode { TFTP_MODE_OCTET, TFTP_MODE_NETASCII, TFTP_MODE_MAIL, TFTP_MODE_UNKNOWN };

/* Bits of tftp_options.have. */
#define TFTP_OPT_BLKSIZE        0x1u
#define TFTP_OPT_TSIZE          0x2u
#define TFTP_OPT_TIMEOUT        0x4u
#define TFTP_OPT_WINDOWSIZE     0x8u

/* Options asked for (in a request) or granted (in an OACK). */
struct tftp_options {
	unsigned have;          /* TFTP_OPT_* present */
	uint64_t blksize;       /* as asked: any value; granted: 8..65464 */
	uint64_t tsize;
	uint64_t timeout;       /* seconds */
	uint64_t windowsize;
};

/* A parsed RRQ or WRQ. */
struct tftp_request {
	enum tftp_opcode opcode;
	const char *file;       /* in the packet, trailing garbage cut */
	size_t file_len;
	size_t file_garbage;    /* bytes cut from the end of the name */
	enum tftp_mode mode;
	const char *mode_name;  /* in the packet, as sent */
	size_t mode_len;
	struct tftp_options opt;
	unsigned n_options;     /* option pairs seen (known or not) */
	unsigned n_ignored;     /* pairs ignored: unknown, bad value, repeated, over the cap */
	size_t tail_garbage;    /* unterminated bytes after the last pair */
};

/* The opcode of a datagram, or 0 when it is shorter than one. */
unsigned tftp_opcode(const uint8_t *p, size_t len);

/*
 * Parse an RRQ or WRQ of len bytes at p.  Tolerated, as real firmware
 * sends them: bytes 0xFF and control bytes at the end of the file name
 * (Intel UNDI and Lenovo firmware that read option 67 past its end), a
 * mode without its NUL at the end of the packet, and unterminated bytes
 * after the last option.  Returns 0, or -1 with *code the error to answer
 * (TFTP_EBADOP) and *reason a static message.
 */
int tftp_parse_request(const uint8_t *p, size_t len, struct tftp_request *rq,
    unsigned *code, const char **reason);

/*
 * Parse "name\0value\0" pairs (the tail of a request, or the body of an
 * OACK) into opt.  Known names (case-insensitive): blksize, tsize,
 * timeout, windowsize, with decimal values; the first of a repeated name
 * counts.  Returns the bytes consumed (complete pairs); *n_pairs and
 * *n_ignored count pairs.
 */
size_t tftp_parse_options(const uint8_t *p, size_t len, struct tftp_options *opt,
    unsigned *n_pairs, unsigned *n_ignored);

/* An ACK: 0 and its block number, or -1 (not an ACK, or short). */
int tftp_parse_ack(const uint8_t *p, size_t len, uint16_t *block);

/* An ERROR: 0 with its code and message (up to its NUL or the end), or -1. */
int tftp_parse_error(const uint8_t *p, size_t len, uint16_t *code, const char **msg,
    size_t *msg_len);

/* What this server may grant a transfer. */
struct tftp_limits {
	uint64_t max_blksize;       /* the route's MTU allows; <= TFTP_MAX_BLKSIZE */
	uint64_t max_windowsize;    /* <= TFTP_MAX_WINDOWSIZE */
	uint64_t max_window_bytes;  /* windowsize x blksize at most */
};

/*
 * Decide the options of a read transfer of a file of size bytes.  granted
 * gets the options to put in the OACK (have == 0: no OACK, send data at
 * once) and *blksize / *windowsize the values to use (512 / 1 unless
 * granted).  blksize below TFTP_MIN_BLKSIZE and windowsize 0 are ignored;
 * larger values are lowered to the limits; tsize is answered in octet
 * mode only (in netascii the size on the wire is not known in advance);
 * timeout is granted for 1..255 s.
 */
void tftp_negotiate(const struct tftp_options *asked, const struct tftp_limits *lim,
    enum tftp_mode mode, uint64_t size, struct tftp_options *granted,
    uint64_t *blksize, uint64_t *windowsize);

/*
 * Builders: write into buf (size bytes) and return the length, or 0 when
 * it does not fit.
 */
size_t tftp_build_oack(uint8_t *buf, size_t size, const struct tftp_options *granted);
size_t tftp_build_error(uint8_t *buf, size_t size, uint16_t code, const char *msg);
size_t tftp_build_ack(uint8_t *buf, size_t size, uint16_t block);
size_t tftp_build_request(uint8_t *buf, size_t size, enum tftp_opcode op, const char *file,
    const char *mode, const struct tftp_options *opt);

/* The 4-byte header of a DATA packet (buf must hold 4 bytes). */
void tftp_put_data_header(uint8_t *buf, uint16_t block);

/*
 * Netascii (RFC 1350, RFC 764): LF goes out as CR LF, CR as CR NUL.
 * Encode src into dst until dst is full or src is used up; *pending
 * carries the second byte of a pair that did not fit (-1: none; start
 * with -1).  Returns the bytes written to dst, *used the bytes of src
 * consumed.
 */
size_t tftp_netascii_encode(int *pending, const uint8_t *src, size_t srclen, size_t *used,
    uint8_t *dst, size_t dstlen);

/* Short names for logs. */
const char *tftp_opcode_name(unsigned op);
const char *tftp_error_name(unsigned code);

#endif
