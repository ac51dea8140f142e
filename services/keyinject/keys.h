/*
 * authorized_keys validation and script.cfg generation.
 *
 * The technician's authorized_keys file is untrusted input: it comes from a
 * FAT partition anyone may have written.  Every line is parsed the way
 * sshd(8) parses it (auth2-pubkeyfile.c, auth-options.c, sshkey.c), and
 * then more strictly: the key blob is decoded and checked field by field,
 * the key must be one of the types below, RSA needs KEYS_RSA_MIN_BITS.
 * Only lines that pass every check reach script.cfg, and there they are
 * data inside single quotes, never shell.
 *
 * Nothing here allocates or does I/O: the caller owns every buffer, so the
 * same code serves `pxestick keys`, the HTTP server and the fuzz targets.
 */
#ifndef PXESTICK_KEYINJECT_KEYS_H
#define PXESTICK_KEYINJECT_KEYS_H

#include <stddef.h>

#include "common/limits.h"

enum keys_type {
	KEYS_TYPE_NONE = 0,
	KEYS_TYPE_ED25519,
	KEYS_TYPE_ECDSA_P256,
	KEYS_TYPE_ECDSA_P384,
	KEYS_TYPE_ECDSA_P521,
	KEYS_TYPE_RSA,
	KEYS_TYPE_SK_ED25519,
	KEYS_TYPE_SK_ECDSA_P256
};

/* The type's name in files and blobs ("ssh-ed25519"); "?" for NONE. */
const char *keys_type_name(enum keys_type type);
/* The type as `ssh-keygen -l` shows it ("ED25519", "ECDSA-SK"). */
const char *keys_type_label(enum keys_type type);

/* Results of keys_parse_line() and keys_scan_next(). */
#define KEYS_END        0       /* no more lines (keys_scan_next only) */
#define KEYS_KEY        1       /* a valid key line */
#define KEYS_SKIP       2       /* blank or '#' comment (keys_parse_line only) */
#define KEYS_BAD        3       /* an invalid line: see error */
#define KEYS_DUP        4       /* a valid key already seen (keys_scan_next only) */

/* "SHA256:" and 43 characters of unpadded base64, as ssh-keygen -l. */
#define KEYS_FINGERPRINT_SIZE 51

/*
 * One parsed line.  The const char * fields point into the caller's line
 * and are valid as long as it is; options is NULL when there are none,
 * comment is NULL when there is none.  error is the first problem found
 * (a sticky error: later checks never overwrite it), "" on success; bytes
 * from the line are escaped in it, so it is safe to print.
 */
struct keys_key {
	enum keys_type type;
	unsigned bits;                  /* as ssh-keygen -l: modulus bits for RSA */
	const char *options;            /* the options token, verbatim */
	size_t options_len;
	const char *base64;             /* the key data as written */
	size_t base64_len;
	const char *comment;            /* the rest of the line, trailing blanks cut */
	size_t comment_len;
	unsigned char blob[KEYS_MAX_BLOB]; /* decoded key data */
	size_t blob_len;
	char error[KEYS_MAX_ERROR];
};

/*
 * Parse one line (len bytes, no newline; a trailing '\r' from a CRLF file
 * is ignored).  The line need not be NUL-terminated and may hold any bytes.
 * Returns KEYS_KEY, KEYS_SKIP or KEYS_BAD; k is fully rewritten each call.
 */
int keys_parse_line(struct keys_key *k, const char *line, size_t len);

/*
 * The SHA-256 fingerprint of a parsed key ("SHA256:..."), as ssh-keygen -l
 * prints it.  out MUST hold KEYS_FINGERPRINT_SIZE bytes.
 */
void keys_fingerprint(const struct keys_key *k, char out[KEYS_FINGERPRINT_SIZE]);

/*
 * The line a key is installed as: "[OPTIONS ]TYPE BASE64[ COMMENT]", with
 * single spaces between fields.  Writes at most size bytes (NUL included)
 * and returns the length it needs, NUL excluded, as snprintf does.
 */
size_t keys_format_line(const struct keys_key *k, char *out, size_t size);

/*
 * A whole authorized_keys file, line by line.  Lines are split at '\n';
 * blank and comment lines are skipped.  A key seen before (same blob, by
 * fingerprint) is reported as KEYS_DUP, because sshd uses only the first
 * line of a key.  More than KEYS_MAX_KEYS keys, or a line longer than
 * KEYS_MAX_LINE, is KEYS_BAD.  The struct is large (~25 KiB): keep it off
 * small stacks.
 */
struct keys_scan {
	/* After each keys_scan_next(), read these: */
	unsigned lineno;                /* 1-based number of the current line */
	struct keys_key key;            /* the current line */
	unsigned dup_of;                /* for KEYS_DUP: the first line of the key */
	unsigned nkeys;                 /* KEYS_KEY lines so far */
	unsigned nbad;                  /* KEYS_BAD lines so far */
	/* Private: */
	const char *p;
	size_t rem;
	unsigned char seen[KEYS_MAX_KEYS][32];
	unsigned seen_line[KEYS_MAX_KEYS];
};

/* Start a scan of len bytes at buf; buf MUST outlive the scan. */
void keys_scan_init(struct keys_scan *s, const void *buf, size_t len);
/* The next key line: KEYS_KEY, KEYS_BAD, KEYS_DUP or KEYS_END. */
int keys_scan_next(struct keys_scan *s);

/*
 * script.cfg: a POSIX sh script, run as root by the Arch live system
 * (releng's .automated_script.sh fetches it from script=URL and executes
 * it directly, hence the shebang).  It
 *   1. writes exactly the valid keys of the file to a temporary file in
 *      /root/.ssh (mode 0700), makes it 0600 and root-owned, and renames it
 *      over /root/.ssh/authorized_keys: running it again gives the same file;
 *   2. runs `systemctl start sshd`; on failure it says so on stderr, goes
 *      on, and exits non-zero at the end;
 *   3. runs the steps, if any, in order: each is written to a temporary
 *      file and run in its own process (executed directly when it starts
 *      with "#!", else with sh), its name said first ("pxestick: step
 *      NAME"); a step that fails is said ("... FAILED (exit N)") and makes
 *      script.cfg exit non-zero at the end, and the next step still runs.
 *      CRLF line ends are cut to LF.
 * Testing only: with PXESTICK_ROOT=DIR in its environment the script
 * installs below DIR instead of /, skips chown, and runs sshd's start
 * through $PXESTICK_SYSTEMCTL if that is set (not at all otherwise).
 */

/*
 * Called for every line that is left out (KEYS_BAD, KEYS_DUP); the scan
 * holds the line number, the key and its error.
 */
typedef void keys_report_fn(void *ctx, const struct keys_scan *s, int result);

/* A step script.cfg runs after the keys: its name (for people: a file
 * name) and its text. */
struct keys_step {
	const char *name;
	const char *text;
	size_t len;
};

/*
 * Is a step's text embeddable?  0; or -1 with why pointing at a static
 * reason (a NUL byte, over KEYS_MAX_EXTRA).
 */
int keys_step_check(const char *text, size_t len, const char **why);

/*
 * Write script.cfg for the authorized_keys bytes keys[0..keys_len) and
 * the steps steps[0..n_steps) into out (size bytes, NUL-terminated when
 * size > 0).  s is scratch space; after the call it holds the counts
 * (s->nkeys, s->nbad).  report may be NULL.
 *
 * Returns the script's length (NUL excluded); when that is >= size, the
 * output was cut and the call must be repeated with a larger buffer (the
 * length is the same for the same input).  Returns 0 and sets *err when a
 * step cannot be embedded (keys_step_check), or there are more than
 * KEYS_MAX_STEPS.
 */
size_t keys_script(char *out, size_t size, const void *keys, size_t keys_len,
    const struct keys_step *steps, size_t n_steps, struct keys_scan *s,
    keys_report_fn *report, void *ctx, const char **err);

#endif
