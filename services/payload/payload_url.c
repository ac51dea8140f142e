/*
 * The payload-url setting: an http:// URL whose every byte may go into
 * an iPXE script and a kernel command line as-is.
 */
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "payload/payload.h"

static int
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* HOST: a DNS name or IPv4 address ([A-Za-z0-9.-]), or [IPv6]. */
static int
parse_host(const char *p, size_t n, struct payload_url *u)
{
	if (n == 0 || n >= sizeof(u->host))
		return -1;
	if (p[0] == '[') {
		if (n < 4 || p[n - 1] != ']')
			return -1;
		for (size_t i = 1; i + 1 < n; i++)
			if (!(is_alnum((unsigned char)p[i]) || p[i] == ':' || p[i] == '.'))
				return -1;
		memcpy(u->host, p + 1, n - 2);
		u->host[n - 2] = '\0';
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (!(is_alnum((unsigned char)p[i]) || p[i] == '.' || p[i] == '-'))
			return -1;
	memcpy(u->host, p, n);
	u->host[n] = '\0';
	return 0;
}

static int
parse_port(const char *p, size_t n, uint16_t *port)
{
	char digits[8];
	uint64_t v;

	if (n == 0 || n >= sizeof(digits))
		return -1;
	memcpy(digits, p, n);
	digits[n] = '\0';
	if (strspn(digits, "0123456789") != n || parse_u64(digits, 1, 65535, &v) != 0)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* Any segment of path[0..n) ("/a/b") empty, "." or ".."? */
static int
bad_segment(const char *path, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t start = ++i, len;    /* past the '/' */

		while (i < n && path[i] != '/')
			i++;
		len = i - start;
		if (len == 0 || (len == 1 && path[start] == '.') ||
		    (len == 2 && path[start] == '.' && path[start + 1] == '.'))
			return 1;
	}
	return 0;
}

static int
fail(char *why, size_t whylen, const char *s, const char *what)
{
	snprintf(why, whylen, "\"%.80s\" %s", s, what);
	return -1;
}

int
payload_url_parse(const char *s, struct payload_url *u, char *why, size_t whylen)
{
	const char *auth, *slash, *colon;
	size_t n = strlen(s), alen, hlen;

	memset(u, 0, sizeof(*u));
	if (strncmp(s, "https://", 8) == 0)
		return fail(why, whylen, s, "is https: payload URLs are http:// (iPXE would "
		    "need the cache's certificate authority built in)");
	if (strncmp(s, "http://", 7) != 0)
		return fail(why, whylen, s, "is not an http:// URL");
	if (n > 7 && s[n - 1] == '/')
		n--;
	if (n <= 7)
		return fail(why, whylen, s, "has no host");
	if (n >= sizeof(u->text))
		return fail(why, whylen, s, "is too long");
	auth = s + 7;
	slash = memchr(auth, '/', n - 7);
	alen = slash != NULL ? (size_t)(slash - auth) : n - 7;
	if (alen == 0 || alen >= sizeof(u->authority))
		return fail(why, whylen, s, "has no host");
	/* The port's ':' is the last one, after any ']' of an IPv6 address. */
	colon = NULL;
	for (size_t i = alen; i-- > 0 && auth[i] != ']';)
		if (auth[i] == ':') {
			colon = auth + i;
			break;
		}
	hlen = colon != NULL ? (size_t)(colon - auth) : alen;
	u->port = 80;
	if (parse_host(auth, hlen, u) != 0)
		return fail(why, whylen, s, "has a host that is not a name or an address");
	if (colon != NULL && parse_port(colon + 1, alen - hlen - 1, &u->port) != 0)
		return fail(why, whylen, s, "has a port that is not 1-65535");
	for (size_t i = 7 + alen; i < n; i++)
		if (!(is_alnum((unsigned char)s[i]) || strchr("._~/-", s[i]) != NULL))
			return fail(why, whylen, s, "has a path with characters other than "
			    "A-Z a-z 0-9 . _ ~ / -");
	if (bad_segment(s + 7 + alen, n - 7 - alen))
		return fail(why, whylen, s, "has an empty, . or .. path segment");
	memcpy(u->text, s, n);
	u->text[n] = '\0';
	memcpy(u->authority, auth, alen);
	u->authority[alen] = '\0';
	memcpy(u->path, s + 7 + alen, n - 7 - alen);
	u->path[n - 7 - alen] = '\0';
	return 0;
}
