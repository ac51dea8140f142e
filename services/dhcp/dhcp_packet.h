/*
 * DHCP messages (RFC 2131, options RFC 2132): parse and build with strict
 * bounds.  No I/O, no allocation: the caller owns every buffer.
 *
 * Parsing follows option overload (52) into the file and sname fields and
 * concatenates repeated options (RFC 3396) in the order options, file,
 * sname.  Every length is checked against the bytes received; a message
 * that breaks a rule is refused whole, with a reason for the log.
 */
#ifndef PXESTICK_DHCP_PACKET_H
#define PXESTICK_DHCP_PACKET_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "common/limits.h"

/* The fixed BOOTP header (RFC 2131 figure 1), byte offsets. */
#define DHCP_OFF_OP         0
#define DHCP_OFF_HTYPE      1
#define DHCP_OFF_HLEN       2
#define DHCP_OFF_HOPS       3
#define DHCP_OFF_XID        4
#define DHCP_OFF_SECS       8
#define DHCP_OFF_FLAGS      10
#define DHCP_OFF_CIADDR     12
#define DHCP_OFF_YIADDR     16
#define DHCP_OFF_SIADDR     20
#define DHCP_OFF_GIADDR     24
#define DHCP_OFF_CHADDR     28
#define DHCP_OFF_SNAME      44
#define DHCP_OFF_FILE       108
#define DHCP_OFF_MAGIC      236
#define DHCP_OFF_OPTIONS    240
#define DHCP_CHADDR_LEN     16
#define DHCP_SNAME_LEN      64
#define DHCP_FILE_LEN       128
#define DHCP_MAGIC          0x63825363u
/* BOOTP's minimum message (RFC 951: 300 bytes, some old clients insist). */
#define DHCP_MIN_REPLY      300
/* Every DHCP client must accept 576-byte IP datagrams (RFC 2131 2). */
#define DHCP_MIN_MAX_SIZE   576

#define BOOTREQUEST         1
#define BOOTREPLY           2
#define DHCP_FLAG_BROADCAST 0x8000

enum dhcp_type {
	DHCP_BOOTP = 0, /* no option 53 */
	DHCPDISCOVER = 1,
	DHCPOFFER = 2,
	DHCPREQUEST = 3,
	DHCPDECLINE = 4,
	DHCPACK = 5,
	DHCPNAK = 6,
	DHCPRELEASE = 7,
	DHCPINFORM = 8,
};

/* Option codes we read or write. */
#define DHCP_OPT_PAD            0
#define DHCP_OPT_SUBNET_MASK    1
#define DHCP_OPT_ROUTER         3
#define DHCP_OPT_DNS            6
#define DHCP_OPT_HOSTNAME       12
#define DHCP_OPT_BROADCAST      28
#define DHCP_OPT_NTP            42   /* NTP servers (RFC 2132 8.3) */
#define DHCP_OPT_VENDOR         43   /* vendor-specific (PXE: encapsulated) */
#define DHCP_OPT_REQUESTED_IP   50
#define DHCP_OPT_LEASE_TIME     51
#define DHCP_OPT_OVERLOAD       52
#define DHCP_OPT_MSG_TYPE       53
#define DHCP_OPT_SERVER_ID      54
#define DHCP_OPT_PARAM_LIST     55
#define DHCP_OPT_MESSAGE        56
#define DHCP_OPT_MAX_SIZE       57
#define DHCP_OPT_T1             58
#define DHCP_OPT_T2             59
#define DHCP_OPT_VENDOR_CLASS   60
#define DHCP_OPT_CLIENT_ID      61
#define DHCP_OPT_TFTP_SERVER    66
#define DHCP_OPT_BOOTFILE       67
#define DHCP_OPT_USER_CLASS     77
#define DHCP_OPT_RELAY_AGENT    82
#define DHCP_OPT_CLIENT_ARCH    93   /* RFC 4578 */
#define DHCP_OPT_CLIENT_NDI     94
#define DHCP_OPT_CLIENT_UUID    97
#define DHCP_OPT_IPXE_ENCAP     175  /* iPXE's encapsulated options */
#define DHCP_OPT_END            255

/* PXE sub-options of 43 (PXE 2.1 spec, table 2-1). */
#define PXE_DISCOVERY_CONTROL   6
/* Bit 3: "if a boot file name is in this offer, use it; no discovery". */
#define PXE_DISCOVERY_USE_BOOTFILE 0x08
/* iPXE sub-options of 175 (iPXE include/ipxe/dhcp.h). */
#define IPXE_NO_PXEDHCP         176

/*
 * A parsed message.  Fixed fields are copied out; sname and file are
 * NUL-terminated copies (empty when they carry overloaded options).  Each
 * option present has its concatenated value in data[opt_off .. +opt_len).
 */
struct dhcp_msg {
	uint8_t op, htype, hlen, hops;
	uint32_t xid;                   /* as on the wire */
	uint16_t secs, flags;           /* host order */
	struct in_addr ciaddr, yiaddr, siaddr, giaddr;
	uint8_t chaddr[DHCP_CHADDR_LEN];
	char sname[DHCP_SNAME_LEN + 1];
	char file[DHCP_FILE_LEN + 1];
	uint8_t overload;               /* option 52: 1 file, 2 sname, 3 both */
	uint8_t type;                   /* option 53, DHCP_BOOTP when absent */
	uint8_t have[32];               /* bit per option code present */
	uint16_t opt_off[256], opt_len[256];
	uint8_t data[DHCP_MAX_PACKET];
};

/*
 * Parse len bytes of buf into m.  0, or -1 with the reason in why (a
 * static string naming the rule broken).
 */
int dhcp_msg_parse(struct dhcp_msg *m, const uint8_t *buf, size_t len, const char **why);

/* The value of option code and its length, or NULL when absent. */
const uint8_t *dhcp_msg_opt(const struct dhcp_msg *m, uint8_t code, size_t *len);
/* An option holding exactly one IPv4 address: 0, or -1 (absent, bad length). */
int dhcp_msg_opt_addr(const struct dhcp_msg *m, uint8_t code, struct in_addr *out);

/*
 * Find sub-option code inside an encapsulated option value (43, 82, 175:
 * code, length, value; pad 0 and end 255 as RFC 2132 8.4).  Returns the
 * sub-option's value and its length, or NULL (absent or malformed).
 */
const uint8_t *dhcp_sub_find(const uint8_t *p, size_t len, uint8_t code, size_t *sublen);

/* A message under construction, in caller memory.  Errors are sticky. */
struct dhcp_out {
	uint8_t *buf;
	size_t cap, len;
	int err;
};

/* Start a reply to req in buf (cap bytes, at least DHCP_MIN_REPLY):
 * op BOOTREPLY, htype/hlen/xid/flags/giaddr/chaddr copied from req, the
 * magic cookie, option 53 = type. */
void dhcp_out_reply(struct dhcp_out *o, uint8_t *buf, size_t cap, const struct dhcp_msg *req,
    enum dhcp_type type);
/* Start an empty request (for probes and tests): op BOOTREQUEST, htype 1,
 * hlen 6, the cookie and option 53. */
void dhcp_out_request(struct dhcp_out *o, uint8_t *buf, size_t cap, uint32_t xid,
    const uint8_t mac[6], enum dhcp_type type);
void dhcp_out_addr(struct dhcp_out *o, size_t off, struct in_addr a);
/* Copy s (at most size-1 bytes, NUL-padded) into the sname or file field. */
void dhcp_out_field(struct dhcp_out *o, size_t off, size_t size, const char *s);
/* Append an option; values over 255 bytes are split (RFC 3396). */
void dhcp_out_opt(struct dhcp_out *o, uint8_t code, const void *p, size_t len);
void dhcp_out_opt_u8(struct dhcp_out *o, uint8_t code, uint8_t v);
void dhcp_out_opt_u32(struct dhcp_out *o, uint8_t code, uint32_t v);
void dhcp_out_opt_addr(struct dhcp_out *o, uint8_t code, struct in_addr a);
/* Append END, pad to DHCP_MIN_REPLY.  The message length, or 0 if it did
 * not fit. */
size_t dhcp_out_finish(struct dhcp_out *o);

const char *dhcp_type_name(unsigned type);

#endif
