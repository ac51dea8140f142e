/*
 * Fuzz target: the authorized_keys line parser on arbitrary bytes, and the
 * script.cfg generator on whatever the parser accepts.
 *
 * Beyond "no crash", it checks the properties the rest of pxestick relies
 * on: an error message is printable; a key's fields lie inside the line;
 * and in script.cfg every byte from the input sits inside single quotes
 * and unquotes back to exactly the key line (or the extra script's line)
 * it came from, so nothing from the input can run as shell.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keyinject/keys.h"

static struct keys_key key;
static struct keys_scan scan, rescan;
static char script[4 << 20];
static char word[KEYS_MAX_EXTRA + KEYS_MAX_LINE];
static char want[KEYS_MAX_LINE + 128];

static void
check_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			abort();
}

static int
inside(const char *p, size_t n, const uint8_t *data, size_t size)
{
	const char *b = (const char *)data;

	return p >= b && n <= size && (size_t)(p - b) <= size - n;
}

/* The result of keys_parse_line() on [data, data + size). */
static void
check_fields(int rc, const uint8_t *data, size_t size)
{
	check_printable(key.error);
	if (rc == KEYS_BAD) {
		if (key.error[0] == '\0' || key.type != KEYS_TYPE_NONE)
			abort();
		return;
	}
	if (rc == KEYS_SKIP)
		return;
	if (rc != KEYS_KEY || key.error[0] != '\0' || key.type == KEYS_TYPE_NONE ||
	    key.bits == 0 || key.blob_len == 0 ||
	    !inside(key.base64, key.base64_len, data, size) ||
	    (key.options != NULL && !inside(key.options, key.options_len, data, size)) ||
	    (key.comment != NULL && !inside(key.comment, key.comment_len, data, size)))
		abort();
	if (keys_format_line(&key, want, sizeof(want)) >= sizeof(want))
		abort();
	for (const char *p = want; *p; p++)
		if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
			abort();
}

/* The input as one line, and (seeds are files) without its final newline,
 * in an exactly-sized copy so ASan still sees an over-read by one. */
static void
check_line(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	check_fields(keys_parse_line(&key, (const char *)data, size), data, size);
	if (size == 0 || data[size - 1] != '\n')
		return;
	if ((copy = malloc(size > 1 ? size - 1 : 1)) == NULL)
		abort();
	memcpy(copy, data, size - 1);
	check_fields(keys_parse_line(&key, (const char *)copy, size - 1), copy, size - 1);
	free(copy);
}

/*
 * Read "\tprintf '%s\n' WORD\n" at *p and unquote WORD into word[]: only
 * '...' runs and \' may appear.  Returns the length; aborts otherwise.
 */
static size_t
unquote_printf(const char **p, const char *end)
{
	static const char lead[] = "\tprintf '%s\\n' ";
	const char *s = *p;
	size_t n = 0;

	if ((size_t)(end - s) < sizeof(lead) - 1 || memcmp(s, lead, sizeof(lead) - 1) != 0)
		abort();
	s += sizeof(lead) - 1;
	while (s < end && *s != '\n') {
		if (*s == '\\' && s + 1 < end && s[1] == '\'') {
			word[n++] = '\'';
			s += 2;
		} else if (*s == '\'') {
			const char *close = memchr(s + 1, '\'', (size_t)(end - s - 1));

			if (close == NULL || n + (size_t)(close - s - 1) > sizeof(word))
				abort();
			memcpy(word + n, s + 1, (size_t)(close - s - 1));
			n += (size_t)(close - s - 1);
			s = close + 1;
		} else {
			abort();        /* a byte outside quotes */
		}
	}
	if (s == end)
		abort();
	*p = s + 1;
	return n;
}

/* The keys block holds exactly the KEYS_KEY lines of a second scan. */
static void
check_keys_block(const uint8_t *data, size_t size, const char *out, size_t len)
{
	const char *p = strstr(out, "\n{\n"), *end = out + len;
	size_t n, wn;
	int rc;

	if (p == NULL)
		abort();
	p += 3;
	keys_scan_init(&rescan, data, size);
	while ((rc = keys_scan_next(&rescan)) != KEYS_END) {
		if (rc != KEYS_KEY)
			continue;
		n = keys_format_line(&rescan.key, want, sizeof(want));
		wn = unquote_printf(&p, end);
		if (wn != n || memcmp(word, want, n) != 0)
			abort();
	}
	if (rescan.nkeys == 0) {
		static const char none[] = "\t: # no valid key in the file\n";

		if (strncmp(p, none, sizeof(none) - 1) != 0)
			abort();
		p += sizeof(none) - 1;
	}
	if (strncmp(p, "} > \"$tmp\"\n", 11) != 0)
		abort();
}

static void
check_script(const uint8_t *data, size_t size)
{
	const char *err;
	size_t n;

	n = keys_script(script, sizeof(script), data, size, NULL, 0, &scan, NULL, NULL,
	    &err);
	if (err != NULL || n >= sizeof(script) || strlen(script) != n)
		abort();
	check_keys_block(data, size, script, n);
}

/* The input as a step: each line comes back, CR cut. */
static void
check_extra(const uint8_t *data, size_t size)
{
	static const char keys[] = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIP5RxGyNW3Ql"
	    "ffDHvF+lIbalr8KD6C3kCMuhuDk666FH\n";
	const char *err, *p, *end, *line = (const char *)data;
	size_t n, rem = size;

	const struct keys_step step = { "step.sh", (const char *)data, size };

	n = keys_script(script, sizeof(script), keys, sizeof(keys) - 1, &step, 1, &scan, NULL,
	    NULL, &err);
	if (size > 0 && memchr(data, '\0', size) != NULL) {
		if (err == NULL || n != 0)
			abort();
		return;
	}
	if (err != NULL || n >= sizeof(script))
		abort();
	end = script + n;
	p = strstr(script, "as data like the keys.\n# shellcheck disable=SC1003,SC2016\n{\n");
	if (p == NULL)
		abort();
	p = strchr(p, '{') + 2;
	while (rem > 0) {
		const char *nl = memchr(line, '\n', rem);
		size_t ln = nl != NULL ? (size_t)(nl - line) : rem, wn;

		wn = unquote_printf(&p, end);
		if (wn != (ln > 0 && line[ln - 1] == '\r' ? ln - 1 : ln) ||
		    memcmp(word, line, wn) != 0)
			abort();
		line += ln;
		rem -= ln;
		if (nl != NULL) {
			line++;
			rem--;
		}
	}
	if (strncmp(p, "} > \"$step\"\n", 12) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > KEYS_MAX_FILE)
		return 0;
	check_line(data, size);
	check_script(data, size);
	if (size <= KEYS_MAX_EXTRA)
		check_extra(data, size);
	return 0;
}
