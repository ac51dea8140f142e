/*
 * NTP packets: which requests are answered, and the reply's every field
 * as systemd-timesyncd and RFC 4330 read them; and the calendar parser
 * the clock floor uses.
 */
#include "harness.h"

#include "common/civil.h"
#include "ntp/ntp_packet.h"

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
request(uint8_t *p, unsigned vn, unsigned mode)
{
	memset(p, 0, NTP_PACKET_LEN);
	p[0] = (uint8_t)(vn << 3 | mode);
	p[2] = 6; /* poll 64 s */
	for (int i = 0; i < 8; i++)
		p[40 + i] = (uint8_t)(0xa0 + i); /* the client's transmit: any bytes */
}

TEST(ntp_request_check)
{
	uint8_t p[64];
	const char *why = NULL;

	request(p, 4, 3);
	CHECK_INT(ntp_request_check(p, 48, &why), 0);
	CHECK_INT(ntp_request_check(p, 64, &why), 0); /* extension fields: ignored */
	CHECK_INT(ntp_request_check(p, 47, &why), -1);
	CHECK(why != NULL && strstr(why, "shorter") != NULL);
	for (unsigned mode = 0; mode < 8; mode++) {
		request(p, 4, mode);
		CHECK_INT(ntp_request_check(p, 48, &why), mode == 3 ? 0 : -1);
	}
	for (unsigned vn = 0; vn < 8; vn++) {
		request(p, vn, 3);
		CHECK_INT(ntp_request_check(p, 48, &why), vn >= 1 && vn <= 4 ? 0 : -1);
	}
}

TEST(ntp_reply_fields)
{
	uint8_t req[NTP_PACKET_LEN], out[NTP_PACKET_LEN];
	struct ntp_answer a;

	request(req, 3, 3);
	a.received = (struct timespec){ 1767225600, 500000000 };
	a.sent = (struct timespec){ 1767225600, 750000000 };
	a.reference = (struct timespec){ 1767220000, 0 };
	a.synced = 1;
	ntp_reply_build(req, &a, out);
	CHECK_INT(out[0] >> 6, 0);              /* LI: no warning */
	CHECK_INT((out[0] >> 3) & 7, 3);        /* the client's version */
	CHECK_INT(out[0] & 7, 4);               /* server */
	CHECK_INT(out[1], 10);                  /* stratum: a local clock */
	CHECK_INT(out[2], 6);                   /* poll as asked */
	CHECK_INT((int8_t)out[3], -20);
	CHECK_INT(get32(out + 4), 0);           /* root delay */
	CHECK(get32(out + 8) < 0x00010000u);    /* root dispersion under 1 s */
	CHECK(memcmp(out + 24, req + 40, 8) == 0); /* origin: the bytes sent */
	CHECK_INT(get32(out + 32), 1767225600u + NTP_UNIX_OFFSET);
	CHECK_INT(get32(out + 36), 0x80000000u);        /* .5 s */
	CHECK_INT(get32(out + 40), 1767225600u + NTP_UNIX_OFFSET);
	CHECK_INT(get32(out + 44), 0xc0000000u);        /* .75 s */
	CHECK_INT(get32(out + 16), 1767220000u + NTP_UNIX_OFFSET);
	/* a clock known to be wrong: unsynchronized, which clients refuse */
	a.synced = 0;
	ntp_reply_build(req, &a, out);
	CHECK_INT(out[0] >> 6, 3);
	CHECK_INT(out[1], 16);
}

TEST(ntp_timestamp_eras)
{
	struct timespec t = { 2085978496, 0 };  /* 2036-02-07 06:28:16: era 1 begins */
	struct ntp_ts ts = ntp_ts_from(&t);

	CHECK_INT(ts.sec, 0);
	t.tv_sec = 2085978495;
	t.tv_nsec = 999999999;
	ts = ntp_ts_from(&t);
	CHECK_INT(ts.sec, 0xffffffffu);
	CHECK(ts.frac >= 0xfffffffbu);
	t.tv_sec = 0;
	t.tv_nsec = 0;
	CHECK_INT(ntp_ts_from(&t).sec, NTP_UNIX_OFFSET);
}

TEST(civil_parse_utc_forms)
{
	int64_t t;
	char s[24];

	CHECK_INT(civil_parse_utc("2024-09-01", &t), 0);
	CHECK_INT(t, 1725148800);
	CHECK_INT(civil_parse_utc("2026-12-02 14:30", &t), 0);
	CHECK_INT(t, 1796221800);
	CHECK_INT(civil_parse_utc("2026-12-02T14:30:59", &t), 0);
	CHECK_INT(t, 1796221859);
	CHECK_STR(civil_format_utc(1796221859, s, sizeof(s)), "2026-12-02 14:30");
	CHECK_INT(civil_parse_utc("2024-02-29", &t), 0);
	CHECK_INT(civil_parse_utc("2023-02-29", &t), -1);
	CHECK_INT(civil_parse_utc("2026-13-01", &t), -1);
	CHECK_INT(civil_parse_utc("2026-12-32", &t), -1);
	CHECK_INT(civil_parse_utc("2026-12-02 24:00", &t), -1);
	CHECK_INT(civil_parse_utc("2026-12-02 23:60", &t), -1);
	CHECK_INT(civil_parse_utc("1969-12-31", &t), -1);
	CHECK_INT(civil_parse_utc("2026-12-2", &t), -1);
	CHECK_INT(civil_parse_utc("2026/12/02", &t), -1);
	CHECK_INT(civil_parse_utc("2026-12-02 14:30:5", &t), -1);
	CHECK_INT(civil_parse_utc("2026-12-02 14:30:00Z", &t), -1);
	CHECK_INT(civil_parse_utc("", &t), -1);
}
