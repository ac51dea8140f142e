/*
 * Fuzz target: the NTP request check and the reply built for whatever it
 * accepts; and the calendar parser (settings, the clock floor).
 *
 * Beyond "no crash", it checks: an accepted request is at least 48 bytes
 * and mode 3; the reply is a server reply (mode 4) of the request's
 * version whose origin is the request's transmit timestamp, byte for
 * byte; a parsed date prints back as the same day.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/civil.h"
#include "ntp/ntp_packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[NTP_PACKET_LEN];
	struct ntp_answer a = { { 1767225600, 1 }, { 1767225600, 2 }, { 1767225000, 0 }, 1 };
	const char *why;
	char s[24], back[24];
	int64_t t;

	if (ntp_request_check(data, size, &why) == 0) {
		if (size < NTP_PACKET_LEN || (data[0] & 7) != 3)
			__builtin_trap();
		a.synced = size & 1;
		ntp_reply_build(data, &a, out);
		if ((out[0] & 7) != 4 || ((out[0] >> 3) & 7) != ((data[0] >> 3) & 7) ||
		    memcmp(out + 24, data + 40, 8) != 0)
			__builtin_trap();
	}
	if (size < sizeof(s)) {
		memcpy(s, data, size);
		s[size] = '\0';
		if (civil_parse_utc(s, &t) == 0) {
			civil_format_utc(t, back, sizeof(back));
			if (strncmp(back, s, 10) != 0)
				__builtin_trap();
		}
	}
	return 0;
}
