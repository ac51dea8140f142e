/*
 * Payload URLs: HTTP caches or mirrors the site already runs, from which
 * clients fetch each ISO's heavy files (kernel, initramfs, root image)
 * instead of from pxestick.  pxestick keeps DHCP, the menus, script.cfg
 * and the status; the bytes come from URL/iso/NAME/..., the same paths
 * pxestick serves, so a cache in front of pxestick (nginx proxy_cache,
 * squid, varnish) or a server holding the extracted ISO tree both work.
 *
 * A URL serves an ISO only after a check, at start and at every reload:
 * a range request for the first bytes of the ISO's root image must come
 * back 206 with the root image's size and exactly the ISO's bytes (a
 * cache still holding an older ISO of the same name is caught here).
 * The check runs in a child process (payload_run.c), so a slow or dead
 * URL never stalls DHCP, TFTP or HTTP; until it answers, and for every
 * ISO no URL passed, clients load from pxestick itself.
 *
 * The layers: payload_url.c (the setting), payload_response.c (an HTTP
 * response head: untrusted bytes, fuzzed), payload_judge.c (the verdict,
 * pure), payload_probe.c (one blocking HTTP exchange: the child's I/O),
 * payload_run.c (the child and the event loop's end of its pipe).
 */
#ifndef PXESTICK_PAYLOAD_H
#define PXESTICK_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#define PAYLOAD_MAX_URLS  8
#define PAYLOAD_MAX_URL   200     /* fits vfs's VFS_MAX_URL with room */
#define PAYLOAD_HEAD_MAX  8192    /* a response head longer than this is refused */
#define PAYLOAD_PROBE_BYTES 4096  /* the root image's first bytes compared */

/* A payload URL, checked and split. */
struct payload_url {
	char text[PAYLOAD_MAX_URL];   /* as clients get it: http://HOST[:PORT][/PATH] */
	char host[128];               /* a name, an IPv4 address, or an IPv6 one without [] */
	uint16_t port;
	char path[PAYLOAD_MAX_URL];   /* "" or "/a/b" (no trailing '/') */
	char authority[160];          /* HOST[:PORT] as written: the Host header */
};

/*
 * Parse s: http://HOST[:PORT][/PATH], HOST a name or address (IPv6 in
 * []), PATH of [A-Za-z0-9._~/-] (what an iPXE script and the kernel
 * command line carry as-is); one trailing '/' is dropped.  0, or -1 with
 * why (https is refused: iPXE would need the cache's CA, and the check
 * speaks plain HTTP).
 */
int payload_url_parse(const char *s, struct payload_url *u, char *why, size_t whylen);

/* What a response head said (only what the check needs). */
struct payload_response {
	int status;                   /* 100..599 */
	size_t head_len;              /* bytes up to and including the blank line */
	int64_t content_length;       /* -1: none */
	int chunked;                  /* Transfer-Encoding: chunked */
	int has_range;                /* Content-Range: bytes FIRST-LAST/TOTAL */
	uint64_t first, last;
	int has_total;                /* TOTAL was a number, not "*" */
	uint64_t total;
	char etag[80];                /* "" when none (or too long) */
};

/*
 * Parse the response head at p[0..len).  1: parsed (r filled); 0: not
 * whole yet (read more); -1: not an HTTP/1.x response we accept, why
 * says what (a bad status line, a header without ':', a folded line, a
 * bad or conflicting Content-Length or Content-Range, a head over
 * PAYLOAD_HEAD_MAX).
 */
int payload_response_parse(const char *p, size_t len, struct payload_response *r, char *why,
    size_t whylen);

/*
 * The verdict on a probe that asked for bytes 0..want_len-1 of a file
 * of want_size bytes whose first bytes are want: 0 when r and body (the
 * body bytes read, at most want_len) are exactly that, else -1 with why
 * (404, no range support, another size, other bytes, ...).
 */
int payload_judge(const struct payload_response *r, const void *body, size_t body_len,
    uint64_t want_size, const void *want, size_t want_len, char *why, size_t whylen);

/*
 * GET u's PATH+path with "Range: bytes=0-(want_len-1)" and judge the
 * answer (blocking, at most timeout_ms in all).  0: u serves that file;
 * -1 with why (name not found, refused, no answer in time, the verdict).
 */
int payload_probe(const struct payload_url *u, const char *path, uint64_t want_size,
    const void *want, size_t want_len, unsigned timeout_ms, char *why, size_t whylen);

/* ---- the check, run beside the event loop (payload_run.c) ---- */

struct loop;
struct vfs;
struct payload_run;

/*
 * Start checking urls[0..n) for every ISO of v (a reference is held
 * until the check ends): a child process probes, the loop reads its
 * verdicts and sets each ISO's payload URL (the first URL that passed,
 * in the order given) with vfs_set_payload; every verdict is logged.
 * A check still running for an older tree is stopped first.  n == 0
 * clears the notes and starts nothing.  0, or -1 (fork or pipe failed:
 * logged; clients use pxestick directly).
 */
int payload_check_start(struct payload_run **run, struct loop *l, struct vfs *v,
    const struct payload_url *urls, size_t n);

/* Stop the check (the child is killed) and free it; NULL is fine. */
void payload_check_stop(struct payload_run **run, struct loop *l);

#endif
