/*
 * Fuzz target: the boot-entry parsers (systemd-boot entry files and
 * syslinux configs), the command line built from what they accept, and
 * archiso_client_mib() (the RAM a client reports in boot.ipxe's query).
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
	static const struct archiso_boot boot = { "http://10.0.0.1", ARCHISO_VERIFY_CMS, "1G", 1, NULL };
	struct archiso_entry e;
	char err[256], out[ARCHISO_MAX_CMDLINE];
	size_t n = 0;

	memset(&a, 0, sizeof(a));
	archiso_name("fuzz.iso", a.name, sizeof(a.name));
	memcpy(a.basedir, "arch", 5);
	a.has_cms_sig = size & 1;
	if (archiso_entry_parse((const char *)data, size, "f.conf", &e, err, sizeof(err)) == 1)
		(void)archiso_cmdline(&a, &e, &boot, out, sizeof(out), ignore, NULL);
	archiso_syslinux_parse((const char *)data, size, "f.cfg", a.entries, &n,
	    ARCHISO_MAX_ENTRIES, ignore, NULL);
	/* The RAM a client reports in boot.ipxe's query: never more than the cap. */
	if (archiso_client_mib((const char *)data, size / 3, (const char *)data + size / 3,
	    size / 3, (const char *)data + 2 * (size / 3), size - 2 * (size / 3)) >
	    ARCHISO_MAX_CLIENT_MIB)
		__builtin_trap();
	for (size_t i = 0; i < n; i++) {
		if (memchr(a.entries[i].kernel, '\0', sizeof(a.entries[i].kernel)) == NULL)
			__builtin_trap();
		(void)archiso_cmdline(&a, &a.entries[i], &boot, out, sizeof(out),
		    ignore, NULL);
	}
	return 0;
}
