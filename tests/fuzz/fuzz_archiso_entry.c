/*
 * Fuzz target: the boot-entry parsers (systemd-boot entry files and
 * syslinux configs) and the command line built from what they accept.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "archiso/archiso.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
ignore(void *ctx, const char *msg)
{
	(void)ctx;
	if (strlen(msg) == 0)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct archiso a;
	struct archiso_entry e;
	char err[256], out[ARCHISO_MAX_CMDLINE];
	size_t n = 0;

	memset(&a, 0, sizeof(a));
	archiso_name("fuzz.iso", a.name, sizeof(a.name));
	memcpy(a.basedir, "arch", 5);
	if (archiso_entry_parse((const char *)data, size, "f.conf", &e, err, sizeof(err)) == 1)
		(void)archiso_cmdline(&a, &e, "http://10.0.0.1", out, sizeof(out), ignore, NULL);
	archiso_syslinux_parse((const char *)data, size, "f.cfg", a.entries, &n,
	    ARCHISO_MAX_ENTRIES, ignore, NULL);
	for (size_t i = 0; i < n; i++) {
		if (memchr(a.entries[i].kernel, '\0', sizeof(a.entries[i].kernel)) == NULL)
			__builtin_trap();
		(void)archiso_cmdline(&a, &a.entries[i], "http://10.0.0.1", out, sizeof(out),
		    ignore, NULL);
	}
	return 0;
}
