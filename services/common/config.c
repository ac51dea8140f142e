#include "common/config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/limits.h"
#include "common/log.h"

static int
blank(char c)
{
	return c == ' ' || c == '\t';
}

static int
key_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '_' || c == '.';
}

/* One line [p, p+n): 0, or -1 with err filled. */
static int
config_line(const char *p, size_t n, const char *file, int lineno, config_set_fn *set,
    void *ctx, char *err, size_t errlen)
{
	char key[CONFIG_MAX_KEY + 1], value[CONFIG_MAX_VALUE + 1], msg[256], shown[64];
	size_t i = 0, k, v0, v1;

	while (i < n && blank(p[i]))
		i++;
	if (i == n || p[i] == '#')
		return 0;
	for (k = i; k < n && key_char((unsigned char)p[k]); k++)
		;
	if (k == i) {
		snprintf(err, errlen, "%s:%d: expected \"key = value\", found \"%s\"", file,
		    lineno, log_escape(shown, sizeof(shown), p + i, n - i));
		return -1;
	}
	if (k - i > CONFIG_MAX_KEY) {
		snprintf(err, errlen, "%s:%d: key is longer than %d characters", file, lineno,
		    CONFIG_MAX_KEY);
		return -1;
	}
	memcpy(key, p + i, k - i);
	key[k - i] = '\0';
	while (k < n && blank(p[k]))
		k++;
	if (k == n || p[k] != '=') {
		snprintf(err, errlen, "%s:%d: expected '=' after \"%s\"", file, lineno, key);
		return -1;
	}
	v0 = k + 1;
	while (v0 < n && blank(p[v0]))
		v0++;
	v1 = n;
	while (v1 > v0 && blank(p[v1 - 1]))
		v1--;
	if (v1 - v0 > CONFIG_MAX_VALUE) {
		snprintf(err, errlen, "%s:%d: %s: value is longer than %d characters", file,
		    lineno, key, CONFIG_MAX_VALUE);
		return -1;
	}
	for (size_t j = v0; j < v1; j++) {
		unsigned char c = (unsigned char)p[j];

		if (c < 0x20 && c != '\t') {
			snprintf(err, errlen, "%s:%d: %s: value contains a control character",
			    file, lineno, key);
			return -1;
		}
	}
	memcpy(value, p + v0, v1 - v0);
	value[v1 - v0] = '\0';
	msg[0] = '\0';
	if (set(ctx, key, value, msg, sizeof(msg)) != 0) {
		snprintf(err, errlen, "%s:%d: %s", file, lineno, msg[0] ? msg : "invalid");
		return -1;
	}
	return 0;
}

int
config_parse(const char *text, size_t len, const char *file, config_set_fn *set,
    void *ctx, char *err, size_t errlen)
{
	size_t pos = 0;
	int lineno = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		size_t m = n;

		lineno++;
		if (m > 0 && text[pos + m - 1] == '\r')
			m--;
		if (memchr(text + pos, '\0', m) != NULL) {
			snprintf(err, errlen, "%s:%d: NUL byte in the file", file, lineno);
			return -1;
		}
		if (config_line(text + pos, m, file, lineno, set, ctx, err, errlen) != 0)
			return -1;
		pos += n + (nl != NULL);
	}
	return 0;
}

int
config_load(const char *path, config_set_fn *set, void *ctx, char *err, size_t errlen)
{
	char *text;
	ssize_t n;
	size_t len = 0;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	text = malloc(CONFIG_MAX_BYTES + 1);
	if (text == NULL) {
		close(fd);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	while ((n = read(fd, text + len, CONFIG_MAX_BYTES + 1 - len)) > 0) {
		len += (size_t)n;
		if (len > CONFIG_MAX_BYTES)
			break;
	}
	close(fd);
	if (n < 0 || len > CONFIG_MAX_BYTES) {
		snprintf(err, errlen, "%s: %s", path, n < 0 ? strerror(errno) :
		    "larger than the limit of " "64 KiB for a config file");
		free(text);
		return -1;
	}
	rc = config_parse(text, len, path, set, ctx, err, errlen);
	free(text);
	return rc;
}
