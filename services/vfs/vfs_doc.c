/*
 * Documents made in memory (boot.ipxe, script.cfg), reference-counted so
 * that whoever still sends one keeps it alive.
 */
#include <stdlib.h>
#include <string.h>

#include "vfs/vfs.h"

struct vfs_doc *
vfs_doc_new(const char *data, size_t len)
{
	struct vfs_doc *d = malloc(sizeof(*d) + len + 1);

	if (d == NULL)
		return NULL;
	d->refs = 1;
	d->hashed = 0;
	d->len = len;
	if (data != NULL)
		memcpy(d->data, data, len);
	else
		memset(d->data, 0, len);
	d->data[len] = '\0';
	return d;
}

void
vfs_doc_unref(struct vfs_doc *d)
{
	if (d != NULL && --d->refs == 0)
		free(d);
}
