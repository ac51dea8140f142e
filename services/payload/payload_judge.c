/*
 * Does a payload URL serve this ISO's root image?  The answer to a range
 * request for its first bytes decides: the same size and the same bytes,
 * or the reason clients will load from pxestick instead.
 */
#include <stdio.h>
#include <string.h>

#include "payload/payload.h"

int
payload_judge(const struct payload_response *r, const void *body, size_t body_len,
    uint64_t want_size, const void *want, size_t want_len, char *why, size_t whylen)
{
	if (r->status == 404 || r->status == 410) {
		snprintf(why, whylen, "%d: it does not have the root image", r->status);
		return -1;
	}
	if (r->status == 200) {
		snprintf(why, whylen, "200 to a range request: it does not serve ranges");
		return -1;
	}
	if (r->status != 206) {
		snprintf(why, whylen, "answered %d, not 206 Partial Content", r->status);
		return -1;
	}
	if (r->chunked) {
		snprintf(why, whylen, "206 in chunked encoding: no Content-Range to go by");
		return -1;
	}
	if (!r->has_range || !r->has_total) {
		snprintf(why, whylen, "206 without \"Content-Range: bytes F-L/SIZE\"");
		return -1;
	}
	if (r->total != want_size) {
		snprintf(why, whylen, "its root image is %llu bytes, this ISO's %llu (another "
		    "build under the same name? purge it from the cache)",
		    (unsigned long long)r->total, (unsigned long long)want_size);
		return -1;
	}
	if (want_len == 0 || r->first != 0 || r->last != want_len - 1) {
		snprintf(why, whylen, "sent bytes %llu-%llu for a request of 0-%llu",
		    (unsigned long long)r->first, (unsigned long long)r->last,
		    (unsigned long long)(want_len ? want_len - 1 : 0));
		return -1;
	}
	if (body_len < want_len) {
		snprintf(why, whylen, "sent %zu of the %zu bytes it announced", body_len, want_len);
		return -1;
	}
	if (memcmp(body, want, want_len) != 0) {
		snprintf(why, whylen, "its root image's first %zu bytes differ from this ISO's "
		    "(another build under the same name? purge it from the cache)", want_len);
		return -1;
	}
	return 0;
}
