/*
 * Self-signed certificates: subjectAltName parsing, generation
 * (RFC 5280 4.1) and the check that a stored one still suits.
 *
 *   Certificate  ::=  SEQUENCE  {
 *        tbsCertificate       TBSCertificate,
 *        signatureAlgorithm   AlgorithmIdentifier,
 *        signatureValue       BIT STRING  }
 *   TBSCertificate  ::=  SEQUENCE  {
 *        version         [0]  EXPLICIT Version DEFAULT v1,
 *        serialNumber         CertificateSerialNumber,
 *        signature            AlgorithmIdentifier,
 *        issuer               Name,
 *        validity             Validity,
 *        subject              Name,
 *        subjectPublicKeyInfo SubjectPublicKeyInfo,
 *        extensions      [3]  EXPLICIT Extensions OPTIONAL }
 *   Extension  ::=  SEQUENCE  {
 *        extnID      OBJECT IDENTIFIER,
 *        critical    BOOLEAN DEFAULT FALSE,
 *        extnValue   OCTET STRING }
 */
#include <arpa/inet.h>
#include <string.h>

#include <bearssl.h>

#include "common/civil.h"
#include "common/log.h"
#include "tls/tls_cert.h"
#include "tls/tls_der.h"
#include "tls/tls_internal.h"

#define SUBJECT_CN      "pxestick"

static const uint32_t oid_ecdsa_sha256[] = { 1, 2, 840, 10045, 4, 3, 2 };
static const uint32_t oid_ec_public_key[] = { 1, 2, 840, 10045, 2, 1 };
static const uint32_t oid_prime256v1[] = { 1, 2, 840, 10045, 3, 1, 7 };
static const uint32_t oid_common_name[] = { 2, 5, 4, 3 };
static const uint32_t oid_san[] = { 2, 5, 29, 17 };
static const uint32_t oid_basic_constraints[] = { 2, 5, 29, 19 };
static const uint32_t oid_key_usage[] = { 2, 5, 29, 15 };
static const uint32_t oid_ext_key_usage[] = { 2, 5, 29, 37 };
static const uint32_t oid_server_auth[] = { 1, 3, 6, 1, 5, 5, 7, 3, 1 };

#define OID(w, a) tls_der_oid((w), (a), sizeof(a) / sizeof((a)[0]))

/* ---- subjectAltNames ---- */

static int
dns_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-';
}

int
tls_san_parse(struct tls_san *san, const char *s, char *err, size_t errlen)
{
	char q[96];
	size_t len, i, label = 0;

	memset(san, 0, sizeof(*san));
	len = strlen(s);
	log_escape(q, sizeof(q), s, len);
	if (inet_pton(AF_INET, s, san->data) == 1) {
		san->type = TLS_SAN_IP;
		san->len = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, san->data) == 1) {
		san->type = TLS_SAN_IP;
		san->len = 16;
		return 0;
	}
	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0)
		return tls_fail(err, errlen, "subjectAltName \"%s\": empty", q);
	if (len > TLS_MAX_DNS_NAME)
		return tls_fail(err, errlen,
		    "subjectAltName \"%s\": longer than %d bytes", q,
		    TLS_MAX_DNS_NAME);
	for (i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (label == 0 || label > 63)
				return tls_fail(err, errlen,
				    "subjectAltName \"%s\": not an IP address, "
				    "and a DNS label is empty or longer than 63", q);
			if (s[i - 1] == '-' || s[i - label] == '-')
				return tls_fail(err, errlen,
				    "subjectAltName \"%s\": a DNS label starts "
				    "or ends with '-'", q);
			if (i < len)
				san->data[i] = '.';
			label = 0;
			continue;
		}
		if (!dns_char(s[i]))
			return tls_fail(err, errlen,
			    "subjectAltName \"%s\": neither an IP address nor "
			    "a DNS name (letters, digits, '-', '.')", q);
		label++;
		san->data[i] = (unsigned char)(s[i] >= 'A' && s[i] <= 'Z' ?
		    s[i] - 'A' + 'a' : s[i]);
	}
	/* RFC 3696 2: a top-level label is never all digits; such a name
	 * is a mistyped address ("10.0.0.256", "10.1"). */
	for (i = len; i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9'; i--)
		;
	if (i == 0 || s[i - 1] == '.')
		return tls_fail(err, errlen,
		    "subjectAltName \"%s\": not a valid IP address", q);
	san->type = TLS_SAN_DNS;
	san->len = len;
	return 0;
}

/* IP addresses before DNS names, then shorter first, then bytes. */
static int
san_cmp(const struct tls_san *a, const struct tls_san *b)
{
	if (a->type != b->type)
		return a->type == TLS_SAN_IP ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(a->data, b->data, a->len);
}

/* The names in canonical order without duplicates, as pointers into
 * sans; n MUST be at most TLS_MAX_SANS.  Returns how many are left. */
static size_t
san_sort(const struct tls_san *order[TLS_MAX_SANS], const struct tls_san *sans,
    size_t n)
{
	size_t i, j, k = 0;

	for (i = 0; i < n; i++) {
		const struct tls_san *s = &sans[i];
		int dup = 0;

		for (j = k; j > 0; j--) {
			int c = san_cmp(order[j - 1], s);

			if (c == 0)
				dup = 1;
			if (c <= 0)
				break;
		}
		if (dup)
			continue;
		memmove(&order[j + 1], &order[j], (k - j) * sizeof(order[0]));
		order[j] = s;
		k++;
	}
	return k;
}

/* ---- writing ---- */

static void
put_name(struct tls_der *w)
{
	size_t name, rdn, atv;

	name = tls_der_begin(w, DER_SEQUENCE);
	rdn = tls_der_begin(w, DER_SET);
	atv = tls_der_begin(w, DER_SEQUENCE);
	OID(w, oid_common_name);
	tls_der_tlv(w, DER_UTF8_STRING, SUBJECT_CN, strlen(SUBJECT_CN));
	tls_der_end(w, atv);
	tls_der_end(w, rdn);
	tls_der_end(w, name);
}

static void
put_alg_ecdsa_sha256(struct tls_der *w)
{
	size_t alg;

	/* RFC 5758 3.2: the parameters field MUST be absent. */
	alg = tls_der_begin(w, DER_SEQUENCE);
	OID(w, oid_ecdsa_sha256);
	tls_der_end(w, alg);
}

static void
put_san_ext(struct tls_der *w, const struct tls_san *const *order, size_t n)
{
	size_t ext, val, names, i;

	ext = tls_der_begin(w, DER_SEQUENCE);
	OID(w, oid_san);
	val = tls_der_begin(w, DER_OCTET_STRING);
	names = tls_der_begin(w, DER_SEQUENCE);
	for (i = 0; i < n; i++)
		tls_der_tlv(w, DER_CONTEXT(order[i]->type), order[i]->data,
		    order[i]->len);
	tls_der_end(w, names);
	tls_der_end(w, val);
	tls_der_end(w, ext);
}

static void
put_extensions(struct tls_der *w, const struct tls_san *const *order, size_t n)
{
	/* keyUsage: digitalSignature is bit 0; DER drops trailing zero
	 * bits (X.690 11.2.2), so: 7 unused bits, then 0x80. */
	static const unsigned char ku_digital_signature[] = { 0x07, 0x80 };
	size_t exts, list, ext, val, seq;

	exts = tls_der_begin(w, DER_CONTEXT_CONS(3));
	list = tls_der_begin(w, DER_SEQUENCE);

	/* RFC 5280 4.2.1.6: not critical, the subject is not empty. */
	if (n > 0)
		put_san_ext(w, order, n);

	/* cA FALSE is the DEFAULT, so the SEQUENCE is empty in DER. */
	ext = tls_der_begin(w, DER_SEQUENCE);
	OID(w, oid_basic_constraints);
	tls_der_bool(w, 1);
	val = tls_der_begin(w, DER_OCTET_STRING);
	seq = tls_der_begin(w, DER_SEQUENCE);
	tls_der_end(w, seq);
	tls_der_end(w, val);
	tls_der_end(w, ext);

	ext = tls_der_begin(w, DER_SEQUENCE);
	OID(w, oid_key_usage);
	tls_der_bool(w, 1);
	val = tls_der_begin(w, DER_OCTET_STRING);
	tls_der_tlv(w, DER_BIT_STRING, ku_digital_signature,
	    sizeof(ku_digital_signature));
	tls_der_end(w, val);
	tls_der_end(w, ext);

	ext = tls_der_begin(w, DER_SEQUENCE);
	OID(w, oid_ext_key_usage);
	val = tls_der_begin(w, DER_OCTET_STRING);
	seq = tls_der_begin(w, DER_SEQUENCE);
	OID(w, oid_server_auth);
	tls_der_end(w, seq);
	tls_der_end(w, val);
	tls_der_end(w, ext);

	tls_der_end(w, list);
	tls_der_end(w, exts);
}

/* The same time of day, years later (29 February becomes the 28th). */
static int64_t
add_years(int64_t t, unsigned years)
{
	int64_t days = t / 86400, secs = t % 86400, y;
	unsigned m, d;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	y += years;
	if (m == 2 && d == 29)
		d = 28;
	return civil_to_days(y, m, d) * 86400 + secs;
}

int
tls_cert_create(struct tls_cert_new *out, const struct tls_san *sans,
    size_t n_sans, int64_t now, const br_prng_class **rng,
    char *err, size_t errlen)
{
	const br_ec_impl *ec = br_ec_get_default();
	const struct tls_san *order[TLS_MAX_SANS];
	unsigned char kbuf[BR_EC_KBUF_PRIV_MAX_SIZE];
	unsigned char pbuf[BR_EC_KBUF_PUB_MAX_SIZE];
	unsigned char serial[16], hash[32], sig[80];
	br_ec_private_key sk;
	br_ec_public_key pk;
	br_sha256_context sha;
	struct tls_der w;
	size_t n, cert, tbs, tbs_off, v, validity, spki, alg, siglen, klen;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (n_sans > TLS_MAX_SANS)
		return tls_fail(err, errlen, "more than %d subjectAltNames",
		    TLS_MAX_SANS);
	/* Years past 9999 cannot be written. */
	if (now < 0 || now > 253402300799 - 11 * 366 * 86400LL)
		return tls_fail(err, errlen, "the clock is out of range");
	if (br_ec_keygen(rng, ec, &sk, kbuf, BR_EC_secp256r1) == 0 ||
	    br_ec_compute_pub(ec, &pk, pbuf, &sk) == 0) {
		tls_fail(err, errlen, "P-256 key generation failed");
		goto done;
	}
	(*rng)->generate(rng, serial, sizeof(serial));
	/* RFC 5280 4.1.2.2: positive, at most 20 bytes; 0x40 keeps it
	 * 16 bytes long and nonzero. */
	serial[0] = (unsigned char)((serial[0] & 0x7f) | 0x40);
	n = san_sort(order, sans, n_sans);

	tls_der_init(&w, out->cert, sizeof(out->cert));
	cert = tls_der_begin(&w, DER_SEQUENCE);
	tbs_off = w.len;
	tbs = tls_der_begin(&w, DER_SEQUENCE);
	v = tls_der_begin(&w, DER_CONTEXT_CONS(0));
	tls_der_int(&w, 2);                     /* v3 */
	tls_der_end(&w, v);
	tls_der_uint(&w, serial, sizeof(serial));
	put_alg_ecdsa_sha256(&w);
	put_name(&w);
	validity = tls_der_begin(&w, DER_SEQUENCE);
	tls_der_time(&w, now - 86400);
	tls_der_time(&w, add_years(now, TLS_CERT_VALID_YEARS));
	tls_der_end(&w, validity);
	put_name(&w);
	spki = tls_der_begin(&w, DER_SEQUENCE);
	alg = tls_der_begin(&w, DER_SEQUENCE);
	OID(&w, oid_ec_public_key);
	OID(&w, oid_prime256v1);
	tls_der_end(&w, alg);
	tls_der_bits(&w, pk.q, pk.qlen);        /* uncompressed point */
	tls_der_end(&w, spki);
	put_extensions(&w, order, n);
	tls_der_end(&w, tbs);
	if (tls_der_failed(&w)) {
		tls_fail(err, errlen, "certificate larger than %u bytes",
		    (unsigned)TLS_MAX_GEN_CERT);
		goto done;
	}

	/* The signature covers the DER TBSCertificate, header included. */
	br_sha256_init(&sha);
	br_sha256_update(&sha, out->cert + tbs_off, w.len - tbs_off);
	br_sha256_out(&sha, hash);
	siglen = br_ecdsa_sign_asn1_get_default()(ec, &br_sha256_vtable, hash,
	    &sk, sig);
	if (siglen == 0) {
		tls_fail(err, errlen, "ECDSA signing failed");
		goto done;
	}
	put_alg_ecdsa_sha256(&w);
	tls_der_bits(&w, sig, siglen);
	tls_der_end(&w, cert);
	if (tls_der_failed(&w)) {
		tls_fail(err, errlen, "certificate larger than %u bytes",
		    (unsigned)TLS_MAX_GEN_CERT);
		goto done;
	}
	out->cert_len = w.len;

	klen = br_encode_ec_pkcs8_der(NULL, &sk, &pk);
	if (klen == 0 || klen > sizeof(out->key)) {
		tls_fail(err, errlen, "cannot encode the private key");
		goto done;
	}
	out->key_len = br_encode_ec_pkcs8_der(out->key, &sk, &pk);
	rc = 0;
done:
	tls_wipe(kbuf, sizeof(kbuf));
	tls_wipe(&sk, sizeof(sk));
	if (rc != 0)
		tls_wipe(out, sizeof(*out));
	return rc;
}

/* ---- checking a stored certificate ---- */

struct dn_buf {
	unsigned char buf[1024];
	size_t len;
	int overflow;
};

static void
dn_append(void *ctx, const void *data, size_t len)
{
	struct dn_buf *d = ctx;

	if (d->overflow || len > sizeof(d->buf) - d->len) {
		d->overflow = 1;
		return;
	}
	memcpy(d->buf + d->len, data, len);
	d->len += len;
}

/* Validate cert against itself as the trust anchor at time t: its
 * signature, its validity period.  The BR_ERR_X509_* code, or 0. */
static int
verify_self(const unsigned char *cert, size_t len, const br_x509_trust_anchor *ta,
    int64_t t)
{
	br_x509_minimal_context xc;
	const br_x509_class **vt = &xc.vtable;
	int64_t days = t / 86400, secs = t % 86400;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	br_x509_minimal_init_full(&xc, ta, 1);
	br_x509_minimal_set_time(&xc, (uint32_t)(days + TLS_DAYS_TO_EPOCH),
	    (uint32_t)secs);
	(*vt)->start_chain(vt, NULL);
	(*vt)->start_cert(vt, (uint32_t)len);
	(*vt)->append(vt, cert, len);
	(*vt)->end_cert(vt);
	return (int)(*vt)->end_chain(vt);
}

int
tls_cert_check(const unsigned char *cert, size_t len,
    const struct tls_san *sans, size_t n_sans, int64_t now,
    char *err, size_t errlen)
{
	static const unsigned char san_oid_der[] = { 0x06, 0x03, 0x55, 0x1d, 0x11 };
	const struct tls_san *order[TLS_MAX_SANS];
	unsigned char ext[TLS_MAX_GEN_CERT];
	br_x509_decoder_context dc;
	br_x509_trust_anchor ta;
	const br_x509_pkey *pk;
	struct dn_buf dn;
	struct tls_der w;
	size_t n;
	int e;

	if (n_sans > TLS_MAX_SANS)
		return tls_fail(err, errlen, "more than %d subjectAltNames",
		    TLS_MAX_SANS);
	memset(&dn, 0, sizeof(dn));
	br_x509_decoder_init(&dc, dn_append, &dn);
	br_x509_decoder_push(&dc, cert, len);
	pk = br_x509_decoder_get_pkey(&dc);
	if (pk == NULL || dn.overflow) {
		tls_fail(err, errlen, "the certificate does not decode "
		    "(BearSSL error %d)", br_x509_decoder_last_error(&dc));
		return 1;
	}
	memset(&ta, 0, sizeof(ta));
	ta.dn.data = dn.buf;
	ta.dn.len = dn.len;
	ta.flags = BR_X509_TA_CA;
	ta.pkey = *pk;
	e = verify_self(cert, len, &ta, now);
	if (e != 0) {
		tls_fail(err, errlen, e == BR_ERR_X509_EXPIRED ?
		    "the certificate is expired or not yet valid" :
		    "the certificate does not verify (BearSSL error %d)", e);
		return 1;
	}
	if (verify_self(cert, len, &ta,
	    now + (int64_t)TLS_CERT_RENEW_DAYS * 86400) != 0) {
		tls_fail(err, errlen, "the certificate expires within %d days",
		    TLS_CERT_RENEW_DAYS);
		return 1;
	}

	/*
	 * The names: tls_cert_create() writes them in canonical order, so
	 * the extension it would write for sans now appears byte for byte
	 * in cert exactly when the names are the same.  Its length header
	 * keeps a shorter or longer list from matching.
	 */
	n = san_sort(order, sans, n_sans);
	if (n == 0) {
		if (memmem(cert, len, san_oid_der, sizeof(san_oid_der)) != NULL) {
			tls_fail(err, errlen, "the certificate has "
			    "subjectAltNames, none are wanted");
			return 1;
		}
		return 0;
	}
	tls_der_init(&w, ext, sizeof(ext));
	put_san_ext(&w, order, n);
	if (tls_der_failed(&w))
		return tls_fail(err, errlen, "subjectAltNames too long");
	if (memmem(cert, len, ext, w.len) == NULL) {
		tls_fail(err, errlen, "the certificate's subjectAltNames differ "
		    "from the wanted ones");
		return 1;
	}
	return 0;
}
