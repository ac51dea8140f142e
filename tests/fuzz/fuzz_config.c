/*
 * Fuzz target: the config file parser with the real settings table, and
 * the path cleaner (the traversal boundary) on the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/config.h"
#include "serve/settings.h"
#include "vfs/vfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
set(void *ctx, const char *key, const char *value, char *err, size_t errlen)
{
	return settings_set(ctx, key, value, err, errlen);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct settings s;
	char err[512], out[VFS_MAX_PATH];
	const char *reason;

	settings_defaults(&s);
	if (config_parse((const char *)data, size, "f.conf", set, &s, err, sizeof(err)) != 0 &&
	    strncmp(err, "f.conf:", 7) != 0)
		__builtin_trap(); /* every error names the file and line */
	for (int decode = 0; decode < 2; decode++) {
		if (vfs_path_clean((const char *)data, size, decode, out, sizeof(out), &reason) != 0)
			continue;
		/* Whatever passes is absolute and has no ".." segment. */
		if (out[0] != '/' || strstr(out, "/../") != NULL ||
		    (strlen(out) >= 3 && strcmp(out + strlen(out) - 3, "/..") == 0) ||
		    strchr(out, '\\') != NULL)
			__builtin_trap();
	}
	return 0;
}
