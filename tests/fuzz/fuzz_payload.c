/*
 * Fuzz target: a payload URL's answer -- the response head parser and
 * the verdict on what follows it -- and the payload-url setting's parser.
 *
 * Beyond "no crash", it checks: a parsed head ends inside the input, on a
 * blank line; a Content-Range kept is ordered (first <= last < total);
 * a verdict of "serves it" means 206, the asked range and the same bytes;
 * an accepted URL is http://, its text has only bytes an iPXE script and
 * a kernel command line carry as-is, and it parses again to itself.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "payload/payload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_url(const uint8_t *data, size_t size)
{
	char s[PAYLOAD_MAX_URL + 16], why[256];
	struct payload_url u, again;

	if (size >= sizeof(s))
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	if (payload_url_parse(s, &u, why, sizeof(why)) != 0)
		return;
	if (strncmp(u.text, "http://", 7) != 0 || u.port == 0)
		__builtin_trap();
	for (const char *p = u.text; *p; p++)
		if (strchr("$|&;\\\"'` <>{}%", *p) != NULL || (unsigned char)*p < 0x21 ||
		    (unsigned char)*p > 0x7e)
			__builtin_trap();
	if (payload_url_parse(u.text, &again, why, sizeof(why)) != 0 ||
	    strcmp(again.text, u.text) != 0)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t want[16] = "hsqs-0123456789";
	struct payload_response r;
	char why[256];
	int rc;

	check_url(data, size);
	rc = payload_response_parse((const char *)data, size, &r, why, sizeof(why));
	if (rc != 1)
		return 0;
	if (r.head_len < 2 || r.head_len > size || data[r.head_len - 1] != '\n')
		__builtin_trap();
	if (r.has_range && (r.first > r.last || (r.has_total && r.last >= r.total)))
		__builtin_trap();
	if (payload_judge(&r, data + r.head_len, size - r.head_len < 16 ? size - r.head_len : 16,
	    1000, want, sizeof(want), why, sizeof(why)) == 0) {
		if (r.status != 206 || r.first != 0 || r.last != 15 || r.total != 1000 ||
		    size - r.head_len < 16 || memcmp(data + r.head_len, want, 16) != 0)
			__builtin_trap();
	}
	return 0;
}
