/*
 * services/keyinject: the authorized_keys line parser, the file scanner and
 * the script.cfg generator; and services/common/base64.
 *
 * Every line is parsed from an exactly-sized heap copy (no NUL after it),
 * so ASan sees a one-byte over-read.  Keys of real types come from
 * ssh-keygen (OpenSSH 9.2); security-key (sk-*) blobs, which need hardware
 * to make, and broken blobs are built here field by field.
 */
#include "harness.h"

#include <stdlib.h>

#include <bearssl.h>

#include "common/base64.h"
#include "keyinject/keys.h"

#define ED25519_B64 "AAAAC3NzaC1lZDI1NTE5AAAAIP5RxGyNW3QlffDHvF+lIbalr8KD6C3kCMuhuDk666FH"
#define ED25519_FP  "SHA256:JbEqLXRocq8DL1fgQUOm51Y1f2E0Rt+InbE3Rnz27Iw"
#define P256_B64 "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBN0J1qyeajftpsWl1dwt" \
	"mJUT20kz4lRodm+sA2qfw/qFqOiL0Df82RZWayoPcYJGwJfEyc5Y8I76ZsUK6XaMSCc="
#define P384_B64 "AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBICSLUI4frhIFsyUVaF1" \
	"jSzouM1ACAg3itRsVP8bf6WdxQwlSdBo4LOw5XdQc2h/c928UnO083Q/3b1FvQEaLlHrJu329X6m" \
	"lL6I3qzRQlsakmO4KkSnDZC2G9BjYJkJOA=="
#define P521_B64 "AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBAA/wYllXqsN0OOfJeXY" \
	"A2AFeVnimdX3XmrBvW1El1erpGsMaj9VCH/bsGARuvDB9kp3fTiU5sZd0QjmSWIznc+VawAmyi1G" \
	"CE2jiQzf+M5OOSDYcesWVLbbG0hnoVgGLGGTRbE/cYObsBga+npZ5iecjKEztLd4WPkf0qXxgjfM" \
	"u++VzA=="
#define RSA2048_B64 "AAAAB3NzaC1yc2EAAAADAQABAAABAQDMlfsRv2oBWQk6UzCvV2tzRJQblLHArsoQI4haTk" \
	"nP4DRdlFrFUBh8O4kviTLqYYoBftjXmh+XUBLuagGNKjuuMc3kGRjHi04O8IrfVzXUvRy6JJktru8n" \
	"93zw8XIeJ9mbGYK5ONLI9Dn7KRLrBvyZUfaO6MOulYL0iINQKMGt2qyXS4l/TkB0S3fZpySG7wijcj" \
	"WyXgRZrb503moBLbD6tHpCzSq+FMfLztwXP5qNw2E0EgusSjo3aDpULUUUQs1Sk6ODvRgH88dmXMUy" \
	"chyXA+On5IOiL+vPrb0PvzEwKHE++Xx9rb1aUNoPnMuYetUx0MoInIMC+pTWP3l8dDMj"
#define RSA1024_B64 "AAAAB3NzaC1yc2EAAAADAQABAAAAgQCk5IquB3KNuBOS/vcAiysEttZVE2Dd29BrnXj5FL" \
	"xZpNKw6UAYhqFV6jNP9U9+EsvYhpqJtzsxheP0GORTT3LpELVCBH7CPf+iYJF3Fqk33St92nY1EF14" \
	"qw81xicmblvbPY+F+I4VGWe5vjGQuyJnXhxZ3U025b91X6Qr2z+XQQ=="

static struct keys_key key;
static struct keys_scan scan;

/* ---- helpers ---- */

/* Parse line from an exactly-sized copy; the copy is returned (free it)
 * because key's pointers point into it. */
static char *
parse_copy(const char *line, size_t len, int *rc)
{
	char *copy = malloc(len > 0 ? len : 1);

	memcpy(copy, line, len);
	*rc = keys_parse_line(&key, copy, len);
	return copy;
}

static int
parse(const char *line)
{
	int rc;

	free(parse_copy(line, strlen(line), &rc));
	return rc;
}

/* A key blob built field by field. */
struct blob {
	unsigned char b[4096];
	size_t len;
};

static void
blob_u32(struct blob *b, uint32_t v)
{
	b->b[b->len++] = (unsigned char)(v >> 24);
	b->b[b->len++] = (unsigned char)(v >> 16);
	b->b[b->len++] = (unsigned char)(v >> 8);
	b->b[b->len++] = (unsigned char)v;
}

static void
blob_str(struct blob *b, const void *p, size_t n)
{
	blob_u32(b, (uint32_t)n);
	memcpy(b->b + b->len, p, n);
	b->len += n;
}

static void
blob_cstr(struct blob *b, const char *s)
{
	blob_str(b, s, strlen(s));
}

/* "PREFIX BASE64(blob) SUFFIX" into a static buffer. */
static const char *
blob_line(const char *prefix, const struct blob *b, const char *suffix)
{
	static char line[8192];
	size_t n = strlen(prefix);

	memcpy(line, prefix, n);
	n += base64_encode(line + n, b->b, b->len, 1);
	strcpy(line + n, suffix);
	return line;
}

static const unsigned char *
p256_generator(size_t *len)
{
	return br_ec_prime_i31.generator(BR_EC_secp256r1, len);
}

static void
blob_sk_ed25519(struct blob *b, const char *app)
{
	unsigned char pk[32];

	memset(pk, 0x11, sizeof(pk));
	b->len = 0;
	blob_cstr(b, "sk-ssh-ed25519@openssh.com");
	blob_str(b, pk, sizeof(pk));
	if (app != NULL)
		blob_cstr(b, app);
}

static void
blob_sk_ecdsa(struct blob *b, const char *curve, const char *app, int flip)
{
	unsigned char q[65];
	size_t qlen;

	memcpy(q, p256_generator(&qlen), sizeof(q));
	q[64] ^= (unsigned char)flip;
	b->len = 0;
	blob_cstr(b, "sk-ecdsa-sha2-nistp256@openssh.com");
	blob_cstr(b, curve);
	blob_str(b, q, sizeof(q));
	if (app != NULL)
		blob_cstr(b, app);
}

/* e = 65537, n = nlen bytes: first byte top, the rest 0xff (odd). */
static void
blob_rsa(struct blob *b, size_t nlen, unsigned char top, int zero_prefix)
{
	static const unsigned char e[3] = { 1, 0, 1 };
	unsigned char n[600];

	b->len = 0;
	blob_cstr(b, "ssh-rsa");
	blob_str(b, e, sizeof(e));
	n[0] = 0;
	n[1] = top;
	memset(n + 2, 0xff, nlen - 1);
	blob_str(b, zero_prefix ? n : n + 1, nlen + (zero_prefix ? 1 : 0));
}

/* ---- base64 ---- */

TEST(base64_decode_strict)
{
	static const struct {
		const char *in;
		enum base64_status st;
		const char *out;
	} cases[] = {
		{ "", BASE64_OK, "" },
		{ "Zg==", BASE64_OK, "f" },
		{ "Zm8=", BASE64_OK, "fo" },
		{ "Zm9v", BASE64_OK, "foo" },
		{ "Zm9vYmFy", BASE64_OK, "foobar" },
		{ "Zm9", BASE64_ELENGTH, NULL },
		{ "Zm9vY", BASE64_ELENGTH, NULL },
		{ "Zh==", BASE64_EPAD, NULL },          /* bits past the byte */
		{ "Zm9=", BASE64_EPAD, NULL },
		{ "Z===", BASE64_ECHAR, NULL },
		{ "====", BASE64_ECHAR, NULL },
		{ "Zg==Zg==", BASE64_ECHAR, NULL },      /* padding inside */
		{ "Zm 9", BASE64_ECHAR, NULL },
		{ "Zm9-", BASE64_ECHAR, NULL },          /* URL alphabet */
		{ "Zm9\xc3", BASE64_ECHAR, NULL },
	};
	unsigned char out[16];
	size_t n;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum base64_status st = base64_decode(out, sizeof(out), cases[i].in,
		    strlen(cases[i].in), &n);

		CHECK_INT(st, cases[i].st);
		if (cases[i].out != NULL) {
			CHECK_INT(n, strlen(cases[i].out));
			CHECK(memcmp(out, cases[i].out, n) == 0);
		}
	}
	CHECK_INT(base64_decode(out, sizeof(out), "Zm 9", 4, &n), BASE64_ECHAR);
	CHECK_INT(n, 2);
	CHECK_INT(base64_decode(out, 2, "Zm9v", 4, &n), BASE64_ESPACE);
	CHECK_INT(base64_decode(out, 2, "Zm8=", 4, &n), BASE64_OK);
}

TEST(base64_encode_round_trip)
{
	char enc[16];
	unsigned char dec[8];
	size_t n;

	CHECK_INT(base64_encode(enc, "f", 1, 1), 4);
	CHECK_STR(enc, "Zg==");
	CHECK_INT(base64_encode(enc, "f", 1, 0), 2);
	CHECK_STR(enc, "Zg");
	CHECK_INT(base64_encode(enc, "fo", 2, 0), 3);
	CHECK_STR(enc, "Zm8");
	CHECK_INT(base64_encode(enc, "foob", 4, 1), 8);
	CHECK_STR(enc, "Zm9vYg==");
	CHECK_INT(base64_encode(enc, "", 0, 1), 0);
	CHECK_STR(enc, "");
	for (unsigned len = 0; len <= 8; len++) {
		unsigned char src[8] = { 0xff, 0x00, 0xfe, 0x01, 0x80, 0x7f, 0x3e, 0x3f };

		base64_encode(enc, src, len, 1);
		CHECK_INT(base64_decode(dec, sizeof(dec), enc, strlen(enc), &n), BASE64_OK);
		CHECK_INT(n, len);
		CHECK(memcmp(dec, src, len) == 0);
	}
}

/* ---- good lines ---- */

TEST(keys_parse_good_lines)
{
	static const struct {
		const char *line;
		enum keys_type type;
		unsigned bits;
		const char *comment;    /* NULL: none */
		const char *options;    /* NULL: none */
	} cases[] = {
		{ "ssh-ed25519 " ED25519_B64, KEYS_TYPE_ED25519, 256, NULL, NULL },
		{ "ssh-ed25519 " ED25519_B64 " a@b", KEYS_TYPE_ED25519, 256, "a@b", NULL },
		{ "  \tssh-ed25519\t" ED25519_B64 "  two  words \t ", KEYS_TYPE_ED25519, 256,
		    "two  words", NULL },
		{ "ssh-ed25519 " ED25519_B64 " x\r", KEYS_TYPE_ED25519, 256, "x", NULL },
		{ "ssh-ed25519 " ED25519_B64 " # not a comment line", KEYS_TYPE_ED25519, 256,
		    "# not a comment line", NULL },
		{ "ssh-ed25519 " ED25519_B64 " $(touch /tmp/x) `id`; '\"", KEYS_TYPE_ED25519,
		    256, "$(touch /tmp/x) `id`; '\"", NULL },
		{ "ssh-ed25519 " ED25519_B64 " Jos\xc3\xa9", KEYS_TYPE_ED25519, 256,
		    "Jos\xc3\xa9", NULL },
		{ "ecdsa-sha2-nistp256 " P256_B64, KEYS_TYPE_ECDSA_P256, 256, NULL, NULL },
		{ "ecdsa-sha2-nistp384 " P384_B64 " c", KEYS_TYPE_ECDSA_P384, 384, "c", NULL },
		{ "ecdsa-sha2-nistp521 " P521_B64 " c", KEYS_TYPE_ECDSA_P521, 521, "c", NULL },
		{ "ssh-rsa " RSA2048_B64 " r", KEYS_TYPE_RSA, 2048, "r", NULL },
		{ "no-pty ssh-ed25519 " ED25519_B64, KEYS_TYPE_ED25519, 256, NULL, "no-pty" },
		{ "restrict,pty,No-X11-Forwarding ssh-ed25519 " ED25519_B64 " c",
		    KEYS_TYPE_ED25519, 256, "c", "restrict,pty,No-X11-Forwarding" },
		{ "command=\"echo \\\"hi there\\\"\",from=\"10.0.0.0/8,!10.0.0.1\" ssh-ed25519 "
		    ED25519_B64, KEYS_TYPE_ED25519, 256, NULL,
		    "command=\"echo \\\"hi there\\\"\",from=\"10.0.0.0/8,!10.0.0.1\"" },
		{ "cert-authority,principals=\"a,b\",environment=\"LANG=C\",tunnel=\"any\" "
		    "ssh-ed25519 " ED25519_B64, KEYS_TYPE_ED25519, 256, NULL,
		    "cert-authority,principals=\"a,b\",environment=\"LANG=C\",tunnel=\"any\"" },
		{ "expiry-time=\"20301231\",expiry-time=\"203012312359Z\",tunnel=\"7\" "
		    "ssh-ed25519 " ED25519_B64, KEYS_TYPE_ED25519, 256, NULL,
		    "expiry-time=\"20301231\",expiry-time=\"203012312359Z\",tunnel=\"7\"" },
		{ "permitopen=\"host:22\",permitopen=\"[::1]:*\",permitopen=\"h/80\","
		    "permitlisten=\"8080\",permitlisten=\"localhost:2222\" ssh-ed25519 "
		    ED25519_B64, KEYS_TYPE_ED25519, 256, NULL,
		    "permitopen=\"host:22\",permitopen=\"[::1]:*\",permitopen=\"h/80\","
		    "permitlisten=\"8080\",permitlisten=\"localhost:2222\"" },
		{ "no-agent-forwarding,no-port-forwarding,no-user-rc,no-touch-required,"
		    "verify-required,agent-forwarding,port-forwarding,user-rc,X11-forwarding,"
		    "no-verify-required,touch-required ssh-ed25519 " ED25519_B64,
		    KEYS_TYPE_ED25519, 256, NULL,
		    "no-agent-forwarding,no-port-forwarding,no-user-rc,no-touch-required,"
		    "verify-required,agent-forwarding,port-forwarding,user-rc,X11-forwarding,"
		    "no-verify-required,touch-required" },
		{ "command=\"a\\b\" ssh-ed25519 " ED25519_B64, KEYS_TYPE_ED25519, 256, NULL,
		    "command=\"a\\b\"" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc;
		char *copy = parse_copy(cases[i].line, strlen(cases[i].line), &rc);

		if (rc != KEYS_KEY)
			printf("#   case %zu: %s\n", i, key.error);
		CHECK_INT(rc, KEYS_KEY);
		CHECK_STR(key.error, "");
		CHECK_INT(key.type, cases[i].type);
		CHECK_INT(key.bits, cases[i].bits);
		if (cases[i].comment == NULL) {
			CHECK(key.comment == NULL);
		} else {
			CHECK_INT(key.comment_len, strlen(cases[i].comment));
			CHECK(key.comment != NULL &&
			    memcmp(key.comment, cases[i].comment, key.comment_len) == 0);
		}
		if (cases[i].options == NULL) {
			CHECK(key.options == NULL);
		} else {
			CHECK_INT(key.options_len, strlen(cases[i].options));
			CHECK(key.options != NULL &&
			    memcmp(key.options, cases[i].options, key.options_len) == 0);
		}
		free(copy);
	}
}

TEST(keys_parse_skips_blank_and_comment_lines)
{
	static const char *lines[] = { "", " ", "\t \t", "\r", "#", "# ssh-ed25519 x",
	    "   # indented", "#\x1b[31m control bytes in a comment line are fine" };

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		CHECK_INT(parse(lines[i]), KEYS_SKIP);
		CHECK_STR(key.error, "");
	}
}

/* ---- bad lines, each with its exact message ---- */

TEST(keys_parse_bad_lines)
{
	static const struct {
		const char *line;
		const char *error;
	} cases[] = {
		{ "ssh-ed25519", "no key data after 'ssh-ed25519'" },
		{ "ssh-ed25519 AAAA", "key data ends before the key type" },
		{ "ssh-ed25519 AAAAC3Nz!C1lZDI1NTE5AAAAIP5RxGyNW3QlffDHvF+lIbalr8KD6C3kCMuhuDk666FH",
		    "key data is not base64: bad character 0x21 at offset 8" },
		{ "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIP5RxGyNW3QlffDHvF+lIbalr8KD6C3kCMuhuDk666F",
		    "key data is not base64: 67 characters, not a multiple of 4 (cut short?)" },
		{ "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIP5RxGyNW3QlffDHvF+lIbalr8KD6C3kCMuhuDk66===",
		    "key data is not base64: bad character 0x3d at offset 65" },
		{ "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIP5RxGyNW3QlffDHvF+lIbalr8KD6C3kCMuhuDk66R==",
		    "key data is not base64: bad padding at the end" },
		{ "ssh-rsa " ED25519_B64,
		    "key data is of type 'ssh-ed25519', but the line says 'ssh-rsa'" },
		{ "ecdsa-sha2-nistp384 " P256_B64,
		    "key data is of type 'ecdsa-sha2-nistp256', but the line says "
		    "'ecdsa-sha2-nistp384'" },
		{ "ssh-rsa " RSA1024_B64 " old", "RSA key has 1024 bits, at least 2048 are needed" },
		{ "ssh-dss AAAAB3NzaC1kc3M=", "DSA keys (ssh-dss) are not supported; "
		    "make one with 'ssh-keygen -t ed25519'" },
		{ "ssh-ed25519-cert-v01@openssh.com AAAAIHNzaA==",
		    "certificates (ssh-ed25519-cert-v01@openssh.com) are not supported" },
		{ "ssh-foo AAAA", "unsupported key type 'ssh-foo'" },
		{ "foo AAAAC3Nz", "unsupported key type 'foo'" },
		{ ED25519_B64 " comment", "no key type before the key data" },
		{ "no-pty " ED25519_B64, "no key type before the key data" },
		{ "no-pty", "options but no key type after them" },
		{ "no-pty ssh-foo AAAA", "unsupported key type 'ssh-foo'" },
		{ "foo ssh-ed25519 " ED25519_B64, "options: unknown option 'foo'" },
		{ "no-pty,bogus=\"1\" ssh-ed25519 " ED25519_B64,
		    "options: unknown option 'bogus'" },
		{ "no-restrict ssh-ed25519 " ED25519_B64,
		    "options: unknown option 'no-restrict'" },
		{ "ptyx ssh-ed25519 " ED25519_B64, "options: unknown option 'ptyx'" },
		{ "command=\"x ssh-ed25519 " ED25519_B64, "options: missing end quote" },
		{ "command=x ssh-ed25519 " ED25519_B64,
		    "options: command= needs a value in double quotes" },
		{ "command ssh-ed25519 " ED25519_B64,
		    "options: command needs a value (command=\"...\")" },
		{ "No-Pty=\"1\" ssh-ed25519 " ED25519_B64, "options: No-Pty takes no value" },
		{ "no-pty, ssh-ed25519 " ED25519_B64, "options: a comma ends the list" },
		{ "command=\"a\"x ssh-ed25519 " ED25519_B64,
		    "options: expected ',' after an option, found 0x78" },
		{ "command=\"a\",command=\"b\" ssh-ed25519 " ED25519_B64,
		    "options: \"command\" given twice" },
		{ "principals=\"a\",principals=\"b\" ssh-ed25519 " ED25519_B64,
		    "options: \"principals\" given twice" },
		{ "expiry-time=\"2030\" ssh-ed25519 " ED25519_B64,
		    "options: bad expiry-time value \"2030\"" },
		{ "expiry-time=\"20301331\" ssh-ed25519 " ED25519_B64,
		    "options: bad expiry-time value \"20301331\"" },
		{ "environment=\"NOVALUE\" ssh-ed25519 " ED25519_B64,
		    "options: bad environment value \"NOVALUE\"" },
		{ "environment=\"A-B=1\" ssh-ed25519 " ED25519_B64,
		    "options: bad environment value \"A-B=1\"" },
		{ "permitopen=\"host\" ssh-ed25519 " ED25519_B64,
		    "options: bad permitopen value \"host\"" },
		{ "permitopen=\"host:0\" ssh-ed25519 " ED25519_B64,
		    "options: bad permitopen value \"host:0\"" },
		{ "permitlisten=\"65536\" ssh-ed25519 " ED25519_B64,
		    "options: bad permitlisten value \"65536\"" },
		{ "tunnel=\"x\" ssh-ed25519 " ED25519_B64, "options: bad tunnel value \"x\"" },
		{ "ssh-ed25519 " ED25519_B64 " \x1b[2Jgotcha", "control character 0x1b at column 82" },
		{ "ssh-ed25519 " ED25519_B64 " a\rb", "control character 0x0d at column 83" },
		{ "ssh-ed25519 " ED25519_B64 " a\x7f", "control character 0x7f at column 83" },
		{ "-----BEGIN OPENSSH PRIVATE KEY-----",
		    "a PEM block (a private key?): use the .pub file instead" },
		{ "---- BEGIN SSH2 PUBLIC KEY ----",
		    "an RFC 4716 public key: convert it with 'ssh-keygen -i -f FILE'" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = parse(cases[i].line);

		if (strcmp(key.error, cases[i].error) != 0)
			printf("#   case %zu\n", i);
		CHECK_INT(rc, KEYS_BAD);
		CHECK_STR(key.error, cases[i].error);
		CHECK_INT(key.type, KEYS_TYPE_NONE);
	}
}

TEST(keys_parse_nul_byte)
{
	static const char line[] = "ssh-ed25519 " ED25519_B64 " a\0b";
	int rc;

	free(parse_copy(line, sizeof(line) - 1, &rc));
	CHECK_INT(rc, KEYS_BAD);
	CHECK_STR(key.error, "control character 0x00 at column 83");
}

TEST(keys_parse_line_length_limit)
{
	size_t n = KEYS_MAX_LINE + 1;
	char *line = malloc(n);
	int rc;

	memset(line, 'x', n);
	rc = keys_parse_line(&key, line, n);
	CHECK_INT(rc, KEYS_BAD);
	CHECK_STR(key.error, "line is 16385 bytes long, more than the 16384 allowed");
	/* A CR that ends the line does not count. */
	line[n - 1] = '\r';
	memcpy(line, "#", 1);
	CHECK_INT(keys_parse_line(&key, line, n), KEYS_SKIP);
	free(line);
}

/* ---- crafted blobs: security keys, broken wire format ---- */

TEST(keys_parse_security_keys)
{
	struct blob b;

	blob_sk_ed25519(&b, "ssh:");
	CHECK_INT(parse(blob_line("sk-ssh-ed25519@openssh.com ", &b, " yubi")), KEYS_KEY);
	CHECK_STR(key.error, "");
	CHECK_INT(key.type, KEYS_TYPE_SK_ED25519);
	CHECK_INT(key.bits, 256);
	CHECK_STR(keys_type_label(key.type), "ED25519-SK");

	blob_sk_ecdsa(&b, "nistp256", "ssh:pxestick", 0);
	CHECK_INT(parse(blob_line("no-touch-required sk-ecdsa-sha2-nistp256@openssh.com ",
	    &b, "")), KEYS_KEY);
	CHECK_STR(key.error, "");
	CHECK_INT(key.type, KEYS_TYPE_SK_ECDSA_P256);
	CHECK_INT(key.bits, 256);
	CHECK_STR(keys_type_label(key.type), "ECDSA-SK");
}

TEST(keys_parse_bad_blobs)
{
	struct blob b;
	unsigned char pk[40];
	size_t qlen;

	memset(pk, 0x22, sizeof(pk));

	blob_sk_ed25519(&b, NULL);
	CHECK_INT(parse(blob_line("sk-ssh-ed25519@openssh.com ", &b, "")), KEYS_BAD);
	CHECK_STR(key.error, "key data ends before the security key application");

	blob_sk_ed25519(&b, "");
	CHECK_INT(parse(blob_line("sk-ssh-ed25519@openssh.com ", &b, "")), KEYS_BAD);
	CHECK_STR(key.error, "security key application is empty");

	blob_sk_ed25519(&b, NULL);
	blob_str(&b, "ssh\0x", 5);
	CHECK_INT(parse(blob_line("sk-ssh-ed25519@openssh.com ", &b, "")), KEYS_BAD);
	CHECK_STR(key.error, "security key application holds a NUL byte");

	blob_sk_ecdsa(&b, "nistp384", "ssh:", 0);
	CHECK_INT(parse(blob_line("sk-ecdsa-sha2-nistp256@openssh.com ", &b, "")), KEYS_BAD);
	CHECK_STR(key.error, "ECDSA curve 'nistp384' does not match the type "
	    "sk-ecdsa-sha2-nistp256@openssh.com");

	blob_sk_ecdsa(&b, "nistp256", "ssh:", 1);
	CHECK_INT(parse(blob_line("sk-ecdsa-sha2-nistp256@openssh.com ", &b, "")), KEYS_BAD);
	CHECK_STR(key.error, "ECDSA public point is not on the curve nistp256");

	/* A compressed point (0x02 || X) is refused, as sshd does. */
	b.len = 0;
	blob_cstr(&b, "ecdsa-sha2-nistp256");
	blob_cstr(&b, "nistp256");
	pk[0] = 0x02;
	memcpy(pk + 1, p256_generator(&qlen) + 1, 32);
	blob_str(&b, pk, 33);
	CHECK_INT(parse(blob_line("ecdsa-sha2-nistp256 ", &b, "")), KEYS_BAD);
	CHECK_STR(key.error, "ECDSA public point is not an uncompressed nistp256 point "
	    "(33 bytes, want 65 starting with 0x04)");

	/* ed25519: short key, a length past the end, trailing bytes. */
	b.len = 0;
	blob_cstr(&b, "ssh-ed25519");
	blob_str(&b, pk, 31);
	CHECK_INT(parse(blob_line("ssh-ed25519 ", &b, "")), KEYS_BAD);
	CHECK_STR(key.error, "ed25519 public key is 31 bytes, not 32");

	b.len = 0;
	blob_cstr(&b, "ssh-ed25519");
	blob_u32(&b, 32);
	memcpy(b.b + b.len, pk, 31);
	b.len += 31;
	CHECK_INT(parse(blob_line("ssh-ed25519 ", &b, "")), KEYS_BAD);
	CHECK_STR(key.error, "key data: the ed25519 public key claims 32 bytes, only 31 "
	    "are left");

	b.len = 0;
	blob_cstr(&b, "ssh-ed25519");
	blob_u32(&b, 0xffffffffu);
	CHECK_INT(parse(blob_line("ssh-ed25519 ", &b, "")), KEYS_BAD);
	CHECK_STR(key.error, "key data: the ed25519 public key claims 4294967295 bytes, "
	    "only 0 are left");

	b.len = 0;
	blob_cstr(&b, "ssh-ed25519");
	blob_str(&b, pk, 32);
	b.b[b.len++] = 0;
	CHECK_INT(parse(blob_line("ssh-ed25519 ", &b, "")), KEYS_BAD);
	CHECK_STR(key.error, "trailing garbage after the key data (1 bytes)");

	b.len = 0;
	blob_cstr(&b, "ssh-ed25519");
	b.b[b.len++] = 0;
	b.b[b.len++] = 0;
	CHECK_INT(parse(blob_line("ssh-ed25519 ", &b, "")), KEYS_BAD);
	CHECK_STR(key.error, "key data ends before the ed25519 public key");

	b.len = 0;
	blob_str(&b, "ssh-ed25519\0", 12);
	CHECK_INT(parse(blob_line("ssh-ed25519 ", &b, "")), KEYS_BAD);
	CHECK_STR(key.error, "key data is of type 'ssh-ed25519\\x00', but the line says "
	    "'ssh-ed25519'");
}

/* Bits are counted from the modulus as BN_num_bits() does. */
TEST(keys_parse_rsa_bits)
{
	static const struct {
		size_t nlen;
		unsigned char top;
		int zero_prefix;
		int rc;
		unsigned bits;
		const char *error;
	} cases[] = {
		{ 256, 0x80, 1, KEYS_KEY, 2048, "" },
		{ 256, 0x01, 1, KEYS_BAD, 0, "RSA key has 2041 bits, at least 2048 are needed" },
		{ 256, 0x7f, 0, KEYS_BAD, 0, "RSA key has 2047 bits, at least 2048 are needed" },
		{ 257, 0x01, 0, KEYS_KEY, 2049, "" },
		{ 384, 0xc0, 1, KEYS_KEY, 3072, "" },
		{ 256, 0x80, 0, KEYS_BAD, 0, "RSA modulus is negative" },
		{ 2048, 0xff, 1, KEYS_KEY, 16384, "" },
		{ 2049, 0x01, 1, KEYS_BAD, 0, "RSA key is longer than 16384 bits" },
	};
	static struct blob big;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		static const unsigned char e[3] = { 1, 0, 1 };
		static unsigned char n[2100];

		big.len = 0;
		blob_cstr(&big, "ssh-rsa");
		blob_str(&big, e, sizeof(e));
		n[0] = 0;
		n[1] = cases[i].top;
		memset(n + 2, 0xff, cases[i].nlen - 1);
		if (cases[i].zero_prefix)
			blob_str(&big, n, cases[i].nlen + 1);
		else
			blob_str(&big, n + 1, cases[i].nlen);
		CHECK_INT(parse(blob_line("ssh-rsa ", &big, " c")), cases[i].rc);
		CHECK_INT(key.bits, cases[i].bits);
		CHECK_STR(key.error, cases[i].error);
	}
}

TEST(keys_parse_rsa_fields)
{
	static const unsigned char e3[1] = { 3 }, e1[1] = { 1 }, e4[1] = { 4 };
	struct blob b;

	/* Leading zero bytes are skipped, as sshd does. */
	blob_rsa(&b, 256, 0x80, 1);
	CHECK_INT(parse(blob_line("ssh-rsa ", &b, "")), KEYS_KEY);

	b.len = 0;
	blob_cstr(&b, "ssh-rsa");
	blob_str(&b, e1, 1);
	CHECK_INT(parse(blob_line("ssh-rsa ", &b, "")), KEYS_BAD);
	CHECK_STR(key.error, "key data ends before the RSA modulus");

	b.len = 0;
	blob_cstr(&b, "ssh-rsa");
	blob_str(&b, "", 0);
	CHECK_INT(parse(blob_line("ssh-rsa ", &b, "")), KEYS_BAD);
	CHECK_STR(key.error, "RSA exponent is zero");

	/* The exponent goes first in the blob: swap in bad ones. */
	for (int i = 0; i < 2; i++) {
		struct blob c;
		unsigned char n[258];

		c.len = 0;
		blob_cstr(&c, "ssh-rsa");
		blob_str(&c, i == 0 ? e1 : e4, 1);
		n[0] = 0;
		n[1] = 0x80;
		memset(n + 2, 0xff, 256);
		blob_str(&c, n, 257);
		CHECK_INT(parse(blob_line("ssh-rsa ", &c, "")), KEYS_BAD);
		CHECK_STR(key.error, "RSA exponent is even or 1");
	}
	b.len = 0;
	blob_cstr(&b, "ssh-rsa");
	blob_str(&b, e3, 1);
	{
		unsigned char n[257];

		n[0] = 0;
		n[1] = 0x80;
		memset(n + 2, 0, 255);
		blob_str(&b, n, 257);
	}
	CHECK_INT(parse(blob_line("ssh-rsa ", &b, "")), KEYS_BAD);
	CHECK_STR(key.error, "RSA modulus is even");
}

TEST(keys_fingerprint_and_format)
{
	static const char line[] = "  no-pty\tssh-ed25519  " ED25519_B64 "  a 'b'  ";
	char fp[KEYS_FINGERPRINT_SIZE], out[256], small[16];
	int rc;
	char *copy = parse_copy(line, sizeof(line) - 1, &rc);

	CHECK_INT(rc, KEYS_KEY);
	keys_fingerprint(&key, fp);
	CHECK_STR(fp, ED25519_FP);
	CHECK_INT(keys_format_line(&key, out, sizeof(out)),
	    strlen("no-pty ssh-ed25519 " ED25519_B64 " a 'b'"));
	CHECK_STR(out, "no-pty ssh-ed25519 " ED25519_B64 " a 'b'");
	CHECK_INT(keys_format_line(&key, small, sizeof(small)), strlen(out));
	CHECK_STR(small, "no-pty ssh-ed25");
	free(copy);
	CHECK_STR(keys_type_name(KEYS_TYPE_ECDSA_P521), "ecdsa-sha2-nistp521");
	CHECK_STR(keys_type_label(KEYS_TYPE_RSA), "RSA");
	CHECK_STR(keys_type_name(KEYS_TYPE_NONE), "?");
}

/* ---- the file scanner ---- */

TEST(keys_scan_lines_dups_and_bom)
{
	static const char file[] =
	    "\xef\xbb\xbfssh-ed25519 " ED25519_B64 " first\r\n"
	    "\n"
	    "# a comment\n"
	    "ssh-rsa " RSA1024_B64 "\n"
	    "no-pty ssh-ed25519 " ED25519_B64 " again\n"
	    "ecdsa-sha2-nistp256 " P256_B64;          /* no final newline */
	char *copy = malloc(sizeof(file) - 1);
	int rc;

	memcpy(copy, file, sizeof(file) - 1);
	keys_scan_init(&scan, copy, sizeof(file) - 1);
	CHECK_INT(keys_scan_next(&scan), KEYS_KEY);
	CHECK_INT(scan.lineno, 1);
	CHECK_INT(scan.key.type, KEYS_TYPE_ED25519);
	CHECK_INT(keys_scan_next(&scan), KEYS_BAD);
	CHECK_INT(scan.lineno, 4);
	CHECK_STR(scan.key.error, "RSA key has 1024 bits, at least 2048 are needed");
	CHECK_INT(keys_scan_next(&scan), KEYS_DUP);
	CHECK_INT(scan.lineno, 5);
	CHECK_INT(scan.dup_of, 1);
	rc = keys_scan_next(&scan);
	CHECK_INT(rc, KEYS_KEY);
	CHECK_INT(scan.lineno, 6);
	CHECK_INT(scan.dup_of, 0);
	CHECK_INT(keys_scan_next(&scan), KEYS_END);
	CHECK_INT(keys_scan_next(&scan), KEYS_END);
	CHECK_INT(scan.nkeys, 2);
	CHECK_INT(scan.nbad, 1);
	free(copy);
}

TEST(keys_scan_key_limit)
{
	static char file[(KEYS_MAX_KEYS + 2) * 128];
	size_t len = 0;
	struct blob b;
	unsigned char pk[32];
	int rc, nkey = 0, nbad = 0;

	for (unsigned i = 0; i < KEYS_MAX_KEYS + 1; i++) {
		memset(pk, 0, sizeof(pk));
		pk[0] = (unsigned char)i;
		pk[1] = (unsigned char)(i >> 8);
		b.len = 0;
		blob_cstr(&b, "ssh-ed25519");
		blob_str(&b, pk, sizeof(pk));
		len += (size_t)sprintf(file + len, "%s\n", blob_line("ssh-ed25519 ", &b, ""));
	}
	keys_scan_init(&scan, file, len);
	while ((rc = keys_scan_next(&scan)) != KEYS_END) {
		if (rc == KEYS_KEY)
			nkey++;
		else if (rc == KEYS_BAD)
			nbad++;
	}
	CHECK_INT(nkey, KEYS_MAX_KEYS);
	CHECK_INT(nbad, 1);
	CHECK_STR(scan.key.error, "more than 256 keys in the file");
}

/* ---- script.cfg ---- */

struct reports {
	unsigned n;
	unsigned lines[8];
	int results[8];
};

static void
collect(void *ctx, const struct keys_scan *s, int result)
{
	struct reports *r = ctx;

	if (r->n < 8) {
		r->lines[r->n] = s->lineno;
		r->results[r->n] = result;
	}
	r->n++;
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

TEST(keys_script_quotes_every_byte)
{
	static const char file[] =
	    "ssh-ed25519 " ED25519_B64 " it's $(touch /tmp/PWNED) `id`; \"q\" \\ ''\n"
	    "ssh-rsa " RSA1024_B64 " $(touch /tmp/PWNED2)\n"
	    "command=\"echo 'x'\" ecdsa-sha2-nistp256 " P256_B64 "\n"
	    "ssh-ed25519 " ED25519_B64 " dup\n";
	static char out[16384];
	struct reports r = { 0, { 0 }, { 0 } };
	const char *err;
	size_t n;

	n = keys_script(out, sizeof(out), file, sizeof(file) - 1, NULL, 0, &scan,
	    collect, &r, &err);
	CHECK(err == NULL);
	CHECK(n < sizeof(out));
	CHECK_INT(strlen(out), n);
	CHECK_INT(scan.nkeys, 2);
	CHECK_INT(r.n, 2);
	CHECK_INT(r.lines[0], 2);
	CHECK_INT(r.results[0], KEYS_BAD);
	CHECK_INT(r.lines[1], 4);
	CHECK_INT(r.results[1], KEYS_DUP);
	CHECK(strncmp(out, "#!/bin/sh\n", 10) == 0);
	CHECK(strstr(out, "\nset -eu\n") != NULL);
	CHECK(strstr(out, "\tprintf '%s\\n' 'ssh-ed25519 " ED25519_B64 " it'\\''s "
	    "$(touch /tmp/PWNED) `id`; \"q\" \\ '\\'''\\'''\n") != NULL);
	CHECK(strstr(out, "\tprintf '%s\\n' 'command=\"echo '\\''x'\\''\" "
	    "ecdsa-sha2-nistp256 " P256_B64 "'\n") != NULL);
	CHECK(strstr(out, "PWNED2") == NULL);
	CHECK(strstr(out, "dup") == NULL);
	CHECK_INT(count(out, "\tprintf '%s\\n' "), 2);
	CHECK(strstr(out, "installed 2 SSH keys for root") != NULL);
	CHECK(strstr(out, "systemctl") != NULL);
	CHECK(strstr(out, "pxestick-extra") == NULL);
	CHECK(strstr(out, "\nexit \"$status\"\n") != NULL);
}

TEST(keys_script_no_keys_and_truncation)
{
	static const char file[] = "# nothing\nssh-foo AAAA\n";
	char small[100], big[8192];
	const char *err;
	size_t n, m;

	n = keys_script(NULL, 0, file, sizeof(file) - 1, NULL, 0, &scan, NULL, NULL, &err);
	CHECK(err == NULL);
	CHECK_INT(scan.nkeys, 0);
	CHECK_INT(scan.nbad, 1);
	m = keys_script(small, sizeof(small), file, sizeof(file) - 1, NULL, 0, &scan,
	    NULL, NULL, &err);
	CHECK_INT(m, n);
	CHECK_INT(strlen(small), sizeof(small) - 1);
	m = keys_script(big, sizeof(big), file, sizeof(file) - 1, NULL, 0, &scan, NULL,
	    NULL, &err);
	CHECK_INT(m, n);
	CHECK_INT(strlen(big), n);
	CHECK(strncmp(big, small, sizeof(small) - 1) == 0);
	CHECK(strstr(big, "\t: # no valid key in the file\n") != NULL);
	CHECK(strstr(big, "no valid SSH key: root cannot log in") != NULL);
}

TEST(keys_script_steps)
{
	static const char file[] = "ssh-ed25519 " ED25519_B64 "\n";
	static const char extra_sh[] = "#!/bin/bash\r\necho 'hi' $HOME\r\n\nlast";
	static const char extra_plain[] = "echo plain";
	static char out[16384];
	struct keys_step steps[2] = {
		{ "10-first.sh", extra_sh, sizeof(extra_sh) - 1 },
		{ "it's 20.sh", extra_plain, sizeof(extra_plain) - 1 },
	};
	const char *err;

	keys_script(out, sizeof(out), file, sizeof(file) - 1, steps, 2, &scan, NULL, NULL,
	    &err);
	CHECK(err == NULL);
	CHECK(strstr(out, "\tprintf '%s\\n' '#!/bin/bash'\n"
	    "\tprintf '%s\\n' 'echo '\\''hi'\\'' $HOME'\n"
	    "\tprintf '%s\\n' ''\n"
	    "\tprintf '%s\\n' 'last'\n} > \"$step\"\n"
	    "pxestick_step '10-first.sh' \"$step\" ''\n") != NULL);
	CHECK(strstr(out, "pxestick_step 'it'\\''s 20.sh' \"$step\" sh\n") != NULL);
	CHECK(strstr(out, "\npxestick_step() {\n") != NULL);
	CHECK_INT(count(out, "pxestick_step() {"), 1);
	CHECK(strchr(out, '\r') == NULL);
	/* the first step comes before the second */
	CHECK(strstr(out, "10-first.sh") < strstr(out, "20.sh"));

	keys_script(out, sizeof(out), file, sizeof(file) - 1, NULL, 0, &scan, NULL, NULL, &err);
	CHECK(strstr(out, "pxestick_step") == NULL);

	steps[1].text = "a\0b";
	steps[1].len = 3;
	CHECK_INT(keys_script(out, sizeof(out), file, sizeof(file) - 1, steps, 2, &scan,
	    NULL, NULL, &err), 0);
	CHECK_STR(err, "holds a NUL byte (not a shell script?)");
	steps[1].text = extra_plain;
	steps[1].len = KEYS_MAX_EXTRA + 1;
	CHECK_INT(keys_script(out, sizeof(out), file, sizeof(file) - 1, steps, 2, &scan,
	    NULL, NULL, &err), 0);
	CHECK_STR(err, "larger than 256 KiB (KEYS_MAX_EXTRA)");
	CHECK_INT(keys_script(out, sizeof(out), file, sizeof(file) - 1, steps,
	    KEYS_MAX_STEPS + 1, &scan, NULL, NULL, &err), 0);
	CHECK_STR(err, "more than 64 steps (KEYS_MAX_STEPS)");
}
