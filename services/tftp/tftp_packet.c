/*
 * TFTP packet parsing and building.  Every read goes through a (p, rem)
 * cursor checked before the read; nothing here trusts a length it did
 * not measure itself.
 */
#include <string.h>

#include "common/util.h"
#include "tftp/tftp_packet.h"

unsigned
tftp_opcode(const uint8_t *p, size_t len)
{
	return len < 2 ? 0 : load_be16(p);
}

/* The length of the NUL-terminated field at p, or -1 when rem holds no NUL. */
static long
field_len(const uint8_t *p, size_t rem)
{
	const uint8_t *z = memchr(p, '\0', rem);

	return z == NULL ? -1 : (long)(z - p);
}

static int
name_is(const uint8_t *p, size_t len, const char *name)
{
	size_t n = strlen(name);

	if (len != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (c != (unsigned char)name[i])
			return 0;
	}
	return 1;
}

/* A decimal value of 1..20 digits, nothing else, no overflow. */
static int
parse_value(const uint8_t *p, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 20)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned d;

		if (p[i] < '0' || p[i] > '9')
			return -1;
		d = (unsigned)(p[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

size_t
tftp_parse_options(const uint8_t *p, size_t len, struct tftp_options *opt, unsigned *n_pairs,
    unsigned *n_ignored)
{
	static const struct {
		const char *name;
		unsigned bit;
	} known[] = {
		{ "blksize", TFTP_OPT_BLKSIZE },
		{ "tsize", TFTP_OPT_TSIZE },
		{ "timeout", TFTP_OPT_TIMEOUT },
		{ "windowsize", TFTP_OPT_WINDOWSIZE },
	};
	size_t off = 0;

	*n_pairs = 0;
	*n_ignored = 0;
	for (;;) {
		long nl, vl;
		const uint8_t *name, *val;
		unsigned bit = 0;
		uint64_t v;

		if (off == len || (nl = field_len(p + off, len - off)) < 0)
			break;
		name = p + off;
		if ((size_t)nl + 1 == len - off ||
		    (vl = field_len(p + off + (size_t)nl + 1, len - off - (size_t)nl - 1)) < 0)
			break; /* a name without a terminated value: garbage */
		val = name + nl + 1;
		off += (size_t)nl + 1 + (size_t)vl + 1;
		(*n_pairs)++;
		for (size_t i = 0; i < ARRAY_LEN(known); i++)
			if (name_is(name, (size_t)nl, known[i].name))
				bit = known[i].bit;
		if (bit == 0 || *n_pairs > TFTP_MAX_OPTIONS || (opt->have & bit) != 0 ||
		    parse_value(val, (size_t)vl, &v) != 0) {
			(*n_ignored)++;
			continue;
		}
		opt->have |= bit;
		switch (bit) {
		case TFTP_OPT_BLKSIZE: opt->blksize = v; break;
		case TFTP_OPT_TSIZE: opt->tsize = v; break;
		case TFTP_OPT_TIMEOUT: opt->timeout = v; break;
		default: opt->windowsize = v; break;
		}
	}
	return off;
}

/*
 * Bytes firmware leaves at the end of a file name: 0xFF (the DHCP END
 * option read as part of an unterminated option 67, netboot.xyz#1198) and
 * control bytes.  Never a character of a real name: 0xFF is not UTF-8.
 */
static int
is_name_garbage(uint8_t c)
{
	return c == 0xff || c < 0x20;
}

int
tftp_parse_request(const uint8_t *p, size_t len, struct tftp_request *rq, unsigned *code,
    const char **reason)
{
	size_t off = 2, rem;
	long fl, ml;

	memset(rq, 0, sizeof(*rq));
	*code = TFTP_EBADOP;
	if (len < 2) {
		*reason = "packet shorter than an opcode";
		return -1;
	}
	rq->opcode = (enum tftp_opcode)load_be16(p);
	if (rq->opcode != TFTP_RRQ && rq->opcode != TFTP_WRQ) {
		*reason = "not a read or write request";
		return -1;
	}
	rem = len - off;
	if ((fl = field_len(p + off, rem)) < 0) {
		*reason = "file name without its terminating NUL";
		return -1;
	}
	rq->file = (const char *)(p + off);
	rq->file_len = (size_t)fl;
	while (rq->file_len > 0 && is_name_garbage(p[off + rq->file_len - 1])) {
		rq->file_len--;
		rq->file_garbage++;
	}
	if (rq->file_len == 0) {
		*reason = "empty file name";
		return -1;
	}
	off += (size_t)fl + 1;
	rem = len - off;
	/* Mode: NUL-terminated, or (tolerated) running to the end. */
	ml = rem == 0 ? -1 : field_len(p + off, rem);
	rq->mode_name = (const char *)(p + off);
	rq->mode_len = ml < 0 ? rem : (size_t)ml;
	if (rq->mode_len == 0) {
		*reason = "no transfer mode";
		return -1;
	}
	if (name_is(p + off, rq->mode_len, "octet"))
		rq->mode = TFTP_MODE_OCTET;
	else if (name_is(p + off, rq->mode_len, "netascii"))
		rq->mode = TFTP_MODE_NETASCII;
	else if (name_is(p + off, rq->mode_len, "mail"))
		rq->mode = TFTP_MODE_MAIL;
	else
		rq->mode = TFTP_MODE_UNKNOWN;
	if (ml < 0)
		return 0;
	off += (size_t)ml + 1;
	rem = len - off;
	off += tftp_parse_options(p + off, rem, &rq->opt, &rq->n_options, &rq->n_ignored);
	rq->tail_garbage = len - off;
	return 0;
}

int
tftp_parse_ack(const uint8_t *p, size_t len, uint16_t *block)
{
	/* Bytes after the block number are padding some stacks add. */
	if (len < 4 || load_be16(p) != TFTP_ACK)
		return -1;
	*block = load_be16(p + 2);
	return 0;
}

int
tftp_parse_error(const uint8_t *p, size_t len, uint16_t *code, const char **msg,
    size_t *msg_len)
{
	long n;

	if (len < 4 || load_be16(p) != TFTP_ERROR)
		return -1;
	*code = load_be16(p + 2);
	*msg = (const char *)(p + 4);
	n = field_len(p + 4, len - 4);
	*msg_len = n < 0 ? len - 4 : (size_t)n;
	return 0;
}

void
tftp_negotiate(const struct tftp_options *asked, const struct tftp_limits *lim,
    enum tftp_mode mode, uint64_t size, struct tftp_options *granted, uint64_t *blksize,
    uint64_t *windowsize)
{
	uint64_t max_blk = lim->max_blksize < TFTP_MAX_BLKSIZE ? lim->max_blksize :
	    TFTP_MAX_BLKSIZE;

	memset(granted, 0, sizeof(*granted));
	if (max_blk < TFTP_MIN_BLKSIZE)
		max_blk = TFTP_MIN_BLKSIZE;
	*blksize = 512;
	*windowsize = 1;
	if ((asked->have & TFTP_OPT_BLKSIZE) && asked->blksize >= TFTP_MIN_BLKSIZE) {
		granted->have |= TFTP_OPT_BLKSIZE;
		granted->blksize = asked->blksize < max_blk ? asked->blksize : max_blk;
		*blksize = granted->blksize;
	}
	/* RFC 2349: the client sends 0, the server answers with the size. */
	if ((asked->have & TFTP_OPT_TSIZE) && mode == TFTP_MODE_OCTET) {
		granted->have |= TFTP_OPT_TSIZE;
		granted->tsize = size;
	}
	if ((asked->have & TFTP_OPT_TIMEOUT) && asked->timeout >= 1 && asked->timeout <= 255) {
		granted->have |= TFTP_OPT_TIMEOUT;
		granted->timeout = asked->timeout;
	}
	/* RFC 7440: 1..65535; the server may answer with less. */
	if ((asked->have & TFTP_OPT_WINDOWSIZE) && asked->windowsize >= 1 &&
	    asked->windowsize <= 65535) {
		uint64_t w = asked->windowsize, by_bytes = lim->max_window_bytes / *blksize;

		if (w > lim->max_windowsize)
			w = lim->max_windowsize;
		if (w > by_bytes)
			w = by_bytes;
		if (w < 1)
			w = 1;
		granted->have |= TFTP_OPT_WINDOWSIZE;
		granted->windowsize = w;
		*windowsize = w;
	}
}

/* Append s and its NUL at *o; 0 or -1 when it does not fit. */
static int
put_str(uint8_t *buf, size_t size, size_t *o, const char *s)
{
	size_t n = strlen(s) + 1;

	if (n > size - *o)
		return -1;
	memcpy(buf + *o, s, n);
	*o += n;
	return 0;
}

static int
put_u64(uint8_t *buf, size_t size, size_t *o, uint64_t v)
{
	char d[24];
	size_t i = sizeof(d) - 1;

	d[i] = '\0';
	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	return put_str(buf, size, o, d + i);
}

static int
put_options(uint8_t *buf, size_t size, size_t *o, const struct tftp_options *opt)
{
	if ((opt->have & TFTP_OPT_BLKSIZE) &&
	    (put_str(buf, size, o, "blksize") != 0 || put_u64(buf, size, o, opt->blksize) != 0))
		return -1;
	if ((opt->have & TFTP_OPT_TSIZE) &&
	    (put_str(buf, size, o, "tsize") != 0 || put_u64(buf, size, o, opt->tsize) != 0))
		return -1;
	if ((opt->have & TFTP_OPT_TIMEOUT) &&
	    (put_str(buf, size, o, "timeout") != 0 || put_u64(buf, size, o, opt->timeout) != 0))
		return -1;
	if ((opt->have & TFTP_OPT_WINDOWSIZE) &&
	    (put_str(buf, size, o, "windowsize") != 0 ||
	    put_u64(buf, size, o, opt->windowsize) != 0))
		return -1;
	return 0;
}

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

size_t
tftp_build_oack(uint8_t *buf, size_t size, const struct tftp_options *granted)
{
	size_t o = 2;

	if (size < 2)
		return 0;
	put16(buf, TFTP_OACK);
	return put_options(buf, size, &o, granted) == 0 ? o : 0;
}

size_t
tftp_build_error(uint8_t *buf, size_t size, uint16_t code, const char *msg)
{
	size_t o = 4;

	if (size < 4)
		return 0;
	put16(buf, TFTP_ERROR);
	put16(buf + 2, code);
	return put_str(buf, size, &o, msg) == 0 ? o : 0;
}

size_t
tftp_build_ack(uint8_t *buf, size_t size, uint16_t block)
{
	if (size < 4)
		return 0;
	put16(buf, TFTP_ACK);
	put16(buf + 2, block);
	return 4;
}

size_t
tftp_build_request(uint8_t *buf, size_t size, enum tftp_opcode op, const char *file,
    const char *mode, const struct tftp_options *opt)
{
	size_t o = 2;

	if (size < 2)
		return 0;
	put16(buf, op);
	if (put_str(buf, size, &o, file) != 0 || put_str(buf, size, &o, mode) != 0 ||
	    (opt != NULL && put_options(buf, size, &o, opt) != 0))
		return 0;
	return o;
}

void
tftp_put_data_header(uint8_t *buf, uint16_t block)
{
	put16(buf, TFTP_DATA);
	put16(buf + 2, block);
}

size_t
tftp_netascii_encode(int *pending, const uint8_t *src, size_t srclen, size_t *used,
    uint8_t *dst, size_t dstlen)
{
	size_t i = 0, o = 0;

	while (o < dstlen) {
		uint8_t c;

		if (*pending >= 0) {
			dst[o++] = (uint8_t)*pending;
			*pending = -1;
			continue;
		}
		if (i == srclen)
			break;
		c = src[i++];
		if (c == '\n') {
			dst[o++] = '\r';
			*pending = '\n';
		} else if (c == '\r') {
			dst[o++] = '\r';
			*pending = '\0';
		} else {
			dst[o++] = c;
		}
	}
	*used = i;
	return o;
}

const char *
tftp_opcode_name(unsigned op)
{
	static const char *names[] = { "?", "RRQ", "WRQ", "DATA", "ACK", "ERROR", "OACK" };

	return op < ARRAY_LEN(names) ? names[op] : "?";
}

const char *
tftp_error_name(unsigned code)
{
	static const char *names[] = {
		"not defined", "file not found", "access violation",
		"disk full or allocation exceeded", "illegal TFTP operation",
		"unknown transfer ID", "file already exists", "no such user",
		"option negotiation refused",
	};

	return code < ARRAY_LEN(names) ? names[code] : "unknown error code";
}
