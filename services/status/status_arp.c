/*
 * The adapter from client addresses to MACs: the kernel's neighbour
 * table as /proc/net/arp shows it.  A client that talks TCP or TFTP to us
 * is on the link (or we could not have answered it), so its entry is
 * there.  The parser is pure; the reader streams the file in chunks.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/net.h"
#include "status/status_internal.h"

#define ATF_COM_FLAG 0x2        /* <net/if_arp.h>: the entry is complete */

/* Next space-separated token of line[*i..len): its bounds, or -1. */
static int
token(const char *line, size_t len, size_t *i, const char **t, size_t *tlen)
{
	while (*i < len && (line[*i] == ' ' || line[*i] == '\t'))
		(*i)++;
	if (*i == len)
		return -1;
	*t = line + *i;
	while (*i < len && line[*i] != ' ' && line[*i] != '\t')
		(*i)++;
	*tlen = (size_t)(line + *i - *t);
	return 0;
}

/* "aa:bb:cc:dd:ee:ff", exactly. */
static int
parse_mac(const char *t, size_t len, uint8_t mac[6])
{
	return len == 17 && net_mac_parse(t, len, 0, mac) == 17 ? 0 : -1;
}

/* One line: 0 and mac when it is ip's complete entry. */
static int
arp_line(const char *line, size_t len, struct in_addr ip, uint8_t mac[6])
{
	static const uint8_t zero[6];
	const char *t;
	size_t tl, i = 0;
	char buf[INET_ADDRSTRLEN];
	struct in_addr a;
	unsigned long flags;
	char *end;

	if (token(line, len, &i, &t, &tl) != 0 || tl >= sizeof(buf))
		return -1;
	memcpy(buf, t, tl);
	buf[tl] = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1 || a.s_addr != ip.s_addr)
		return -1;
	if (token(line, len, &i, &t, &tl) != 0)         /* HW type */
		return -1;
	if (token(line, len, &i, &t, &tl) != 0 || tl < 3 || tl >= sizeof(buf) ||
	    t[0] != '0' || t[1] != 'x')                 /* Flags */
		return -1;
	memcpy(buf, t + 2, tl - 2);
	buf[tl - 2] = '\0';
	errno = 0;
	flags = strtoul(buf, &end, 16);
	if (errno != 0 || *end != '\0' || !(flags & ATF_COM_FLAG))
		return -1;
	if (token(line, len, &i, &t, &tl) != 0 || parse_mac(t, tl, mac) != 0 ||
	    memcmp(mac, zero, 6) == 0)
		return -1;
	return 0;
}

int
status_arp_find(const char *text, size_t len, struct in_addr ip, uint8_t mac[6])
{
	size_t off = 0;

	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n = nl != NULL ? (size_t)(nl - (text + off)) : len - off;

		if (arp_line(text + off, n, ip, mac) == 0)
			return 0;
		off += n + 1;
	}
	return -1;
}

int
status_arp_resolve(void *ctx, const struct status_addr *a, uint8_t mac[6])
{
	char chunk[16384];
	size_t have = 0, total = 0;
	struct in_addr ip;
	int fd, rc = -1;

	if (a->family != AF_INET || a->a[0] == 127 || ctx == NULL)
		return -1;
	memcpy(&ip, a->a, 4);
	fd = open((const char *)ctx, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* Whole lines per chunk; a line longer than the chunk is dropped. */
	while (rc != 0 && total < STATUS_MAX_ARP_BYTES) {
		ssize_t r = read(fd, chunk + have, sizeof(chunk) - have);
		char *last;
		size_t used;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (have > 0)
				rc = status_arp_find(chunk, have, ip, mac);
			break;
		}
		have += (size_t)r;
		total += (size_t)r;
		last = memrchr(chunk, '\n', have);
		if (last == NULL) {
			have = have == sizeof(chunk) ? 0 : have;
			continue;
		}
		used = (size_t)(last - chunk) + 1;
		rc = status_arp_find(chunk, used, ip, mac);
		memmove(chunk, chunk + used, have - used);
		have -= used;
	}
	close(fd);
	return rc;
}
