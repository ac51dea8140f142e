#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/buf.h"
#include "common/util.h"

#define LOG_BATCH_BYTES (64 * 1024)
#define LOG_RECENT_BYTES (128 * 1024)

static const char *log_program = "pxestick";
static int log_batching;
static int log_stamping;
/* The newest lines, for /log and the support bundle: a ring of bytes. */
static char log_ring[LOG_RECENT_BYTES];
static size_t log_ring_end;     /* where the next byte goes */
static int log_ring_full;
static char log_pending[LOG_BATCH_BYTES];
static size_t log_pending_len;

void
log_batch(int on)
{
	if (!on)
		log_flush();
	log_batching = on;
}

void
log_flush(void)
{
	if (log_pending_len > 0)
		(void)write_all(2, log_pending, log_pending_len);
	log_pending_len = 0;
}

/* Is stderr the journal's stream?  systemd sets JOURNAL_STREAM to its
 * "device:inode" (systemd.exec(5)); the journal stamps lines itself. */
static int
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(2, &st) != 0)
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void
log_stamp(int on)
{
	log_stamping = on && !stderr_is_journal();
}

static void
ring_put(const char *p, size_t n)
{
	while (n > 0) {
		size_t k = sizeof(log_ring) - log_ring_end;

		if (k > n)
			k = n;
		memcpy(log_ring + log_ring_end, p, k);
		log_ring_end += k;
		p += k;
		n -= k;
		if (log_ring_end == sizeof(log_ring)) {
			log_ring_end = 0;
			log_ring_full = 1;
		}
	}
}

void
log_recent(struct buf *out)
{
	size_t start = 0;

	if (log_ring_full) {
		/* The oldest bytes start mid-line: from the first whole line. */
		const char *nl = memchr(log_ring + log_ring_end, '\n',
		    sizeof(log_ring) - log_ring_end);

		if (nl != NULL) {
			start = (size_t)(nl + 1 - log_ring);
			buf_append(out, log_ring + start, sizeof(log_ring) - start);
		}
	}
	buf_append(out, log_ring, log_ring_end);
}

void
log_set_program(const char *name)
{
	log_program = name;
}

void
log_msg(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	n = 0;
	if (log_stamping) {
		time_t now = time(NULL);
		struct tm tm;

		if (gmtime_r(&now, &tm) != NULL)
			n = (int)strftime(line, sizeof(line), "%Y-%m-%d %H:%M:%S ", &tm);
	}
	n += snprintf(line + n, sizeof(line) - (size_t)n, "%s: ", log_program);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	n = (int)strlen(line);
	line[n++] = '\n'; /* fits: vsnprintf left room for its NUL */
	if (log_stamping)
		ring_put(line, (size_t)n);
	if (!log_batching) {
		/* One write per line, so writers never interleave mid-line. */
		(void)write_all(2, line, (size_t)n);
		return;
	}
	if (log_pending_len + (size_t)n > sizeof(log_pending))
		log_flush();
	memcpy(log_pending + log_pending_len, line, (size_t)n);
	log_pending_len += (size_t)n;
}

char *
log_escape(char *dst, size_t dstsize, const void *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = src;
	size_t o = 0, i;

	if (dstsize == 0)
		return dst;
	for (i = 0; i < len; i++) {
		unsigned char c = s[i];
		size_t need = (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') ? 1 : 4;

		if (o + need + 1 > dstsize) {
			/* Leave room for "..." to show the cut. */
			while (o > 0 && o + 4 > dstsize)
				o--;
			if (o + 4 <= dstsize) {
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (need == 1) {
			dst[o++] = (char)c;
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o] = '\0';
	return dst;
}

void
invariant_failed(const char *file, int line, const char *what)
{
	log_batch(0); /* writes what the turn logged so far */
	log_msg("internal error at %s:%d: %s does not hold: stopping", file, line, what);
	abort();
}
