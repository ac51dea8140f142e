/*
 * The support bundle (`GET /support.tar.gz`, `pxestick support`): what
 * someone helping a technician asks for first, in one file they can mail.
 *
 *   README.txt        what this is: version, time, what is in it or missing
 *   pxestick.log      the server's recent log (log_recent)
 *   boot.log          the appliance's boot log (the boot-log setting)
 *   config.txt        the effective settings; tls-key's path left out
 *   status.json       the status document (docs/STATUS.md)
 *   dhcp-leases, verified-isos, boot-once   from the state directory
 *
 * Never in it: private keys (the TLS key, nothing else in the state
 * directory is read), and nothing from outside these named files.
 */
#ifndef PXESTICK_SERVE_SUPPORT_H
#define PXESTICK_SERVE_SUPPORT_H

#include <stdint.h>

#include "common/buf.h"
#include "serve/settings.h"

/* The bundle for settings cfg and the status document status_json (its
 * bytes), into out, stamped now.  0, or -1 (out of memory). */
int support_bundle(const struct settings *cfg, const struct buf *status_json, int64_t now,
    struct buf *out);

#endif
