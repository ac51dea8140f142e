/*
 * Payload URLs: the setting's parser, the response-head parser (bytes
 * from a server the site runs), the verdict on a probe, and boot.ipxe
 * with an ISO loaded from a payload URL and its fallback.
 */
#include "harness.h"

#include "archiso/archiso.h"
#include "common/buf.h"
#include "payload/payload.h"

TEST(payload_url_parse_accepts_and_refuses)
{
	static const struct {
		const char *in, *text, *host, *authority, *path;
		unsigned port;
	} good[] = {
		{ "http://cache", "http://cache", "cache", "cache", "", 80 },
		{ "http://10.0.0.5:8080/", "http://10.0.0.5:8080", "10.0.0.5", "10.0.0.5:8080", "",
		  8080 },
		{ "http://mirror.example.org/pxe/arch", "http://mirror.example.org/pxe/arch",
		  "mirror.example.org", "mirror.example.org", "/pxe/arch", 80 },
		{ "http://[fd00::1]:81/a_b~c", "http://[fd00::1]:81/a_b~c", "fd00::1",
		  "[fd00::1]:81", "/a_b~c", 81 },
	};
	static const char *const bad[] = {
		"https://cache/", "ftp://x", "cache:80", "http://", "http:///x", "http://a b/",
		"http://cache:0", "http://cache:65536", "http://cache:8o", "http://cache:/x",
		"http://cache/a$b", "http://cache/a;reboot", "http://cache/a b", "http://cache//x",
		"http://cache/a/../b", "http://cache/a/..", "http://cache/./x", "http://[fd00::1",
		"http://[zz$]/", "http://cache/${x}", "http://cache/a%20b", "http://user@cache/",
	};
	struct payload_url u;
	char why[200];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CHECK_INT(payload_url_parse(good[i].in, &u, why, sizeof(why)), 0);
		CHECK_STR(u.text, good[i].text);
		CHECK_STR(u.host, good[i].host);
		CHECK_STR(u.authority, good[i].authority);
		CHECK_STR(u.path, good[i].path);
		CHECK_INT(u.port, good[i].port);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		if (payload_url_parse(bad[i], &u, why, sizeof(why)) != -1)
			test_fail(__FILE__, __LINE__, "accepted \"%s\"", bad[i]);
		CHECK(why[0] != '\0');
	}
	CHECK_INT(payload_url_parse("https://c/", &u, why, sizeof(why)), -1);
	CHECK(strstr(why, "https") != NULL);
	{
		char longer[PAYLOAD_MAX_URL + 20];

		memset(longer, 'a', sizeof(longer) - 1);
		memcpy(longer, "http://x/", 9);
		longer[sizeof(longer) - 1] = '\0';
		CHECK_INT(payload_url_parse(longer, &u, why, sizeof(why)), -1);
		CHECK(strstr(why, "too long") != NULL);
	}
}

static int
parse(const char *head, struct payload_response *r, char *why)
{
	return payload_response_parse(head, strlen(head), r, why, 200);
}

TEST(payload_response_parse_heads)
{
	struct payload_response r;
	char why[200];
	static const char ok206[] = "HTTP/1.1 206 Partial Content\r\nServer: nginx\r\n"
	    "Content-Type: application/octet-stream\r\nContent-Length: 4096\r\n"
	    "Content-Range: bytes 0-4095/304096\r\nETag: \"i1-2-3\"\r\n\r\nBODY";

	CHECK_INT(parse(ok206, &r, why), 1);
	CHECK_INT(r.status, 206);
	CHECK_INT(r.content_length, 4096);
	CHECK(r.has_range && r.has_total);
	CHECK_INT(r.first, 0);
	CHECK_INT(r.last, 4095);
	CHECK_INT(r.total, 304096);
	CHECK_STR(r.etag, "\"i1-2-3\"");
	CHECK_INT(r.head_len, strlen(ok206) - 4);
	/* every prefix is "not whole yet", never an error */
	for (size_t n = 0; n < strlen(ok206) - 4; n++)
		CHECK_INT(payload_response_parse(ok206, n, &r, why, sizeof(why)), 0);
	/* bare LF line ends, case-insensitive names, HTTP/1.0, no reason */
	CHECK_INT(parse("HTTP/1.0 404\ncontent-length: 0\n\n", &r, why), 1);
	CHECK_INT(r.status, 404);
	CHECK_INT(r.content_length, 0);
	CHECK_INT(parse("HTTP/1.1 416 R\r\nContent-Range: bytes */99\r\n\r\n", &r, why), 1);
	CHECK(!r.has_range && r.has_total && r.total == 99);
	CHECK_INT(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", &r, why), 1);
	CHECK(r.chunked);
	CHECK_INT(parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", &r,
	    why), 1);
	{
		static const char *const bad[] = {
			"HTTP/2 200 OK\r\n\r\n",
			"HTTP/1.1 20 OK\r\n\r\n",
			"HTTP/1.1 2000 OK\r\n\r\n",
			"HTTP/1.1 099 Low\r\n\r\n",
			"SSH-2.0-OpenSSH\r\n\r\n",
			"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
			"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
			"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
			"HTTP/1.1 206 P\r\nContent-Range: bytes 5-4/10\r\n\r\n",
			"HTTP/1.1 206 P\r\nContent-Range: bytes 0-10/10\r\n\r\n",
			"HTTP/1.1 206 P\r\nContent-Range: bytes */*\r\n\r\n",
			"HTTP/1.1 206 P\r\nContent-Range: items 0-1/2\r\n\r\n",
			"HTTP/1.1 206 P\r\nContent-Range: bytes 0-1/2\r\nContent-Range: bytes 0-1/2\r\n\r\n",
			"HTTP/1.1 200 OK\r\n folded: yes\r\n\r\n",
			"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
			"HTTP/1.1 200 OK\r\n: no name\r\n\r\n",
			"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
			"HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n",
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			why[0] = '\0';
			if (parse(bad[i], &r, why) != -1)
				test_fail(__FILE__, __LINE__, "accepted head %zu", i);
			CHECK(why[0] != '\0');
		}
	}
	/* a NUL inside the head */
	CHECK_INT(payload_response_parse("HTTP/1.1 200 OK\r\nX: \0\r\n\r\n", 25, &r, why,
	    sizeof(why)), -1);
	/* a head that never ends is refused at 8 KiB, not read forever */
	{
		static char big[PAYLOAD_HEAD_MAX + 100];

		memset(big, 'x', sizeof(big));
		memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
		CHECK_INT(payload_response_parse(big, sizeof(big), &r, why, sizeof(why)), -1);
		CHECK(strstr(why, "8 KiB") != NULL);
		CHECK_INT(payload_response_parse(big, 100, &r, why, sizeof(why)), 0);
	}
}

TEST(payload_judge_verdicts)
{
	struct payload_response r;
	uint8_t want[16], other[16];
	char why[200];

	for (int i = 0; i < 16; i++) {
		want[i] = (uint8_t)i;
		other[i] = (uint8_t)(i ^ (i == 9));
	}
	memset(&r, 0, sizeof(r));
	r.status = 206;
	r.has_range = r.has_total = 1;
	r.first = 0;
	r.last = 15;
	r.total = 1000;
	CHECK_INT(payload_judge(&r, want, 16, 1000, want, 16, why, sizeof(why)), 0);
	/* another size: another build of the ISO */
	CHECK_INT(payload_judge(&r, want, 16, 999, want, 16, why, sizeof(why)), -1);
	CHECK(strstr(why, "1000 bytes, this ISO's 999") != NULL);
	/* the same size, other bytes */
	CHECK_INT(payload_judge(&r, other, 16, 1000, want, 16, why, sizeof(why)), -1);
	CHECK(strstr(why, "differ") != NULL);
	/* short body */
	CHECK_INT(payload_judge(&r, want, 10, 1000, want, 16, why, sizeof(why)), -1);
	/* another range than asked */
	r.first = 1;
	CHECK_INT(payload_judge(&r, want, 16, 1000, want, 16, why, sizeof(why)), -1);
	r.first = 0;
	r.has_total = 0;
	CHECK_INT(payload_judge(&r, want, 16, 1000, want, 16, why, sizeof(why)), -1);
	r.has_total = 1;
	r.chunked = 1;
	CHECK_INT(payload_judge(&r, want, 16, 1000, want, 16, why, sizeof(why)), -1);
	r.chunked = 0;
	r.status = 200;
	CHECK_INT(payload_judge(&r, want, 16, 1000, want, 16, why, sizeof(why)), -1);
	CHECK(strstr(why, "does not serve ranges") != NULL);
	r.status = 404;
	CHECK_INT(payload_judge(&r, want, 16, 1000, want, 16, why, sizeof(why)), -1);
	CHECK(strstr(why, "404") != NULL);
	r.status = 502;
	CHECK_INT(payload_judge(&r, want, 16, 1000, want, 16, why, sizeof(why)), -1);
	CHECK(strstr(why, "502") != NULL);
}

/* boot.ipxe: an ISO with a payload URL loads from there (kernel, initrd
 * and archiso_http_srv), and from the server when that fails. */
TEST(payload_boot_ipxe_uses_the_url_and_falls_back)
{
	static struct archiso a, b;
	const struct archiso *list[2] = { &a, &b };
	const char *images[2] = { "http://cache:8080/pxe", NULL };
	struct archiso_menu menu = { { "http://10.0.0.1", ARCHISO_VERIFY_CHECKSUM, "", 1, NULL },
		5, 0, 0, 0, ARCHISO_DEFAULT_ENTRY, images };
	struct buf out;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	snprintf(a.name, sizeof(a.name), "one");
	snprintf(b.name, sizeof(b.name), "two");
	for (struct archiso *x = &a; x != NULL; x = x == &a ? &b : NULL) {
		snprintf(x->basedir, sizeof(x->basedir), "arch");
		x->n_entries = 1;
		snprintf(x->entries[0].title, sizeof(x->entries[0].title), "Arch");
		snprintf(x->entries[0].kernel, sizeof(x->entries[0].kernel), "/arch/k");
		x->entries[0].n_initrd = 1;
		snprintf(x->entries[0].initrd[0], sizeof(x->entries[0].initrd[0]), "/arch/i.img");
	}
	buf_init(&out);
	archiso_ipxe(list, 2, &menu, &out, NULL, NULL);
	CHECK(!buf_failed(&out));
	CHECK(strstr(out.data, "kernel http://cache:8080/pxe/iso/one/arch/k initrd=i.img "
	    "archiso_http_srv=http://cache:8080/pxe/iso/one/ ") != NULL);
	CHECK(strstr(out.data, "|| goto iso0-e0-direct\ninitrd http://cache:8080/pxe/iso/one/"
	    "arch/i.img || goto iso0-e0-direct\nboot || goto failed\n:iso0-e0-direct\n") != NULL);
	CHECK(strstr(out.data, "kernel http://10.0.0.1/iso/one/arch/k initrd=i.img "
	    "archiso_http_srv=http://10.0.0.1/iso/one/ ") != NULL);
	/* script.cfg always from the server */
	CHECK(strstr(out.data, "archiso_http_srv=http://cache:8080/pxe/iso/one/ ip=dhcp") != NULL);
	CHECK(strstr(out.data, "script=http://cache") == NULL);
	/* the ISO without one: the server only, no fallback label */
	CHECK(strstr(out.data, "kernel http://10.0.0.1/iso/two/arch/k") != NULL);
	CHECK(strstr(out.data, "http://cache:8080/pxe/iso/two") == NULL);
	CHECK(strstr(out.data, "iso1-e0-direct") == NULL);
	buf_free(&out);
}
