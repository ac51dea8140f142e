/*
 * A whole authorized_keys file, one line at a time.
 */
#include <string.h>

#include "keyinject/keys_internal.h"

void
keys_scan_init(struct keys_scan *s, const void *buf, size_t len)
{
	s->lineno = 0;
	s->dup_of = 0;
	s->nkeys = 0;
	s->nbad = 0;
	s->p = buf;
	s->rem = len;
	/* Notepad writes a UTF-8 byte order mark; sshd would choke on it, and
	 * we write our own lines anyway. */
	if (s->rem >= 3 && memcmp(s->p, "\xef\xbb\xbf", 3) == 0) {
		s->p += 3;
		s->rem -= 3;
	}
}

/* The next line, newline excluded; 0 at the end of the buffer. */
static int
next_line(struct keys_scan *s, const char **line, size_t *len)
{
	const char *nl;

	if (s->rem == 0)
		return 0;
	nl = memchr(s->p, '\n', s->rem);
	*line = s->p;
	*len = nl != NULL ? (size_t)(nl - s->p) : s->rem;
	s->p += *len;
	s->rem -= *len;
	if (nl != NULL) {
		s->p++;
		s->rem--;
	}
	s->lineno++;
	return 1;
}

/* KEYS_DUP when the key was seen, else remember it (KEYS_KEY) or refuse
 * it when the table is full (KEYS_BAD). */
static int
remember(struct keys_scan *s)
{
	unsigned char hash[32];

	keys_blob_hash(&s->key, hash);
	for (unsigned i = 0; i < s->nkeys; i++) {
		if (memcmp(s->seen[i], hash, sizeof(hash)) == 0) {
			s->dup_of = s->seen_line[i];
			return KEYS_DUP;
		}
	}
	if (s->nkeys == KEYS_MAX_KEYS) {
		keys_fail(&s->key, "more than %d keys in the file", KEYS_MAX_KEYS);
		s->key.type = KEYS_TYPE_NONE;
		return KEYS_BAD;
	}
	memcpy(s->seen[s->nkeys], hash, sizeof(hash));
	s->seen_line[s->nkeys] = s->lineno;
	s->nkeys++;
	return KEYS_KEY;
}

int
keys_scan_next(struct keys_scan *s)
{
	const char *line;
	size_t len;
	int rc;

	s->dup_of = 0;
	while (next_line(s, &line, &len)) {
		rc = keys_parse_line(&s->key, line, len);
		if (rc == KEYS_SKIP)
			continue;
		if (rc == KEYS_KEY)
			rc = remember(s);
		if (rc == KEYS_BAD)
			s->nbad++;
		return rc;
	}
	return KEYS_END;
}
