/*
 * The socket side of a BearSSL server engine, non-blocking.  Modelled on
 * BearSSL's tools/sslio.c, turned inside out: instead of a poll() loop
 * of its own, each call moves bytes while the socket allows and returns
 * EAGAIN, and tls_conn_want() tells the caller's loop what to wait for.
 *
 * Engine states (br_ssl_engine_current_state()):
 *   SENDREC  records wait to go to the socket        -> send()
 *   RECVREC  the engine takes bytes from the socket  -> read()
 *   SENDAPP  the engine takes plaintext to encrypt   -> tls_conn_write
 *   RECVAPP  decrypted plaintext waits               -> tls_conn_read
 *   CLOSED   over (exclusive; last_error says why, BR_ERR_OK = clean)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tls/tls_conn.h"
#include "tls/tls_internal.h"

_Static_assert(TLS_CONN_INPUT_BUF >= BR_SSL_BUFSIZE_INPUT,
    "the input buffer must hold any record a client may send");
_Static_assert(TLS_CONN_OUTPUT_BUF >= 512 + 85,
    "BearSSL needs room for 512 bytes of plaintext per record");

/* Client preference decides among these (no ENFORCE_SERVER_PREFERENCES):
 * clients with AES instructions put GCM first, others ChaCha20. */
static const uint16_t suites_ec[] = {
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
};
static const uint16_t suites_rsa[] = {
	BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
};
/* Not const: BearSSL 0.6 takes a "const char **" (it only reads it). */
static const char *alpn_names[] = { "http/1.1" };

int
tls_conn_init(struct tls_conn *t, const struct tls_creds *c)
{
	unsigned char seed[32];
	br_ssl_engine_context *e = &t->sc.eng;

	t->sys_errno = 0;
	t->eof = t->established = t->plain_http = t->sniffed = t->closing = 0;
	t->first = 0;
	if (c->key_type == BR_KEYTYPE_EC) {
		br_ssl_server_init_full_ec(&t->sc, c->chain, c->chain_len,
		    c->issuer_key_type, &c->ec);
		br_ssl_engine_set_suites(e, suites_ec,
		    sizeof(suites_ec) / sizeof(suites_ec[0]));
	} else if (c->key_type == BR_KEYTYPE_RSA) {
		br_ssl_server_init_full_rsa(&t->sc, c->chain, c->chain_len,
		    &c->rsa);
		br_ssl_engine_set_suites(e, suites_rsa,
		    sizeof(suites_rsa) / sizeof(suites_rsa[0]));
	} else {
		errno = EINVAL;
		return -1;
	}
	br_ssl_engine_set_versions(e, BR_TLS12, BR_TLS12);
	/* Client-initiated renegotiation costs us a handshake each time
	 * and buys the client nothing here. */
	br_ssl_engine_add_flags(e, BR_OPT_NO_RENEGOTIATION);
	br_ssl_engine_set_protocol_names(e, alpn_names, 1);
	br_ssl_engine_set_buffers_bidi(e, t->ibuf, sizeof(t->ibuf),
	    t->obuf, sizeof(t->obuf));
	if (getentropy(seed, sizeof(seed)) != 0)
		return -1;
	br_ssl_engine_inject_entropy(e, seed, sizeof(seed));
	tls_wipe(seed, sizeof(seed));
	/*
	 * Seeded now; without this BearSSL 0.6 would also try its system
	 * seeder for every connection (RDRAND, else open /dev/urandom),
	 * which fails after chroot and may be killed under seccomp.  The
	 * field is public in bearssl_ssl.h (struct br_ssl_engine_context)
	 * and br_ssl_server_reset() keeps it.
	 */
	e->rng_os_rand_done = 1;
	if (!br_ssl_server_reset(&t->sc)) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

static unsigned
state(const struct tls_conn *t)
{
	return br_ssl_engine_current_state(&t->sc.eng);
}

static void
note_state(struct tls_conn *t, unsigned st)
{
	if (st & (BR_SSL_SENDAPP | BR_SSL_RECVAPP))
		t->established = 1;
}

/* Records to the socket.  1 progress, 0 would block, -1 failed. */
static int
push_out(struct tls_conn *t, int fd)
{
	unsigned char *buf;
	size_t len;
	ssize_t n;

	buf = br_ssl_engine_sendrec_buf(&t->sc.eng, &len);
	if (len == 0)
		return 0;
	do
		n = send(fd, buf, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		t->sys_errno = errno;
		return -1;
	}
	br_ssl_engine_sendrec_ack(&t->sc.eng, (size_t)n);
	return 1;
}

/* An HTTP method ("GET /", "HEAD ", ...) where a TLS record header
 * (0x16 0x03 ...) should be. */
static int
looks_like_http(const unsigned char *p, size_t len)
{
	size_t i;

	if (len < 4)
		return 0;
	for (i = 0; i < 3; i++)
		if (p[i] < 'A' || p[i] > 'Z')
			return 0;
	return 1;
}

/* Bytes from the socket.  1 progress, 0 would block, -1 end of stream
 * (t->eof) or failed (t->sys_errno). */
static int
pull_in(struct tls_conn *t, int fd)
{
	unsigned char *buf;
	size_t len;
	ssize_t n;

	buf = br_ssl_engine_recvrec_buf(&t->sc.eng, &len);
	if (len == 0)
		return 0;
	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		t->sys_errno = errno;
		return -1;
	}
	if (n == 0) {
		t->eof = 1;
		return -1;
	}
	if (!t->sniffed) {
		t->sniffed = 1;
		t->first = buf[0];
		t->plain_http = (unsigned char)looks_like_http(buf, (size_t)n);
	}
	br_ssl_engine_recvrec_ack(&t->sc.eng, (size_t)n);
	return 1;
}

/* The return of a call on a connection that is over: read gets 0 after
 * a close by the peer, everything else -1 with an errno. */
static ssize_t
ended(struct tls_conn *t, int reading)
{
	int err = br_ssl_engine_last_error(&t->sc.eng);

	if (t->sys_errno != 0) {
		errno = t->sys_errno;
		return -1;
	}
	if (err == BR_ERR_OK) {
		if (reading)
			return 0;
		errno = EPIPE;
		return -1;
	}
	errno = EPROTO;
	return -1;
}

ssize_t
tls_conn_read(struct tls_conn *t, int fd, void *buf, size_t len)
{
	br_ssl_engine_context *e = &t->sc.eng;

	if (len == 0) {
		errno = EINVAL;
		return -1;
	}
	for (;;) {
		unsigned st = state(t);
		int out = 0, in = 0;

		note_state(t, st);
		if (st & BR_SSL_RECVAPP) {
			unsigned char *p;
			size_t n;

			p = br_ssl_engine_recvapp_buf(e, &n);
			if (n > len)
				n = len;
			memcpy(buf, p, n);
			br_ssl_engine_recvapp_ack(e, n);
			return (ssize_t)n;
		}
		if ((st & BR_SSL_CLOSED) || t->sys_errno != 0)
			return ended(t, 1);
		if (t->eof)
			return t->established ? 0 : ended(t, 1);
		if (st & BR_SSL_SENDREC) {
			out = push_out(t, fd);
			if (out < 0)
				return ended(t, 1);
		}
		if (st & BR_SSL_RECVREC) {
			in = pull_in(t, fd);
			if (in < 0)
				continue;       /* report it from the top */
		}
		if (out == 0 && in == 0) {
			errno = EAGAIN;
			return -1;
		}
	}
}

ssize_t
tls_conn_write(struct tls_conn *t, int fd, const void *buf, size_t len)
{
	br_ssl_engine_context *e = &t->sc.eng;

	if (len == 0)
		return 0;
	for (;;) {
		unsigned st = state(t);
		int r;

		note_state(t, st);
		if ((st & BR_SSL_CLOSED) || t->sys_errno != 0 || t->closing)
			return ended(t, 0);
		if (st & BR_SSL_SENDAPP) {
			unsigned char *p;
			size_t n;

			p = br_ssl_engine_sendapp_buf(e, &n);
			if (n > len)
				n = len;
			memcpy(p, buf, n);
			br_ssl_engine_sendapp_ack(e, n);
			br_ssl_engine_flush(e, 0);
			while ((r = push_out(t, fd)) > 0)
				;
			if (r < 0)
				return ended(t, 0);
			return (ssize_t)n;
		}
		if (st & BR_SSL_SENDREC) {
			r = push_out(t, fd);
			if (r < 0)
				return ended(t, 0);
			if (r > 0)
				continue;
			errno = EAGAIN;
			return -1;
		}
		/* Still in the handshake: the engine waits for the peer. */
		if (t->eof)
			return t->established ? (errno = EPIPE, -1) : ended(t, 0);
		if (st & BR_SSL_RECVREC) {
			r = pull_in(t, fd);
			if (r != 0)
				continue;
		}
		errno = EAGAIN;
		return -1;
	}
}

int
tls_conn_flush(struct tls_conn *t, int fd)
{
	br_ssl_engine_flush(&t->sc.eng, 0);
	for (;;) {
		int r;

		if (t->sys_errno != 0) {
			errno = t->sys_errno;
			return -1;
		}
		if (!(state(t) & BR_SSL_SENDREC))
			return 0;
		r = push_out(t, fd);
		if (r < 0) {
			errno = t->sys_errno;
			return -1;
		}
		if (r == 0) {
			errno = EAGAIN;
			return -1;
		}
	}
}

int
tls_conn_close(struct tls_conn *t, int fd)
{
	if (!t->closing) {
		t->closing = 1;
		br_ssl_engine_close(&t->sc.eng);
	}
	return tls_conn_flush(t, fd);
}

int
tls_conn_closed(const struct tls_conn *t)
{
	unsigned st = state(t);

	return (st & BR_SSL_CLOSED) || t->sys_errno != 0 ||
	    (t->eof && !(st & BR_SSL_RECVAPP));
}

int
tls_conn_established(const struct tls_conn *t)
{
	return t->established || (state(t) & (BR_SSL_SENDAPP | BR_SSL_RECVAPP));
}

uint32_t
tls_conn_want(const struct tls_conn *t)
{
	unsigned st = state(t);
	uint32_t w = 0;

	if (tls_conn_closed(t))
		return 0;
	if (st & BR_SSL_SENDREC)
		w |= EPOLLOUT;
	if ((st & BR_SSL_RECVREC) && !t->eof)
		w |= EPOLLIN;
	return w;
}

size_t
tls_conn_pending(const struct tls_conn *t)
{
	size_t n = 0;

	if (state(t) & BR_SSL_RECVAPP)
		br_ssl_engine_recvapp_buf(&t->sc.eng, &n);
	return n;
}

/* ---- messages ---- */

static const char *
alert_name(int a)
{
	switch (a) {
	case 0: return "close_notify";
	case 10: return "unexpected_message";
	case 20: return "bad_record_mac";
	case 22: return "record_overflow";
	case 40: return "handshake_failure";
	case 42: return "bad_certificate";
	case 43: return "unsupported_certificate";
	case 44: return "certificate_revoked";
	case 45: return "certificate_expired";
	case 46: return "certificate_unknown";
	case 47: return "illegal_parameter";
	case 48: return "unknown_ca";
	case 49: return "access_denied";
	case 50: return "decode_error";
	case 51: return "decrypt_error";
	case 70: return "protocol_version";
	case 71: return "insufficient_security";
	case 80: return "internal_error";
	case 86: return "inappropriate_fallback";
	case 90: return "user_canceled";
	case 100: return "no_renegotiation";
	case 109: return "missing_extension";
	case 110: return "unsupported_extension";
	case 112: return "unrecognized_name";
	case 120: return "no_application_protocol";
	default: return "unknown alert";
	}
}

/* Why we send an alert, as far as BearSSL's server does. */
static const char *
sent_alert_hint(int a)
{
	switch (a) {
	case 40:
		return ": no cipher suite in common; we offer TLS 1.2 ECDHE "
		    "with AES-GCM or ChaCha20-Poly1305, a TLS 1.3-only client "
		    "offers none of them";
	case 70:
		return ": the client does not offer TLS 1.2";
	default:
		return "";
	}
}

/* What a client's alert most likely means for us. */
static const char *
alert_hint(int a)
{
	switch (a) {
	case 42: case 43: case 45: case 46: case 48:
		return ": it does not trust our certificate";
	case 70:
		return ": it wants a TLS version other than 1.2";
	case 40: case 71:
		return ": no cipher suite or curve it accepts";
	default:
		return "";
	}
}

static const char *
engine_error(int err)
{
	switch (err) {
	/* BearSSL's handshake code also fails with BAD_PARAM on bad
	 * lengths inside a peer's message (ssl_hs_common.t0). */
	case BR_ERR_BAD_PARAM:
		return "invalid handshake message (bad length or parameter)";
	case BR_ERR_BAD_STATE: return "bad state (internal error)";
	case BR_ERR_UNSUPPORTED_VERSION:
		return "client offers no TLS version we support (TLS 1.2 only)";
	case BR_ERR_BAD_VERSION: return "record with a wrong version: not TLS";
	case BR_ERR_BAD_LENGTH: return "record with an invalid length: not TLS";
	case BR_ERR_TOO_LARGE: return "record too large";
	case BR_ERR_BAD_MAC: return "record failed decryption (bad MAC)";
	case BR_ERR_NO_RANDOM: return "no entropy for the engine";
	case BR_ERR_UNKNOWN_TYPE: return "record of unknown type: not TLS";
	case BR_ERR_UNEXPECTED: return "unexpected message";
	case BR_ERR_BAD_CCS: return "bad ChangeCipherSpec";
	case BR_ERR_BAD_ALERT: return "bad alert";
	case BR_ERR_BAD_HANDSHAKE: return "malformed handshake message";
	case BR_ERR_OVERSIZED_ID: return "oversized session ID";
	case BR_ERR_BAD_CIPHER_SUITE:
		return "no common cipher suite (ECDHE with AES-GCM or "
		    "ChaCha20-Poly1305 only)";
	case BR_ERR_BAD_COMPRESSION: return "no common compression method";
	case BR_ERR_BAD_FRAGLEN: return "bad maximum fragment length";
	case BR_ERR_BAD_SECRENEG: return "secure renegotiation failure";
	case BR_ERR_EXTRA_EXTENSION: return "unexpected extension";
	case BR_ERR_BAD_SNI: return "bad server name";
	case BR_ERR_BAD_HELLO_DONE: return "bad ServerHelloDone";
	case BR_ERR_LIMIT_EXCEEDED: return "handshake too large or too long";
	case BR_ERR_BAD_FINISHED: return "bad Finished message";
	case BR_ERR_RESUME_MISMATCH: return "session resumption mismatch";
	case BR_ERR_INVALID_ALGORITHM: return "unsupported algorithm";
	case BR_ERR_BAD_SIGNATURE: return "bad signature";
	case BR_ERR_WRONG_KEY_USAGE: return "wrong key usage";
	case BR_ERR_NO_CLIENT_AUTH: return "no client certificate";
	case BR_ERR_IO: return "I/O error";
	default: return NULL;
	}
}

const char *
tls_conn_error(const struct tls_conn *t, char *buf, size_t len)
{
	int err = br_ssl_engine_last_error(&t->sc.eng);
	const char *s;

	if (t->sys_errno != 0) {
		snprintf(buf, len, "socket error: %s", strerror(t->sys_errno));
	} else if (err == BR_ERR_OK) {
		if (t->eof && !t->established)
			snprintf(buf, len, "client closed the connection "
			    "during the handshake");
		else
			snprintf(buf, len, "closed");
	} else if (t->plain_http && !t->established) {
		snprintf(buf, len, "plain HTTP request on the HTTPS port");
	} else if (t->sniffed && t->first != 0x16 && !t->established) {
		/* A TLS connection starts with a handshake record (type 22). */
		snprintf(buf, len, "not TLS: the first byte is 0x%02x, not a "
		    "handshake record", t->first);
	} else if (err >= BR_ERR_SEND_FATAL_ALERT) {
		int a = err - BR_ERR_SEND_FATAL_ALERT;

		snprintf(buf, len, "we sent fatal alert %d (%s%s)", a,
		    alert_name(a), sent_alert_hint(a));
	} else if (err >= BR_ERR_RECV_FATAL_ALERT) {
		int a = err - BR_ERR_RECV_FATAL_ALERT;

		snprintf(buf, len, "client sent fatal alert %d (%s%s)", a,
		    alert_name(a), alert_hint(a));
	} else if ((s = engine_error(err)) != NULL) {
		snprintf(buf, len, "%s", s);
	} else {
		snprintf(buf, len, "TLS error %d", err);
	}
	return buf;
}

static const char *
suite_name(uint16_t s)
{
	switch (s) {
	case BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256:
		return "ECDHE-ECDSA-AES128-GCM-SHA256";
	case BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384:
		return "ECDHE-ECDSA-AES256-GCM-SHA384";
	case BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256:
		return "ECDHE-ECDSA-CHACHA20-POLY1305";
	case BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:
		return "ECDHE-RSA-AES128-GCM-SHA256";
	case BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384:
		return "ECDHE-RSA-AES256-GCM-SHA384";
	case BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256:
		return "ECDHE-RSA-CHACHA20-POLY1305";
	default:
		return "?";
	}
}

const char *
tls_conn_describe(const struct tls_conn *t, char *buf, size_t len)
{
	br_ssl_session_parameters pp;

	if (!tls_conn_established(t)) {
		snprintf(buf, len, "%s", "");
		return buf;
	}
	br_ssl_engine_get_session_parameters(&t->sc.eng, &pp);
	snprintf(buf, len, "%s %s", pp.version == BR_TLS12 ? "TLSv1.2" : "TLS?",
	    suite_name(pp.cipher_suite));
	return buf;
}
