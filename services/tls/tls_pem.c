/*
 * PEM: encoding is BearSSL's br_pem_encode() behind a bounded interface;
 * decoding drives br_pem_decoder over a memory buffer.
 */
#include <string.h>

#include <bearssl.h>

#include "tls/tls_cert.h"
#include "tls/tls_internal.h"

size_t
tls_pem_encode(char *out, size_t cap, const void *der, size_t len,
    const char *banner)
{
	size_t need;

	need = br_pem_encode(NULL, der, len, banner, BR_PEM_LINE64);
	if (out == NULL && cap == 0)
		return need;
	if (out == NULL || need >= cap)
		return 0;
	return br_pem_encode(out, der, len, banner, BR_PEM_LINE64);
}

/* Where the decoder's output goes: der[len..cap). */
struct pem_sink {
	unsigned char *buf;
	size_t cap;
	size_t len;
	int overflow;
};

static void
pem_sink_append(void *ctx, const void *data, size_t len)
{
	struct pem_sink *s = ctx;

	if (s->overflow || len > s->cap - s->len) {
		s->overflow = 1;
		return;
	}
	memcpy(s->buf + s->len, data, len);
	s->len += len;
}

/* The object name, printable ASCII only: it ends up in messages. */
static void
copy_name(char dst[TLS_PEM_MAX_NAME], const char *src)
{
	size_t i;

	for (i = 0; i + 1 < TLS_PEM_MAX_NAME && src[i] != '\0'; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	/* BearSSL keeps the trailing dashes when the line ends in CRLF. */
	while (i > 0 && (dst[i - 1] == '-' || dst[i - 1] == '?' ||
	    dst[i - 1] == ' '))
		i--;
	dst[i] = '\0';
}

int
tls_pem_decode(const void *pem, size_t len, unsigned char *der, size_t cap,
    struct tls_pem_object *objs, size_t max, char *err, size_t errlen)
{
	br_pem_decoder_context pc;
	struct pem_sink sink = { der, der != NULL ? cap : 0, 0, 0 };
	const unsigned char *p = pem;
	size_t rem = len, n = 0;
	int inobj = 0, tail = 0;

	br_pem_decoder_init(&pc);
	/* One extra newline at the end, so that an END line without one
	 * still ends its object. */
	for (;;) {
		if (rem == 0) {
			if (tail)
				break;
			tail = 1;
			p = (const unsigned char *)"\n";
			rem = 1;
		}
		{
			size_t used = br_pem_decoder_push(&pc, p, rem);

			p += used;
			rem -= used;
		}
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ:
			if (n == max)
				return tls_fail(err, errlen,
				    "more than %zu PEM objects", max);
			copy_name(objs[n].name, br_pem_decoder_name(&pc));
			objs[n].off = sink.len;
			objs[n].len = 0;
			br_pem_decoder_setdest(&pc, pem_sink_append, &sink);
			inobj = 1;
			break;
		case BR_PEM_END_OBJ:
			if (sink.overflow)
				return tls_fail(err, errlen,
				    "PEM objects larger than %zu bytes in all", cap);
			objs[n].len = sink.len - objs[n].off;
			n++;
			inobj = 0;
			break;
		case BR_PEM_ERROR:
			return tls_fail(err, errlen,
			    "invalid PEM: bad base64 in object %zu", n + 1);
		default:
			break;
		}
	}
	if (inobj)
		return tls_fail(err, errlen,
		    "invalid PEM: object %zu (%s) has no END line", n + 1,
		    objs[n].name);
	return (int)n;
}
