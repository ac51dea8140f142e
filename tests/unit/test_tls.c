/*
 * services/tls: the DER writer, PEM, subjectAltNames, certificate
 * generation checked with BearSSL's own decoders, credentials from PEM
 * and from a state directory, and a whole connection against BearSSL's
 * client over a socketpair.
 */
#include "common/civil.h"
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bearssl.h>

#include "tls/tls_cert.h"
#include "tls/tls_conn.h"
#include "tls/tls_der.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* 2026-01-15T12:00:00Z, a fixed "now" for generated certificates. */
#define T_NOW 1768478400

static int
bytes_eq(const unsigned char *a, size_t alen, const void *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* Encode with f into an exactly sized heap buffer; compare to want. */
#define DER_CASE(call, ...)                                                  \
	do {                                                                 \
		static const unsigned char want_[] = { __VA_ARGS__ };         \
		unsigned char *b_ = malloc(sizeof(want_));                   \
		struct tls_der w_;                                           \
		tls_der_init(&w_, b_, sizeof(want_));                        \
		call;                                                        \
		CHECK(!tls_der_failed(&w_));                                 \
		CHECK(bytes_eq(b_, w_.len, want_, sizeof(want_)));           \
		free(b_);                                                    \
	} while (0)

TEST(der_integers)
{
	DER_CASE(tls_der_int(&w_, 0), 0x02, 0x01, 0x00);
	DER_CASE(tls_der_int(&w_, 2), 0x02, 0x01, 0x02);
	DER_CASE(tls_der_int(&w_, 127), 0x02, 0x01, 0x7f);
	DER_CASE(tls_der_int(&w_, 128), 0x02, 0x02, 0x00, 0x80);
	DER_CASE(tls_der_int(&w_, 256), 0x02, 0x02, 0x01, 0x00);
	DER_CASE(tls_der_int(&w_, -1), 0x02, 0x01, 0xff);
	DER_CASE(tls_der_int(&w_, -128), 0x02, 0x01, 0x80);
	DER_CASE(tls_der_int(&w_, -129), 0x02, 0x02, 0xff, 0x7f);
	DER_CASE(tls_der_int(&w_, INT64_MIN), 0x02, 0x08, 0x80, 0, 0, 0, 0, 0, 0, 0);
	DER_CASE(tls_der_int(&w_, INT64_MAX), 0x02, 0x08, 0x7f, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0xff);
	{
		static const unsigned char z[] = { 0, 0 }, hi[] = { 0x80 },
		    lz[] = { 0, 0, 0x7f, 1 }, lzhi[] = { 0, 0xff };

		DER_CASE(tls_der_uint(&w_, z, 0), 0x02, 0x01, 0x00);
		DER_CASE(tls_der_uint(&w_, z, 2), 0x02, 0x01, 0x00);
		DER_CASE(tls_der_uint(&w_, hi, 1), 0x02, 0x02, 0x00, 0x80);
		DER_CASE(tls_der_uint(&w_, lz, 4), 0x02, 0x02, 0x7f, 0x01);
		DER_CASE(tls_der_uint(&w_, lzhi, 2), 0x02, 0x02, 0x00, 0xff);
	}
}

TEST(der_oids)
{
	static const uint32_t ecdsa[] = { 1, 2, 840, 10045, 4, 3, 2 };
	static const uint32_t san[] = { 2, 5, 29, 17 };
	static const uint32_t big[] = { 2, 999, 3 };
	static const uint32_t max[] = { 1, 39, 4294967295u };
	static const uint32_t bad1[] = { 3, 1 }, bad2[] = { 1, 40 }, bad3[] = { 1 };
	unsigned char b[32];
	struct tls_der w;

	DER_CASE(tls_der_oid(&w_, ecdsa, LEN(ecdsa)), 0x06, 0x08, 0x2a, 0x86,
	    0x48, 0xce, 0x3d, 0x04, 0x03, 0x02);
	DER_CASE(tls_der_oid(&w_, san, LEN(san)), 0x06, 0x03, 0x55, 0x1d, 0x11);
	DER_CASE(tls_der_oid(&w_, big, LEN(big)), 0x06, 0x03, 0x88, 0x37, 0x03);
	DER_CASE(tls_der_oid(&w_, max, LEN(max)), 0x06, 0x06, 0x4f, 0x8f, 0xff,
	    0xff, 0xff, 0x7f);
	tls_der_init(&w, b, sizeof(b));
	tls_der_oid(&w, bad1, LEN(bad1));
	CHECK(tls_der_failed(&w));
	tls_der_init(&w, b, sizeof(b));
	tls_der_oid(&w, bad2, LEN(bad2));
	CHECK(tls_der_failed(&w));
	tls_der_init(&w, b, sizeof(b));
	tls_der_oid(&w, bad3, LEN(bad3));
	CHECK(tls_der_failed(&w));
}

TEST(der_strings_and_tags)
{
	static const unsigned char ku[] = { 0x07, 0x80 };

	DER_CASE(tls_der_bool(&w_, 1), 0x01, 0x01, 0xff);
	DER_CASE(tls_der_bool(&w_, 0), 0x01, 0x01, 0x00);
	DER_CASE(tls_der_bits(&w_, "\x04\x01", 2), 0x03, 0x03, 0x00, 0x04, 0x01);
	DER_CASE(tls_der_bits(&w_, NULL, 0), 0x03, 0x01, 0x00);
	DER_CASE(tls_der_tlv(&w_, DER_BIT_STRING, ku, 2), 0x03, 0x02, 0x07, 0x80);
	DER_CASE(tls_der_tlv(&w_, DER_OCTET_STRING, "ab", 2), 0x04, 0x02, 'a', 'b');
	DER_CASE(tls_der_tlv(&w_, DER_CONTEXT(7), "\x7f\0\0\x01", 4), 0x87, 0x04,
	    0x7f, 0x00, 0x00, 0x01);
	DER_CASE(tls_der_tlv(&w_, DER_CONTEXT(2), "a.b", 3), 0x82, 0x03, 'a', '.', 'b');
	DER_CASE({ size_t m = tls_der_begin(&w_, DER_CONTEXT_CONS(0));
	    tls_der_int(&w_, 2); tls_der_end(&w_, m); },
	    0xa0, 0x03, 0x02, 0x01, 0x02);
	DER_CASE({ size_t m = tls_der_begin(&w_, DER_SEQUENCE);
	    tls_der_end(&w_, m); }, 0x30, 0x00);
	{
		unsigned char b[8];
		struct tls_der w;

		/* High tag numbers are not written. */
		tls_der_init(&w, b, sizeof(b));
		tls_der_tlv(&w, 0x1f, "", 0);
		CHECK(tls_der_failed(&w));
		/* An end without its begin. */
		tls_der_init(&w, b, sizeof(b));
		tls_der_int(&w, 5);
		tls_der_end(&w, 1);
		CHECK(tls_der_failed(&w));
	}
}

/* Lengths at the short/long boundaries, and a nested value whose outer
 * length moves contents twice. */
TEST(der_long_lengths)
{
	static unsigned char payload[70000];
	size_t sizes[] = { 0, 1, 127, 128, 255, 256, 65535, 65536 };
	size_t i;

	memset(payload, 0xa5, sizeof(payload));
	for (i = 0; i < LEN(sizes); i++) {
		size_t n = sizes[i], hdr = n < 128 ? 2 : n < 256 ? 3 :
		    n < 65536 ? 4 : 5;
		unsigned char *b = malloc(n + hdr);
		struct tls_der w;
		size_t m;

		tls_der_init(&w, b, n + hdr);
		m = tls_der_begin(&w, DER_SEQUENCE);
		tls_der_raw(&w, payload, n);
		tls_der_end(&w, m);
		CHECK(!tls_der_failed(&w));
		CHECK_INT(w.len, n + hdr);
		CHECK_INT(b[0], 0x30);
		if (n < 128) {
			CHECK_INT(b[1], n);
		} else {
			size_t k, got = 0;

			CHECK_INT(b[1], 0x80 | (hdr - 2));
			for (k = 2; k < hdr; k++)
				got = got << 8 | b[k];
			CHECK_INT(got, n);
		}
		CHECK(memcmp(b + hdr, payload, n) == 0);
		/* One byte less never fits. */
		tls_der_init(&w, b, n + hdr - 1);
		m = tls_der_begin(&w, DER_SEQUENCE);
		tls_der_raw(&w, payload, n);
		tls_der_end(&w, m);
		CHECK(tls_der_failed(&w));
		CHECK(w.len <= n + hdr - 1);
		free(b);
	}
	{
		unsigned char b[200];
		struct tls_der w;
		size_t outer, inner;

		tls_der_init(&w, b, sizeof(b));
		outer = tls_der_begin(&w, DER_SEQUENCE);
		inner = tls_der_begin(&w, DER_OCTET_STRING);
		tls_der_raw(&w, payload, 130);
		tls_der_end(&w, inner);
		tls_der_int(&w, 1);
		tls_der_end(&w, outer);
		CHECK(!tls_der_failed(&w));
		CHECK_INT(w.len, 3 + 3 + 130 + 3);
		CHECK_INT(b[1], 0x81);
		CHECK_INT(b[2], 136);
		CHECK_INT(b[3], 0x04);
		CHECK_INT(b[4], 0x81);
		CHECK_INT(b[5], 130);
		CHECK_INT(b[136], 0x02);
		CHECK_INT(b[138], 0x01);
	}
}

static void
check_time(int64_t t, unsigned tag, const char *text)
{
	unsigned char b[32];
	struct tls_der w;
	size_t n = strlen(text);

	tls_der_init(&w, b, sizeof(b));
	tls_der_time(&w, t);
	CHECK(!tls_der_failed(&w));
	CHECK_INT(w.len, 2 + n);
	CHECK_INT(b[0], tag);
	CHECK_INT(b[1], n);
	CHECK(memcmp(b + 2, text, n) == 0);
}

TEST(der_times)
{
	unsigned char b[32];
	struct tls_der w;
	int64_t d;

	check_time(0, DER_UTC_TIME, "700101000000Z");
	check_time(T_NOW, DER_UTC_TIME, "260115120000Z");
	check_time(951782400, DER_UTC_TIME, "000229000000Z");      /* 2000-02-29 */
	check_time(2524607999, DER_UTC_TIME, "491231235959Z");
	check_time(2524608000, DER_GENERALIZED_TIME, "20500101000000Z");
	check_time(-631152001, DER_GENERALIZED_TIME, "19491231235959Z");
	check_time(-631152000, DER_UTC_TIME, "500101000000Z");
	check_time(253402300799, DER_GENERALIZED_TIME, "99991231235959Z");
	check_time(-62167219200, DER_GENERALIZED_TIME, "00000101000000Z");
	tls_der_init(&w, b, sizeof(b));
	tls_der_time(&w, 253402300800);
	CHECK(tls_der_failed(&w));
	tls_der_init(&w, b, sizeof(b));
	tls_der_time(&w, -62167219201);
	CHECK(tls_der_failed(&w));

	CHECK_INT(civil_to_days(1970, 1, 1), 0);
	CHECK_INT(civil_to_days(2000, 3, 1), 11017);
	CHECK_INT(civil_to_days(1969, 12, 31), -1);
	for (d = -1000000; d < 3000000; d += 997) {
		int64_t y;
		unsigned m, dd;

		civil_from_days(d, &y, &m, &dd);
		if (civil_to_days(y, m, dd) != d || m < 1 || m > 12 ||
		    dd < 1 || dd > 31) {
			CHECK_INT(civil_to_days(y, m, dd), d);
			break;
		}
	}
}

/* ---- PEM ---- */

TEST(pem_round_trip)
{
	unsigned char data[300], out[300];
	struct tls_pem_object o[2];
	char pem[600], err[256];
	size_t len, n;
	int r;

	for (len = 0; len < sizeof(data); len++)
		data[len] = (unsigned char)(len * 7 + 3);
	for (len = 0; len < sizeof(data); len += 37) {
		n = tls_pem_encode(pem, sizeof(pem), data, len, "CERTIFICATE");
		CHECK(n > 0);
		CHECK_INT(n, tls_pem_encode(NULL, 0, data, len, "CERTIFICATE"));
		CHECK_INT(strlen(pem), n);
		CHECK(strncmp(pem, "-----BEGIN CERTIFICATE-----\n", 28) == 0);
		r = tls_pem_decode(pem, n, out, len, o, 2, err, sizeof(err));
		CHECK_INT(r, 1);
		CHECK_STR(o[0].name, "CERTIFICATE");
		CHECK_INT(o[0].off, 0);
		CHECK(bytes_eq(out, o[0].len, data, len));
		/* No room for the NUL: refused, not truncated. */
		CHECK_INT(tls_pem_encode(pem, n, data, len, "CERTIFICATE"), 0);
	}
}

TEST(pem_decode_variants)
{
	static const char two[] =
	    "junk before\r\n"
	    "-----BEGIN PRIVATE KEY-----\r\n"
	    "AAEC\r\n"
	    "-----END PRIVATE KEY-----\r\n"
	    "between\n"
	    "-----BEGIN CERTIFICATE-----\n"
	    "YWJj\n"
	    "-----END CERTIFICATE-----";         /* no final newline */
	static const char noend[] = "-----BEGIN CERTIFICATE-----\nYWJj\n";
	static const char badb64[] = "-----BEGIN CERTIFICATE-----\nY*Jj\n"
	    "-----END CERTIFICATE-----\n";
	struct tls_pem_object o[2];
	unsigned char out[16];
	char err[256];

	CHECK_INT(tls_pem_decode(two, strlen(two), out, sizeof(out), o, 2,
	    err, sizeof(err)), 2);
	CHECK_STR(o[0].name, "PRIVATE KEY");
	CHECK(bytes_eq(out + o[0].off, o[0].len, "\0\1\2", 3));
	CHECK_STR(o[1].name, "CERTIFICATE");
	CHECK(bytes_eq(out + o[1].off, o[1].len, "abc", 3));
	/* One object too many, or one byte too few. */
	CHECK_INT(tls_pem_decode(two, strlen(two), out, sizeof(out), o, 1,
	    err, sizeof(err)), -1);
	CHECK(strstr(err, "more than 1 PEM objects") != NULL);
	CHECK_INT(tls_pem_decode(two, strlen(two), out, 5, o, 2,
	    err, sizeof(err)), -1);
	CHECK(strstr(err, "larger than 5 bytes") != NULL);
	CHECK_INT(tls_pem_decode(noend, strlen(noend), out, sizeof(out), o, 2,
	    err, sizeof(err)), -1);
	CHECK(strstr(err, "no END line") != NULL);
	CHECK_INT(tls_pem_decode(badb64, strlen(badb64), out, sizeof(out), o, 2,
	    err, sizeof(err)), -1);
	CHECK(strstr(err, "bad base64") != NULL);
	CHECK_INT(tls_pem_decode("no pem here\n", 12, out, sizeof(out), o, 2,
	    err, sizeof(err)), 0);
	CHECK_INT(tls_pem_decode("", 0, out, sizeof(out), o, 2, err, sizeof(err)), 0);
}

/* ---- subjectAltNames ---- */

TEST(san_parse)
{
	static const char *const bad[] = {
		"", ".", "-a", "a-", "a..b", "a_b", "a b", "10.0.0.256", "1.2.3",
		"[::1]", "fe80::1%eth0", "a.123",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b",
	};
	struct tls_san s;
	char err[256], longname[300];
	size_t i;

	CHECK_INT(tls_san_parse(&s, "192.0.2.1", err, sizeof(err)), 0);
	CHECK_INT(s.type, TLS_SAN_IP);
	CHECK(bytes_eq(s.data, s.len, "\xc0\x00\x02\x01", 4));
	CHECK_INT(tls_san_parse(&s, "::1", err, sizeof(err)), 0);
	CHECK_INT(s.type, TLS_SAN_IP);
	CHECK_INT(s.len, 16);
	CHECK_INT(s.data[15], 1);
	CHECK_INT(tls_san_parse(&s, "PXE-1.Example.", err, sizeof(err)), 0);
	CHECK_INT(s.type, TLS_SAN_DNS);
	CHECK(bytes_eq(s.data, s.len, "pxe-1.example", 13));
	CHECK_INT(tls_san_parse(&s, "localhost", err, sizeof(err)), 0);
	CHECK_INT(tls_san_parse(&s, "1a.2b", err, sizeof(err)), 0);
	for (i = 0; i < LEN(bad); i++) {
		err[0] = '\0';
		if (tls_san_parse(&s, bad[i], err, sizeof(err)) != -1) {
			CHECK_STR(bad[i], "(rejected)");
			continue;
		}
		CHECK(strstr(err, "subjectAltName") != NULL);
	}
	/* 253 bytes are fine, 254 are not. */
	memset(longname, 'a', sizeof(longname));
	for (i = 63; i < 253; i += 64)
		longname[i] = '.';
	longname[253] = '\0';
	CHECK_INT(tls_san_parse(&s, longname, err, sizeof(err)), 0);
	CHECK_INT(s.len, 253);
	longname[253] = 'a';
	longname[254] = '\0';
	CHECK_INT(tls_san_parse(&s, longname, err, sizeof(err)), -1);
	/* Control bytes in a bad name are escaped in the message. */
	CHECK_INT(tls_san_parse(&s, "a\x1b[2J", err, sizeof(err)), -1);
	CHECK(strchr(err, '\x1b') == NULL);
}

/* ---- generated certificates ---- */

static void
seeded_rng(br_hmac_drbg_context *rng, int seed)
{
	unsigned char s[32];

	memset(s, seed, sizeof(s));
	br_hmac_drbg_init(rng, &br_sha256_vtable, s, sizeof(s));
}

static void
make_sans(struct tls_san *s, const char *const *names, size_t n)
{
	size_t i;
	char err[256];

	for (i = 0; i < n; i++)
		CHECK_INT(tls_san_parse(&s[i], names[i], err, sizeof(err)), 0);
}

static const char *const default_names[] = { "127.0.0.1", "::1", "localhost" };

static struct tls_cert_new *
make_cert(int seed, int64_t now, const char *const *names, size_t n)
{
	struct tls_cert_new *nc = malloc(sizeof(*nc));
	struct tls_san sans[TLS_MAX_SANS];
	br_hmac_drbg_context rng;
	char err[256];

	make_sans(sans, names, n);
	seeded_rng(&rng, seed);
	CHECK_INT(tls_cert_create(nc, sans, n, now, &rng.vtable, err,
	    sizeof(err)), 0);
	return nc;
}

/*
 * Walk DER: every TLV's length must fit its parent, and constructed
 * values (and the OCTET STRINGs wrapping extension values, and BIT
 * STRINGs never) must be made of whole TLVs.  Returns the count of TLVs,
 * or -1.
 */
static int
der_walk(const unsigned char *p, size_t len, int depth)
{
	int count = 0;

	if (depth > 16)
		return -1;
	while (len > 0) {
		unsigned tag;
		size_t hdr = 2, clen, k;

		if (len < 2)
			return -1;
		tag = p[0];
		clen = p[1];
		if (clen & 0x80) {
			size_t nb = clen & 0x7f;

			if (nb == 0 || nb > 4 || len < 2 + nb)
				return -1;
			clen = 0;
			for (k = 0; k < nb; k++)
				clen = clen << 8 | p[2 + k];
			if (clen < 128)
				return -1;      /* DER: short form when it fits */
			hdr += nb;
		}
		if (clen > len - hdr)
			return -1;
		if (tag & 0x20) {
			int r = der_walk(p + hdr, clen, depth + 1);

			if (r < 0)
				return -1;
			count += r;
		}
		count++;
		p += hdr + clen;
		len -= hdr + clen;
	}
	return count;
}

struct dn_collect {
	unsigned char buf[256];
	size_t len;
};

static void
dn_cb(void *ctx, const void *data, size_t len)
{
	struct dn_collect *d = ctx;

	if (len <= sizeof(d->buf) - d->len) {
		memcpy(d->buf + d->len, data, len);
		d->len += len;
	}
}

/* Validate with BearSSL's X.509 engine, the certificate being its own CA
 * trust anchor, at time t and for server_name (may be NULL). */
static int
minimal_verify(const unsigned char *cert, size_t len, int64_t t,
    const char *server_name)
{
	br_x509_decoder_context dc;
	br_x509_minimal_context xc;
	br_x509_trust_anchor ta;
	struct dn_collect dn = { { 0 }, 0 };
	const br_x509_class **vt = &xc.vtable;

	br_x509_decoder_init(&dc, dn_cb, &dn);
	br_x509_decoder_push(&dc, cert, len);
	if (br_x509_decoder_get_pkey(&dc) == NULL)
		return -1;
	memset(&ta, 0, sizeof(ta));
	ta.dn.data = dn.buf;
	ta.dn.len = dn.len;
	ta.flags = BR_X509_TA_CA;
	ta.pkey = *br_x509_decoder_get_pkey(&dc);
	br_x509_minimal_init_full(&xc, &ta, 1);
	br_x509_minimal_set_time(&xc, (uint32_t)(t / 86400 + 719528),
	    (uint32_t)(t % 86400));
	(*vt)->start_chain(vt, server_name);
	(*vt)->start_cert(vt, (uint32_t)len);
	(*vt)->append(vt, cert, len);
	(*vt)->end_cert(vt);
	return (int)(*vt)->end_chain(vt);
}

TEST(cert_decodes_in_bearssl)
{
	static const unsigned char cn[] = { 0x30, 0x13, 0x31, 0x11, 0x30, 0x0f,
	    0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x08, 'p', 'x', 'e', 's', 't',
	    'i', 'c', 'k' };
	static const unsigned char ip4[] = { 0x87, 0x04, 127, 0, 0, 1 };
	static const unsigned char ip6[] = { 0x87, 0x10, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 1 };
	static const unsigned char dns[] = { 0x82, 0x09, 'l', 'o', 'c', 'a', 'l',
	    'h', 'o', 's', 't' };
	struct tls_cert_new *nc = make_cert(1, T_NOW, default_names, 3);
	br_x509_decoder_context dc;
	br_skey_decoder_context skd;
	const br_x509_pkey *pk;
	const br_ec_private_key *sk;
	struct dn_collect dn = { { 0 }, 0 };
	unsigned char pub[BR_EC_KBUF_PUB_MAX_SIZE];
	br_ec_public_key derived;
	unsigned char *exact;

	CHECK(nc->cert_len > 300 && nc->cert_len < 700);
	/* Exactly sized, so ASan sees any read past the end. */
	exact = malloc(nc->cert_len);
	memcpy(exact, nc->cert, nc->cert_len);
	CHECK(der_walk(exact, nc->cert_len, 0) > 20);

	br_x509_decoder_init(&dc, dn_cb, &dn);
	br_x509_decoder_push(&dc, exact, nc->cert_len);
	pk = br_x509_decoder_get_pkey(&dc);
	CHECK(pk != NULL);
	if (pk == NULL)
		goto out;
	CHECK_INT(pk->key_type, BR_KEYTYPE_EC);
	CHECK_INT(pk->key.ec.curve, BR_EC_secp256r1);
	CHECK_INT(pk->key.ec.qlen, 65);
	CHECK_INT(br_x509_decoder_isCA(&dc), 0);
	CHECK_INT(br_x509_decoder_get_signer_key_type(&dc), BR_KEYTYPE_EC);
	CHECK(bytes_eq(dn.buf, dn.len, cn, sizeof(cn)));

	/* The private key is PKCS#8 for the same public key. */
	br_skey_decoder_init(&skd);
	br_skey_decoder_push(&skd, nc->key, nc->key_len);
	CHECK_INT(br_skey_decoder_last_error(&skd), 0);
	CHECK_INT(br_skey_decoder_key_type(&skd), BR_KEYTYPE_EC);
	sk = br_skey_decoder_get_ec(&skd);
	CHECK(sk != NULL);
	if (sk != NULL) {
		CHECK(br_ec_compute_pub(br_ec_get_default(), &derived, pub, sk) > 0);
		CHECK(bytes_eq(derived.q, derived.qlen, pk->key.ec.q, pk->key.ec.qlen));
	}

	/* Signature, validity (from a day before to 10 years after), names. */
	CHECK_INT(minimal_verify(exact, nc->cert_len, T_NOW, NULL), 0);
	CHECK_INT(minimal_verify(exact, nc->cert_len, T_NOW - 86400 + 60, NULL), 0);
	CHECK_INT(minimal_verify(exact, nc->cert_len, T_NOW - 86400 - 60, NULL),
	    BR_ERR_X509_EXPIRED);
	/* 2036-01-15T12:00:00Z is the end. */
	CHECK_INT(minimal_verify(exact, nc->cert_len, 2084011200 - 60, NULL), 0);
	CHECK_INT(minimal_verify(exact, nc->cert_len, 2084011200 + 60, NULL),
	    BR_ERR_X509_EXPIRED);
	CHECK_INT(minimal_verify(exact, nc->cert_len, T_NOW, "localhost"), 0);
	CHECK_INT(minimal_verify(exact, nc->cert_len, T_NOW, "other.example"),
	    BR_ERR_X509_BAD_SERVER_NAME);
	/* BearSSL checks DNS names only; the addresses are there as bytes. */
	CHECK(memmem(exact, nc->cert_len, ip4, sizeof(ip4)) != NULL);
	CHECK(memmem(exact, nc->cert_len, ip6, sizeof(ip6)) != NULL);
	CHECK(memmem(exact, nc->cert_len, dns, sizeof(dns)) != NULL);

	/* One flipped bit in the signed part breaks the signature. */
	exact[nc->cert_len - 100] ^= 1;
	CHECK(minimal_verify(exact, nc->cert_len, T_NOW, NULL) != 0);
out:
	free(exact);
	free(nc);
}

TEST(cert_is_deterministic_and_canonical)
{
	static const char *const shuffled[] = { "LOCALHOST", "::1", "127.0.0.1",
	    "localhost" };
	struct tls_cert_new *a = make_cert(2, T_NOW, default_names, 3);
	struct tls_cert_new *b = make_cert(2, T_NOW, shuffled, 4);
	struct tls_cert_new *c = make_cert(3, T_NOW, default_names, 3);

	CHECK(bytes_eq(a->cert, a->cert_len, b->cert, b->cert_len));
	CHECK(bytes_eq(a->key, a->key_len, b->key, b->key_len));
	CHECK(!bytes_eq(a->cert, a->cert_len, c->cert, c->cert_len));
	free(a);
	free(b);
	free(c);
}

TEST(cert_generalized_time_after_2049)
{
	/* 2045-06-01: the end, 2055, needs GeneralizedTime. */
	int64_t now = 2379888000;
	struct tls_cert_new *nc = make_cert(4, now, default_names, 1);
	static const unsigned char gt[] = { 0x18, 0x0f, '2', '0', '5', '5' };
	static const unsigned char ut[] = { 0x17, 0x0d, '4', '5', '0', '5', '3', '1' };

	CHECK(memmem(nc->cert, nc->cert_len, gt, sizeof(gt)) != NULL);
	CHECK(memmem(nc->cert, nc->cert_len, ut, sizeof(ut)) != NULL);
	CHECK_INT(minimal_verify(nc->cert, nc->cert_len, now, NULL), 0);
	CHECK_INT(minimal_verify(nc->cert, nc->cert_len, now + 9 * 366 * 86400LL,
	    NULL), 0);
	free(nc);
}

TEST(cert_many_and_no_sans)
{
	static const char *const none[1] = { NULL };
	struct tls_san *sans = calloc(TLS_MAX_SANS + 1, sizeof(*sans));
	struct tls_cert_new *nc = malloc(sizeof(*nc));
	br_hmac_drbg_context rng;
	char err[256];
	size_t i;

	for (i = 0; i <= TLS_MAX_SANS; i++) {
		sans[i].type = TLS_SAN_DNS;
		sans[i].len = TLS_MAX_DNS_NAME;
		memset(sans[i].data, 'a' + (int)(i % 26), TLS_MAX_DNS_NAME);
		sans[i].data[0] = (unsigned char)('a' + i / 26);
	}
	seeded_rng(&rng, 5);
	CHECK_INT(tls_cert_create(nc, sans, TLS_MAX_SANS, T_NOW, &rng.vtable,
	    err, sizeof(err)), 0);
	CHECK(der_walk(nc->cert, nc->cert_len, 0) > 0);
	CHECK_INT(minimal_verify(nc->cert, nc->cert_len, T_NOW, NULL), 0);
	CHECK_INT(tls_cert_check(nc->cert, nc->cert_len, sans, TLS_MAX_SANS,
	    T_NOW, err, sizeof(err)), 0);
	CHECK_INT(tls_cert_create(nc, sans, TLS_MAX_SANS + 1, T_NOW, &rng.vtable,
	    err, sizeof(err)), -1);
	CHECK(strstr(err, "more than") != NULL);

	CHECK_INT(tls_cert_create(nc, sans, 0, T_NOW, &rng.vtable, err,
	    sizeof(err)), 0);
	CHECK_INT(minimal_verify(nc->cert, nc->cert_len, T_NOW, NULL), 0);
	CHECK_INT(tls_cert_check(nc->cert, nc->cert_len, sans, 0, T_NOW,
	    err, sizeof(err)), 0);
	CHECK_INT(tls_cert_check(nc->cert, nc->cert_len, sans, 1, T_NOW,
	    err, sizeof(err)), 1);
	(void)none;
	free(nc);
	free(sans);
}

TEST(cert_check_decides_reuse)
{
	static const char *const reordered[] = { "localhost", "::1", "127.0.0.1",
	    "127.0.0.1" };
	static const char *const fewer[] = { "127.0.0.1", "::1" };
	static const char *const more[] = { "127.0.0.1", "::1", "localhost", "pxe" };
	static const char *const other[] = { "127.0.0.2", "::1", "localhost" };
	struct tls_cert_new *nc = make_cert(6, T_NOW, default_names, 3);
	struct tls_san s[4];
	char err[256];

	make_sans(s, reordered, 4);
	CHECK_INT(tls_cert_check(nc->cert, nc->cert_len, s, 4, T_NOW, err,
	    sizeof(err)), 0);
	make_sans(s, fewer, 2);
	CHECK_INT(tls_cert_check(nc->cert, nc->cert_len, s, 2, T_NOW, err,
	    sizeof(err)), 1);
	CHECK(strstr(err, "subjectAltNames differ") != NULL);
	make_sans(s, more, 4);
	CHECK_INT(tls_cert_check(nc->cert, nc->cert_len, s, 4, T_NOW, err,
	    sizeof(err)), 1);
	make_sans(s, other, 3);
	CHECK_INT(tls_cert_check(nc->cert, nc->cert_len, s, 3, T_NOW, err,
	    sizeof(err)), 1);
	make_sans(s, default_names, 3);
	/* 40 days before the end: kept; 20 days before: replaced. */
	CHECK_INT(tls_cert_check(nc->cert, nc->cert_len, s, 3,
	    2084011200 - 40 * 86400, err, sizeof(err)), 0);
	CHECK_INT(tls_cert_check(nc->cert, nc->cert_len, s, 3,
	    2084011200 - 20 * 86400, err, sizeof(err)), 1);
	CHECK(strstr(err, "expires within 30 days") != NULL);
	CHECK_INT(tls_cert_check(nc->cert, nc->cert_len, s, 3,
	    T_NOW - 3 * 86400, err, sizeof(err)), 1);
	CHECK(strstr(err, "expired or not yet valid") != NULL);
	CHECK_INT(tls_cert_check(nc->cert, 100, s, 3, T_NOW, err, sizeof(err)), 1);
	CHECK(strstr(err, "does not decode") != NULL);
	free(nc);
}

/* ---- credentials ---- */

struct pem_pair {
	char cert[20000];
	size_t cert_len;
	char key[1000];
	size_t key_len;
};

static void
make_pair(struct pem_pair *p, int seed)
{
	struct tls_cert_new *nc = make_cert(seed, (int64_t)time(NULL),
	    default_names, 3);

	p->cert_len = tls_pem_encode(p->cert, sizeof(p->cert), nc->cert,
	    nc->cert_len, "CERTIFICATE");
	p->key_len = tls_pem_encode(p->key, sizeof(p->key), nc->key,
	    nc->key_len, "PRIVATE KEY");
	CHECK(p->cert_len > 0 && p->key_len > 0);
	free(nc);
}

static int
parse_pair(struct tls_creds *c, const char *cert, size_t clen,
    const char *key, size_t klen, char *err, size_t errlen)
{
	return tls_creds_parse(c, cert, clen, "cert.pem", key, klen, "key.pem",
	    err, errlen);
}

TEST(creds_parse)
{
	struct pem_pair *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	struct tls_creds *c = malloc(sizeof(*c));
	char err[TLS_MAX_ERROR], fp[TLS_FINGERPRINT_SIZE], d[32], sec1[600];
	char both[22000];
	br_skey_decoder_context skd;
	unsigned char der[300];
	size_t n;

	make_pair(a, 7);
	make_pair(b, 8);
	CHECK_INT(parse_pair(c, a->cert, a->cert_len, a->key, a->key_len, err,
	    sizeof(err)), 0);
	CHECK_INT(c->key_type, BR_KEYTYPE_EC);
	CHECK_INT(c->chain_len, 1);
	CHECK_STR(tls_creds_describe(c, d, sizeof(d)), "ECDSA P-256");
	tls_creds_fingerprint(c, fp);
	CHECK_INT(strlen(fp), 95);
	CHECK(fp[2] == ':' && fp[94] != ':');

	/* The same key as SEC 1 "EC PRIVATE KEY", and a chain of two. */
	br_skey_decoder_init(&skd);
	{
		struct tls_pem_object o;

		CHECK_INT(tls_pem_decode(a->key, a->key_len, der, sizeof(der), &o,
		    1, err, sizeof(err)), 1);
		br_skey_decoder_push(&skd, der, o.len);
	}
	n = br_encode_ec_raw_der(der, br_skey_decoder_get_ec(&skd), NULL);
	CHECK(n > 0);
	CHECK(tls_pem_encode(sec1, sizeof(sec1), der, n, "EC PRIVATE KEY") > 0);
	snprintf(both, sizeof(both), "%s%s", a->cert, b->cert);
	CHECK_INT(parse_pair(c, both, strlen(both), sec1, strlen(sec1), err,
	    sizeof(err)), 0);
	CHECK_INT(c->chain_len, 2);

	/* A key for another certificate. */
	CHECK_INT(parse_pair(c, a->cert, a->cert_len, b->key, b->key_len, err,
	    sizeof(err)), -1);
	CHECK_STR(err, "the private key in key.pem does not match the "
	    "certificate in cert.pem");
	CHECK_INT(c->chain_len, 0);
	/* The leaf comes first: b's key does not fit a chain led by a. */
	CHECK_INT(parse_pair(c, both, strlen(both), b->key, b->key_len, err,
	    sizeof(err)), -1);

	/* Files without what they should hold. */
	CHECK_INT(parse_pair(c, a->key, a->key_len, a->key, a->key_len, err,
	    sizeof(err)), -1);
	CHECK_STR(err, "cert.pem: no CERTIFICATE in the file");
	CHECK_INT(parse_pair(c, a->cert, a->cert_len, a->cert, a->cert_len, err,
	    sizeof(err)), -1);
	CHECK(strstr(err, "key.pem: no PRIVATE KEY") == err);
	{
		static const char enc[] = "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
		    "YWJj\n-----END ENCRYPTED PRIVATE KEY-----\n";
		static const char junk[] = "-----BEGIN PRIVATE KEY-----\n"
		    "YWJjZGVm\n-----END PRIVATE KEY-----\n";
		static const char junkcert[] = "-----BEGIN CERTIFICATE-----\n"
		    "YWJjZGVm\n-----END CERTIFICATE-----\n";
		static const char badb64[] = "-----BEGIN CERTIFICATE-----\n"
		    "YW!j\n-----END CERTIFICATE-----\n";

		CHECK_INT(parse_pair(c, a->cert, a->cert_len, enc, strlen(enc),
		    err, sizeof(err)), -1);
		CHECK(strstr(err, "key.pem: the private key is encrypted") == err);
		CHECK_INT(parse_pair(c, a->cert, a->cert_len, junk, strlen(junk),
		    err, sizeof(err)), -1);
		CHECK(strstr(err, "key.pem: the private key does not decode") == err);
		CHECK_INT(parse_pair(c, junkcert, strlen(junkcert), a->key,
		    a->key_len, err, sizeof(err)), -1);
		CHECK(strstr(err, "cert.pem: certificate 1 of 1 does not decode") == err);
		CHECK_INT(parse_pair(c, badb64, strlen(badb64), a->key,
		    a->key_len, err, sizeof(err)), -1);
		CHECK(strstr(err, "cert.pem: invalid PEM") == err);
		/* Every truncation before the END line fails cleanly (BearSSL
		 * takes "-----END " alone as the end). */
		for (n = 0; n < (size_t)(strstr(a->key, "-----END") - a->key) + 9;
		    n += 3) {
			char *k = malloc(n + 1);

			memcpy(k, a->key, n);
			CHECK_INT(parse_pair(c, a->cert, a->cert_len, k, n, err,
			    sizeof(err)), -1);
			free(k);
		}
	}
	tls_creds_free(c);
	free(a);
	free(b);
	free(c);
}

static char tmpdir[64];

static void
rm_state(void)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/tls-cert.pem", tmpdir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/tls-key.pem", tmpdir);
	unlink(p);
	rmdir(tmpdir);
}

TEST(creds_load_or_create)
{
	static const char *const names[] = { "127.0.0.1", "localhost" };
	static const char *const names2[] = { "localhost", "127.0.0.1", "::1" };
	static const char *const bad[] = { "not a name" };
	struct tls_creds *c = malloc(sizeof(*c));
	char err[TLS_MAX_ERROR], fp1[TLS_FINGERPRINT_SIZE], fp2[TLS_FINGERPRINT_SIZE];
	char p[128], q[128];
	struct stat st;
	int fd;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/pxestick-tls-unit.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		CHECK(!"mkdtemp");
		free(c);
		return;
	}
	CHECK_INT(tls_creds_load_or_create(c, tmpdir, names, 2, err,
	    sizeof(err)), TLS_CREDS_CREATED);
	CHECK(strstr(err, "no stored certificate") != NULL);
	tls_creds_fingerprint(c, fp1);
	snprintf(p, sizeof(p), "%s/tls-key.pem", tmpdir);
	CHECK_INT(stat(p, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0600);
	snprintf(p, sizeof(p), "%s/tls-cert.pem", tmpdir);
	CHECK_INT(stat(p, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0644);
	tls_creds_free(c);

	/* Kept: same names, in another order. */
	CHECK_INT(tls_creds_load_or_create(c, tmpdir, names2, 2, err,
	    sizeof(err)), TLS_CREDS_LOADED);
	CHECK_STR(err, "");
	tls_creds_fingerprint(c, fp2);
	CHECK_STR(fp1, fp2);
	/* Replaced: other names. */
	CHECK_INT(tls_creds_load_or_create(c, tmpdir, names2, 3, err,
	    sizeof(err)), TLS_CREDS_CREATED);
	CHECK(strstr(err, "subjectAltNames differ") != NULL);
	tls_creds_fingerprint(c, fp2);
	CHECK(strcmp(fp1, fp2) != 0);
	/* Replaced: a damaged file. */
	fd = open(p, O_WRONLY | O_TRUNC);
	CHECK(fd >= 0);
	CHECK_INT(write(fd, "junk\n", 5), 5);
	close(fd);
	CHECK_INT(tls_creds_load_or_create(c, tmpdir, names2, 3, err,
	    sizeof(err)), TLS_CREDS_CREATED);
	CHECK(strstr(err, "no CERTIFICATE") != NULL);
	/* Not followed: a symlink in place of the certificate. */
	snprintf(q, sizeof(q), "%s/tls-cert.pem.real", tmpdir);
	CHECK_INT(rename(p, q), 0);
	CHECK_INT(symlink(q, p), 0);
	CHECK_INT(tls_creds_load_or_create(c, tmpdir, names2, 3, err,
	    sizeof(err)), -1);
	CHECK(strstr(err, "symbolic link") != NULL);
	unlink(p);
	unlink(q);
	/* Refused: a bad name, a missing directory. */
	CHECK_INT(tls_creds_load_or_create(c, tmpdir, bad, 1, err,
	    sizeof(err)), -1);
	CHECK(strstr(err, "subjectAltName \"not a name\"") == err);
	snprintf(q, sizeof(q), "%s/missing", tmpdir);
	CHECK_INT(tls_creds_load_or_create(c, q, names, 2, err, sizeof(err)), -1);
	CHECK(strstr(err, "missing/.tls-key.pem.tmp") != NULL);
	/* tls_creds_load names the file. */
	CHECK_INT(tls_creds_load(c, q, p, err, sizeof(err)), -1);
	CHECK(strstr(err, "missing: No such file") != NULL);
	tls_creds_free(c);
	rm_state();
	free(c);
}

/* ---- a connection against BearSSL's client ---- */

struct client {
	br_ssl_client_context cc;
	br_x509_minimal_context xc;
	br_x509_trust_anchor ta;
	struct dn_collect dn;
	br_x509_decoder_context dc;
	unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
};

static void
client_init(struct client *cl, const struct tls_creds *c, uint16_t suite)
{
	br_x509_decoder_init(&cl->dc, dn_cb, &cl->dn);
	br_x509_decoder_push(&cl->dc, c->chain[0].data, c->chain[0].data_len);
	cl->ta.dn.data = cl->dn.buf;
	cl->ta.dn.len = cl->dn.len;
	cl->ta.flags = BR_X509_TA_CA;
	cl->ta.pkey = *br_x509_decoder_get_pkey(&cl->dc);
	br_ssl_client_init_full(&cl->cc, &cl->xc, &cl->ta, 1);
	if (suite != 0)
		br_ssl_engine_set_suites(&cl->cc.eng, &suite, 1);
	br_ssl_engine_set_buffer(&cl->cc.eng, cl->iobuf, sizeof(cl->iobuf), 1);
	br_ssl_client_reset(&cl->cc, "localhost", 0);
}

/* Move the client's records both ways; 1 when anything moved. */
static int
client_io(br_ssl_engine_context *e, int fd)
{
	unsigned char *b;
	size_t len;
	ssize_t n;
	int moved = 0;

	b = br_ssl_engine_sendrec_buf(e, &len);
	if (len > 0 && (n = write(fd, b, len)) > 0) {
		br_ssl_engine_sendrec_ack(e, (size_t)n);
		moved = 1;
	}
	b = br_ssl_engine_recvrec_buf(e, &len);
	if (len > 0 && (n = read(fd, b, len)) > 0) {
		br_ssl_engine_recvrec_ack(e, (size_t)n);
		moved = 1;
	}
	return moved;
}

static struct tls_creds *
test_creds(void)
{
	struct pem_pair *p = malloc(sizeof(*p));
	struct tls_creds *c = malloc(sizeof(*c));
	char err[TLS_MAX_ERROR];

	make_pair(p, 9);
	CHECK_INT(tls_creds_parse(c, p->cert, p->cert_len, "c", p->key,
	    p->key_len, "k", err, sizeof(err)), 0);
	free(p);
	return c;
}

static void
conn_exchange(uint16_t suite, const char *want_desc)
{
	struct tls_creds *creds = test_creds();
	struct tls_conn *t = malloc(sizeof(*t));
	struct client *cl = calloc(1, sizeof(*cl));
	br_ssl_engine_context *ce = &cl->cc.eng;
	static unsigned char big[200000], got[200000];
	char req[16], e[TLS_CONN_ERROR_SIZE];
	size_t req_len = 0, sent = 0, recvd = 0, i;
	int sv[2], step;
	ssize_t n;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)(i * 31 + i / 251);
	CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	CHECK_INT(tls_conn_init(t, creds), 0);
	client_init(cl, creds, suite);
	CHECK_INT(tls_conn_read(t, sv[0], req, sizeof(req)), -1);
	CHECK_INT(errno, EAGAIN);
	CHECK(tls_conn_want(t) == EPOLLIN);
	CHECK(!tls_conn_established(t));

	/* Handshake, then "ping" from the client; the server reads it and
	 * answers with 200,000 bytes through a small socket buffer. */
	for (step = 0; step < 100000 && recvd < sizeof(big); step++) {
		unsigned st = br_ssl_engine_current_state(ce);

		if (st & BR_SSL_CLOSED)
			break;
		if ((st & BR_SSL_SENDAPP) && req_len == 0) {
			size_t len;
			unsigned char *b = br_ssl_engine_sendapp_buf(ce, &len);

			memcpy(b, "ping", 4);
			br_ssl_engine_sendapp_ack(ce, 4);
			br_ssl_engine_flush(ce, 0);
			req_len = (size_t)-1;
		}
		if (st & BR_SSL_RECVAPP) {
			size_t len;
			unsigned char *b = br_ssl_engine_recvapp_buf(ce, &len);

			if (len > sizeof(got) - recvd)
				len = sizeof(got) - recvd;
			memcpy(got + recvd, b, len);
			br_ssl_engine_recvapp_ack(ce, len);
			recvd += len;
		}
		client_io(ce, sv[1]);
		if (req_len != 4) {
			n = tls_conn_read(t, sv[0], req, sizeof(req));
			if (n > 0) {
				CHECK(bytes_eq((unsigned char *)req, (size_t)n,
				    "ping", 4));
				req_len = 4;
			} else {
				CHECK(n < 0 && errno == EAGAIN);
			}
		} else if (sent < sizeof(big)) {
			n = tls_conn_write(t, sv[0], big + sent, sizeof(big) - sent);
			if (n > 0) {
				CHECK(n <= 16384);
				sent += (size_t)n;
			} else {
				CHECK(n < 0 && errno == EAGAIN);
				CHECK(tls_conn_want(t) & EPOLLOUT);
			}
		} else {
			(void)tls_conn_flush(t, sv[0]);
		}
	}
	CHECK_INT(br_ssl_engine_last_error(ce), 0);
	CHECK(tls_conn_established(t));
	CHECK_STR(tls_conn_describe(t, e, sizeof(e)), want_desc);
	CHECK_INT(recvd, sizeof(big));
	CHECK(memcmp(got, big, sizeof(big)) == 0);

	/* The client closes: the server's read gives 0, the error "closed". */
	br_ssl_engine_close(ce);
	for (step = 0; step < 1000; step++) {
		client_io(ce, sv[1]);
		n = tls_conn_read(t, sv[0], req, sizeof(req));
		if (n >= 0)
			break;
	}
	CHECK_INT(n, 0);
	CHECK(tls_conn_closed(t));
	CHECK_INT(tls_conn_want(t), 0);
	CHECK_STR(tls_conn_error(t, e, sizeof(e)), "closed");
	CHECK_INT(tls_conn_write(t, sv[0], "x", 1), -1);
	CHECK_INT(errno, EPIPE);
	close(sv[0]);
	close(sv[1]);
	free(cl);
	free(t);
	tls_creds_free(creds);
	free(creds);
}

TEST(conn_exchange_aes_gcm)
{
	conn_exchange(BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	    "TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256");
}

TEST(conn_exchange_chacha20)
{
	conn_exchange(BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	    "TLSv1.2 ECDHE-ECDSA-CHACHA20-POLY1305");
}

/* Bytes a bad client sends, and what the server must say. */
static void
conn_refuses(const void *data, size_t len, int close_after, ssize_t want_rc,
    const char *want_err)
{
	struct tls_creds *creds = test_creds();
	struct tls_conn *t = malloc(sizeof(*t));
	char buf[64], e[TLS_CONN_ERROR_SIZE];
	int sv[2], i;
	ssize_t n = -1;

	CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	CHECK_INT(tls_conn_init(t, creds), 0);
	CHECK_INT(write(sv[1], data, len), len);
	if (close_after)
		shutdown(sv[1], SHUT_WR);
	for (i = 0; i < 10; i++) {
		n = tls_conn_read(t, sv[0], buf, sizeof(buf));
		if (!(n < 0 && errno == EAGAIN))
			break;
	}
	CHECK_INT(n, want_rc);
	if (n < 0)
		CHECK_INT(errno, EPROTO);
	CHECK(tls_conn_closed(t));
	CHECK(!tls_conn_established(t));
	CHECK_INT(tls_conn_want(t), 0);
	CHECK_STR(tls_conn_error(t, e, sizeof(e)), want_err);
	close(sv[0]);
	close(sv[1]);
	free(t);
	tls_creds_free(creds);
	free(creds);
}

TEST(conn_refuses_bad_clients)
{
	static const char http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	static const unsigned char garbage[] = { 0x00, 0x01, 0x02, 0x03, 0x04,
	    0x05, 0x06, 0x07, 0x08, 0x09 };
	/* A TLS 1.0 ClientHello record header with a broken body. */
	static const unsigned char badhello[] = { 0x16, 0x03, 0x01, 0x00, 0x05,
	    0x01, 0x00, 0x00, 0x01, 0x00 };
	static const unsigned char partial[] = { 0x16, 0x03, 0x01 };

	conn_refuses(http, strlen(http), 0, -1,
	    "plain HTTP request on the HTTPS port");
	conn_refuses(garbage, sizeof(garbage), 0, -1,
	    "not TLS: the first byte is 0x00, not a handshake record");
	conn_refuses(badhello, sizeof(badhello), 0, -1,
	    "invalid handshake message (bad length or parameter)");
	conn_refuses(partial, sizeof(partial), 1, 0,
	    "client closed the connection during the handshake");
}
