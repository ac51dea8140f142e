/* `pxestick status` and `pxestick top` (status_cli.c). */
#ifndef PXESTICK_STATUS_CLI_H
#define PXESTICK_STATUS_CLI_H

#include <stddef.h>

/*
 * The control socket's path that the config file config names (NULL:
 * the default config, if any): 0 and the path in sock, or -1 with the
 * reason in err.  The caller that knows the settings provides it.
 */
typedef int status_state_fn(const char *config, char *sock, size_t size, char *err,
    size_t errlen);

int status_cli_main(int argc, char **argv, status_state_fn *state_of);
int clients_cli_main(int argc, char **argv, status_state_fn *state_of);
int top_cli_main(int argc, char **argv, status_state_fn *state_of);
int support_cli_main(int argc, char **argv, status_state_fn *state_of);

#endif
