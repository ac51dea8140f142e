/*
 * DHCP message codec.  The parser walks each option area with a (p, rem)
 * cursor twice: the first pass checks every length and adds up the bytes
 * of each option code, the second copies the values so that repeated
 * options end up concatenated (RFC 3396 6: options, then file, then
 * sname when option 52 overloads them).
 */
#include <string.h>

#include "common/util.h"
#include "dhcp/dhcp_packet.h"

struct area {
	const uint8_t *p;
	size_t len;
};

/*
 * Walk one option area.  Without dst, add each option's length to
 * total[code]; with dst, copy each value to dst + pos[code] and advance.
 * A missing END is tolerated (several PXE ROMs end the file field without
 * one); anything that runs past the area is not.
 */
static int
walk_area(const uint8_t *p, size_t rem, uint32_t *total, uint8_t *have, uint8_t *dst,
    uint16_t *pos, unsigned *instances, uint8_t *overload, const char **why)
{
	while (rem > 0) {
		uint8_t code = p[0];
		size_t len;

		if (code == DHCP_OPT_PAD) {
			p++;
			rem--;
			continue;
		}
		if (code == DHCP_OPT_END)
			return 0;
		if (rem < 2) {
			*why = "an option's length byte is missing";
			return -1;
		}
		len = p[1];
		if (len > rem - 2) {
			*why = "an option runs past the end of its field";
			return -1;
		}
		if (dst == NULL && ++*instances > DHCP_MAX_OPTION_INSTANCES) {
			*why = "more than DHCP_MAX_OPTION_INSTANCES options";
			return -1;
		}
		if (dst == NULL) {
			total[code] += (uint32_t)len;
			have[code >> 3] |= (uint8_t)(1u << (code & 7));
			if (code == DHCP_OPT_OVERLOAD && overload != NULL) {
				if (len != 1 || p[2] < 1 || p[2] > 3) {
					*why = "option 52 (overload) is malformed";
					return -1;
				}
				*overload = p[2];
			}
		} else {
			memcpy(dst + pos[code], p + 2, len);
			pos[code] = (uint16_t)(pos[code] + len);
		}
		p += 2 + len;
		rem -= 2 + len;
	}
	return 0;
}

/* Copy a fixed field up to its first NUL, always terminated. */
static void
copy_field(char *dst, const uint8_t *src, size_t size)
{
	size_t n = 0;

	while (n < size && src[n] != 0)
		n++;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

int
dhcp_msg_parse(struct dhcp_msg *m, const uint8_t *buf, size_t len, const char **why)
{
	struct area areas[3];
	uint32_t total[256];
	uint16_t pos[256];
	size_t n_areas = 0, off = 0;
	unsigned instances = 0;
	uint8_t overload = 0;

	memset(m, 0, offsetof(struct dhcp_msg, data));
	if (len < DHCP_OFF_OPTIONS) {
		*why = "shorter than the 240-byte DHCP header";
		return -1;
	}
	if (len > DHCP_MAX_PACKET) {
		*why = "longer than DHCP_MAX_PACKET";
		return -1;
	}
	if (load_be32(buf + DHCP_OFF_MAGIC) != DHCP_MAGIC) {
		*why = "no DHCP magic cookie (plain BOOTP)";
		return -1;
	}
	m->op = buf[DHCP_OFF_OP];
	m->htype = buf[DHCP_OFF_HTYPE];
	m->hlen = buf[DHCP_OFF_HLEN];
	m->hops = buf[DHCP_OFF_HOPS];
	if (m->op != BOOTREQUEST && m->op != BOOTREPLY) {
		*why = "op is neither BOOTREQUEST nor BOOTREPLY";
		return -1;
	}
	if (m->hlen > DHCP_CHADDR_LEN) {
		*why = "hlen is over 16";
		return -1;
	}
	memcpy(&m->xid, buf + DHCP_OFF_XID, 4);
	m->secs = load_be16(buf + DHCP_OFF_SECS);
	m->flags = load_be16(buf + DHCP_OFF_FLAGS);
	memcpy(&m->ciaddr, buf + DHCP_OFF_CIADDR, 4);
	memcpy(&m->yiaddr, buf + DHCP_OFF_YIADDR, 4);
	memcpy(&m->siaddr, buf + DHCP_OFF_SIADDR, 4);
	memcpy(&m->giaddr, buf + DHCP_OFF_GIADDR, 4);
	memcpy(m->chaddr, buf + DHCP_OFF_CHADDR, DHCP_CHADDR_LEN);

	/* Pass 1: lengths.  Option 52 counts only in the options field. */
	memset(total, 0, sizeof(total));
	memset(pos, 0, sizeof(pos));
	areas[n_areas++] = (struct area){ buf + DHCP_OFF_OPTIONS, len - DHCP_OFF_OPTIONS };
	if (walk_area(areas[0].p, areas[0].len, total, m->have, NULL, NULL, &instances,
	    &overload, why) != 0)
		return -1;
	if (overload & 1)
		areas[n_areas++] = (struct area){ buf + DHCP_OFF_FILE, DHCP_FILE_LEN };
	if (overload & 2)
		areas[n_areas++] = (struct area){ buf + DHCP_OFF_SNAME, DHCP_SNAME_LEN };
	for (size_t i = 1; i < n_areas; i++)
		if (walk_area(areas[i].p, areas[i].len, total, m->have, NULL, NULL, &instances,
		    NULL, why) != 0)
			return -1;
	m->overload = overload;

	/* Lay the values out one after another; they fit, as every value
	 * byte is a byte of the message. */
	for (unsigned c = 0; c < 256; c++) {
		if (total[c] == 0)
			continue;
		m->opt_off[c] = (uint16_t)off;
		m->opt_len[c] = (uint16_t)total[c];
		pos[c] = (uint16_t)off;
		off += total[c];
	}
	/* Pass 2: the values, concatenated in area order. */
	for (size_t i = 0; i < n_areas; i++)
		(void)walk_area(areas[i].p, areas[i].len, total, m->have, m->data, pos,
		    &instances, NULL, why);
	if (!(overload & 1))
		copy_field(m->file, buf + DHCP_OFF_FILE, DHCP_FILE_LEN);
	if (!(overload & 2))
		copy_field(m->sname, buf + DHCP_OFF_SNAME, DHCP_SNAME_LEN);

	m->type = DHCP_BOOTP;
	if (m->have[DHCP_OPT_MSG_TYPE >> 3] & (1u << (DHCP_OPT_MSG_TYPE & 7))) {
		if (m->opt_len[DHCP_OPT_MSG_TYPE] != 1) {
			*why = "option 53 (message type) is not one byte";
			return -1;
		}
		m->type = m->data[m->opt_off[DHCP_OPT_MSG_TYPE]];
		if (m->type < DHCPDISCOVER || m->type > DHCPINFORM) {
			*why = "unknown message type";
			return -1;
		}
	}
	return 0;
}

const uint8_t *
dhcp_msg_opt(const struct dhcp_msg *m, uint8_t code, size_t *len)
{
	if (!(m->have[code >> 3] & (1u << (code & 7))))
		return NULL;
	*len = m->opt_len[code];
	return m->data + m->opt_off[code];
}

int
dhcp_msg_opt_addr(const struct dhcp_msg *m, uint8_t code, struct in_addr *out)
{
	size_t len;
	const uint8_t *p = dhcp_msg_opt(m, code, &len);

	if (p == NULL || len != 4)
		return -1;
	memcpy(out, p, 4);
	return 0;
}

const uint8_t *
dhcp_sub_find(const uint8_t *p, size_t rem, uint8_t code, size_t *sublen)
{
	while (rem > 0) {
		uint8_t c = p[0];
		size_t len;

		if (c == DHCP_OPT_PAD) {
			p++;
			rem--;
			continue;
		}
		if (c == DHCP_OPT_END || rem < 2)
			return NULL;
		len = p[1];
		if (len > rem - 2)
			return NULL;
		if (c == code) {
			*sublen = len;
			return p + 2;
		}
		p += 2 + len;
		rem -= 2 + len;
	}
	return NULL;
}

/* ---- building ---- */

static void
out_start(struct dhcp_out *o, uint8_t *buf, size_t cap, enum dhcp_type type)
{
	o->buf = buf;
	o->cap = cap;
	o->err = cap < DHCP_MIN_REPLY;
	o->len = DHCP_OFF_OPTIONS;
	if (o->err)
		return;
	memset(buf, 0, DHCP_OFF_OPTIONS);
	buf[DHCP_OFF_MAGIC] = 0x63;
	buf[DHCP_OFF_MAGIC + 1] = 0x82;
	buf[DHCP_OFF_MAGIC + 2] = 0x53;
	buf[DHCP_OFF_MAGIC + 3] = 0x63;
	dhcp_out_opt_u8(o, DHCP_OPT_MSG_TYPE, (uint8_t)type);
}

void
dhcp_out_reply(struct dhcp_out *o, uint8_t *buf, size_t cap, const struct dhcp_msg *req,
    enum dhcp_type type)
{
	out_start(o, buf, cap, type);
	if (o->err)
		return;
	buf[DHCP_OFF_OP] = BOOTREPLY;
	buf[DHCP_OFF_HTYPE] = req->htype;
	buf[DHCP_OFF_HLEN] = req->hlen;
	memcpy(buf + DHCP_OFF_XID, &req->xid, 4);
	buf[DHCP_OFF_FLAGS] = (uint8_t)(req->flags >> 8);
	buf[DHCP_OFF_FLAGS + 1] = (uint8_t)req->flags;
	memcpy(buf + DHCP_OFF_GIADDR, &req->giaddr, 4);
	memcpy(buf + DHCP_OFF_CHADDR, req->chaddr, DHCP_CHADDR_LEN);
}

void
dhcp_out_request(struct dhcp_out *o, uint8_t *buf, size_t cap, uint32_t xid,
    const uint8_t mac[6], enum dhcp_type type)
{
	out_start(o, buf, cap, type);
	if (o->err)
		return;
	buf[DHCP_OFF_OP] = BOOTREQUEST;
	buf[DHCP_OFF_HTYPE] = 1;
	buf[DHCP_OFF_HLEN] = 6;
	memcpy(buf + DHCP_OFF_XID, &xid, 4);
	memcpy(buf + DHCP_OFF_CHADDR, mac, 6);
}

void
dhcp_out_addr(struct dhcp_out *o, size_t off, struct in_addr a)
{
	if (!o->err && off + 4 <= DHCP_OFF_MAGIC)
		memcpy(o->buf + off, &a, 4);
}

void
dhcp_out_field(struct dhcp_out *o, size_t off, size_t size, const char *s)
{
	size_t n = strlen(s);

	if (o->err)
		return;
	if (n >= size) {
		o->err = 1;
		return;
	}
	memset(o->buf + off, 0, size);
	memcpy(o->buf + off, s, n);
}

void
dhcp_out_opt(struct dhcp_out *o, uint8_t code, const void *p, size_t len)
{
	const uint8_t *v = p;

	do {
		size_t chunk = len > 255 ? 255 : len;

		/* Room for this piece and the END that closes the message. */
		if (o->err || o->cap - o->len < 2 + chunk + 1) {
			o->err = 1;
			return;
		}
		o->buf[o->len] = code;
		o->buf[o->len + 1] = (uint8_t)chunk;
		if (chunk > 0)
			memcpy(o->buf + o->len + 2, v, chunk);
		o->len += 2 + chunk;
		v += chunk;
		len -= chunk;
	} while (len > 0);
}

void
dhcp_out_opt_u8(struct dhcp_out *o, uint8_t code, uint8_t v)
{
	dhcp_out_opt(o, code, &v, 1);
}

void
dhcp_out_opt_u32(struct dhcp_out *o, uint8_t code, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	dhcp_out_opt(o, code, b, 4);
}

void
dhcp_out_opt_addr(struct dhcp_out *o, uint8_t code, struct in_addr a)
{
	dhcp_out_opt(o, code, &a, 4);
}

size_t
dhcp_out_finish(struct dhcp_out *o)
{
	if (o->err || o->len >= o->cap)
		return 0;
	o->buf[o->len++] = DHCP_OPT_END;
	if (o->len < DHCP_MIN_REPLY) {
		memset(o->buf + o->len, 0, DHCP_MIN_REPLY - o->len);
		o->len = DHCP_MIN_REPLY;
	}
	return o->len;
}

const char *
dhcp_type_name(unsigned type)
{
	static const char *names[] = { "BOOTP", "DISCOVER", "OFFER", "REQUEST", "DECLINE",
		"ACK", "NAK", "RELEASE", "INFORM" };

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "?";
}
