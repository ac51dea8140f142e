/*
 * NTP packets (ntp_packet.h).
 */
#include <string.h>

#include "ntp/ntp_packet.h"

enum { MODE_CLIENT = 3, MODE_SERVER = 4, LI_UNSYNC = 3, STRATUM_UNSYNC = 16 };

/* chrony's reference id for a local clock (127.127.1.1): for stratum 2
 * and up RFC 5905 wants an IPv4 address there, and no client checks it. */
static const uint8_t refid_local[4] = { 0x7f, 0x7f, 0x01, 0x01 };

struct ntp_ts
ntp_ts_from(const struct timespec *t)
{
	struct ntp_ts r;

	/* Modulo 2^32: era 1 starts in 2036, clients unwrap it. */
	r.sec = (uint32_t)((uint64_t)(int64_t)t->tv_sec + NTP_UNIX_OFFSET);
	r.frac = (uint32_t)(((uint64_t)t->tv_nsec << 32) / 1000000000u);
	return r;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
put_ts(uint8_t *p, const struct timespec *t)
{
	struct ntp_ts ts = ntp_ts_from(t);

	put32(p, ts.sec);
	put32(p + 4, ts.frac);
}

int
ntp_request_check(const uint8_t *p, size_t len, const char **why)
{
	unsigned vn, mode;

	if (len < NTP_PACKET_LEN) {
		*why = "shorter than the 48-byte NTP header";
		return -1;
	}
	vn = (p[0] >> 3) & 7;
	mode = p[0] & 7;
	if (mode != MODE_CLIENT) {
		/* Symmetric, broadcast, control (6) and private (7) modes are
		 * not served: the last two are the amplification vectors. */
		*why = "not a client request (mode 3)";
		return -1;
	}
	if (vn < 1 || vn > 4) {
		*why = "unknown NTP version";
		return -1;
	}
	return 0;
}

void
ntp_reply_build(const uint8_t *req, const struct ntp_answer *a, uint8_t out[NTP_PACKET_LEN])
{
	unsigned vn = (req[0] >> 3) & 7, li = a->synced ? 0 : LI_UNSYNC;

	memset(out, 0, NTP_PACKET_LEN);
	out[0] = (uint8_t)(li << 6 | vn << 3 | MODE_SERVER);      /* the client's version */
	out[1] = a->synced ? NTP_STRATUM_LOCAL : STRATUM_UNSYNC;
	out[2] = req[2];                                        /* poll: as asked */
	out[3] = (uint8_t)(int8_t)-20;                          /* precision: ~1 us */
	put32(out + 4, 0);                                      /* root delay */
	put32(out + 8, a->synced ? 0x00000290u : 0x00010000u);  /* root dispersion: 10 ms, or 1 s */
	memcpy(out + 12, refid_local, 4);
	put_ts(out + 16, &a->reference);
	/* Origin: the client's transmit timestamp, bit for bit (timesyncd
	 * puts nanoseconds there and compares the bytes). */
	memcpy(out + 24, req + 40, 8);
	put_ts(out + 32, &a->received);
	put_ts(out + 40, &a->sent);
}
