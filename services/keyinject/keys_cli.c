/*
 * `pxestick keys check|script`: the key checker and the script.cfg
 * generator from the shell.  All the work is in keys_*.c; this file reads
 * files and prints.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/limits.h"
#include "common/log.h"
#include "common/util.h"
#include "keyinject/keys.h"
#include "keyinject/keys_cli.h"

#define EXIT_INVALID 1
#define EXIT_BAD     2

static const char keys_usage[] =
    "usage: pxestick keys check FILE\n"
    "       pxestick keys script FILE [--extra SCRIPT]...\n"
    "\n"
    "Check an authorized_keys file, or turn it into script.cfg for the Arch live\n"
    "system.\n"
    "  check   one line per valid key on stdout:\n"
    "            FILE:LINE: ok TYPE BITS FINGERPRINT [COMMENT]\n"
    "          one line per problem on stderr: FILE:LINE: MESSAGE\n"
    "  script  script.cfg on stdout: installs exactly the valid keys for root,\n"
    "          starts sshd, then runs each SCRIPT in its own process, in order (a\n"
    "          failing one is said and the next still runs); lines left out go to\n"
    "          stderr\n"
    "Key types: ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa (2048 bits or\n"
    "more), sk-ssh-ed25519@openssh.com, sk-ecdsa-sha2-nistp256@openssh.com.\n"
    "Exit status: 0 every key line valid, 1 an invalid line or no key at all,\n"
    "2 usage or an unreadable file.\n";

static int
usage_error(const char *msg)
{
	if (msg != NULL)
		fprintf(stderr, "pxestick keys: %s\n", msg);
	fputs(keys_usage, stderr);
	return EXIT_BAD;
}

/* Read all of path, at most limit bytes, into a new buffer. */
static char *
read_file(const char *path, size_t limit, size_t *len)
{
	char *buf = malloc(limit + 1);
	size_t n = 0;
	ssize_t r;
	int fd;

	if (buf == NULL || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "pxestick keys: %s: %s\n", path, strerror(errno));
		free(buf);
		return NULL;
	}
	/* One byte past the limit tells "exactly the limit" from "more". */
	while (n <= limit && (r = read(fd, buf + n, limit + 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "pxestick keys: %s: %s\n", path, strerror(errno));
			close(fd);
			free(buf);
			return NULL;
		}
		n += (size_t)r;
	}
	close(fd);
	if (n > limit) {
		fprintf(stderr, "pxestick keys: %s: larger than %zu bytes\n", path, limit);
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

struct report {
	char file[256];         /* escaped */
	int script;             /* reporting for `keys script` */
};

static void
report_line(void *ctx, const struct keys_scan *s, int result)
{
	const struct report *r = ctx;

	if (result == KEYS_DUP)
		fprintf(stderr, "%s:%u: %sthe same key as line %u (sshd uses only the "
		    "first)%s\n", r->file, s->lineno, r->script ? "" : "warning: ",
		    s->dup_of, r->script ? ", left out" : "");
	else
		fprintf(stderr, "%s:%u: %s\n", r->file, s->lineno, s->key.error);
}

static void
print_ok(const struct report *r, const struct keys_scan *s)
{
	char fp[KEYS_FINGERPRINT_SIZE], comment[1024];

	keys_fingerprint(&s->key, fp);
	printf("%s:%u: ok %s %u %s", r->file, s->lineno, keys_type_name(s->key.type),
	    s->key.bits, fp);
	if (s->key.comment != NULL)
		printf(" %s", log_escape(comment, sizeof(comment), s->key.comment,
		    s->key.comment_len));
	putchar('\n');
}

static int
flush_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "pxestick keys: writing output: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* The exit status of a scan: no key at all is a failure too. */
static int
scan_status(const struct report *r, const struct keys_scan *s)
{
	if (s->nkeys == 0) {
		fprintf(stderr, "%s: no valid SSH key in the file\n", r->file);
		return EXIT_INVALID;
	}
	return s->nbad > 0 ? EXIT_INVALID : 0;
}

static int
cmd_check(int argc, char **argv)
{
	static struct keys_scan scan;
	struct report r = { "", 0 };
	size_t len;
	char *buf;
	int rc;

	if (argc != 2)
		return usage_error("check takes one FILE");
	if ((buf = read_file(argv[1], KEYS_MAX_FILE, &len)) == NULL)
		return EXIT_BAD;
	log_escape(r.file, sizeof(r.file), argv[1], strlen(argv[1]));
	keys_scan_init(&scan, buf, len);
	while ((rc = keys_scan_next(&scan)) != KEYS_END) {
		if (rc == KEYS_KEY)
			print_ok(&r, &scan);
		else
			report_line(&r, &scan, rc);
	}
	rc = scan_status(&r, &scan);
	free(buf);
	return flush_stdout() != 0 ? EXIT_BAD : rc;
}

static int
write_script(const char *keys, size_t keys_len, const struct keys_step *steps,
    size_t n_steps, struct report *r)
{
	static struct keys_scan scan;
	const char *err;
	size_t need;
	char *out;
	int rc;

	/* Measure, then write: report() only on the second pass. */
	need = keys_script(NULL, 0, keys, keys_len, steps, n_steps, &scan, NULL, NULL, &err);
	if (err != NULL) {
		for (size_t i = 0; i < n_steps; i++)
			if (keys_step_check(steps[i].text, steps[i].len, &err) != 0)
				fprintf(stderr, "pxestick keys: %s: %s\n", steps[i].name, err);
		return EXIT_BAD;
	}
	if ((out = malloc(need + 1)) == NULL) {
		fprintf(stderr, "pxestick keys: %s\n", strerror(errno));
		return EXIT_BAD;
	}
	keys_script(out, need + 1, keys, keys_len, steps, n_steps, &scan, report_line, r, &err);
	rc = scan_status(r, &scan);
	if (write_all(STDOUT_FILENO, out, need) != 0) {
		fprintf(stderr, "pxestick keys: writing output: %s\n", strerror(errno));
		rc = EXIT_BAD;
	}
	free(out);
	return rc;
}

static int
cmd_script(int argc, char **argv)
{
	struct report r = { "", 1 };
	struct keys_step steps[KEYS_MAX_STEPS];
	const char *keys_path = NULL;
	char *keys = NULL;
	size_t keys_len, n_steps = 0;
	int rc = EXIT_BAD;

	for (int a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--extra") == 0 && a + 1 < argc && n_steps < KEYS_MAX_STEPS) {
			steps[n_steps].name = argv[++a];
			steps[n_steps].text = NULL;
			steps[n_steps++].len = 0;
		} else if (keys_path == NULL && strcmp(argv[a], "--extra") != 0) {
			keys_path = argv[a];
		} else {
			return usage_error("script takes one FILE and up to 64 --extra SCRIPT");
		}
	}
	if (keys_path == NULL)
		return usage_error("script takes one FILE");
	for (size_t i = 0; i < n_steps; i++)
		if ((steps[i].text = read_file(steps[i].name, KEYS_MAX_EXTRA, &steps[i].len)) == NULL)
			goto out;
	if ((keys = read_file(keys_path, KEYS_MAX_FILE, &keys_len)) == NULL)
		goto out;
	log_escape(r.file, sizeof(r.file), keys_path, strlen(keys_path));
	rc = write_script(keys, keys_len, steps, n_steps, &r);
out:
	for (size_t i = 0; i < n_steps; i++)
		free((char *)(uintptr_t)steps[i].text);
	free(keys);
	return rc;
}

int
keys_cli_main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "check", cmd_check }, { "script", cmd_script },
	};

	if (argc < 2)
		return usage_error(NULL);
	for (int a = 1; a < argc; a++)
		if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0) {
			fputs(keys_usage, stdout);
			return 0;
		}
	for (size_t i = 0; i < ARRAY_LEN(cmds); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	return usage_error("unknown keys command");
}
