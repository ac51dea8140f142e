/* `pxestick status` and `pxestick top` (status_cli.c). */
#ifndef PXESTICK_STATUS_CLI_H
#define PXESTICK_STATUS_CLI_H

#include <stddef.h>

/*
 * The state directory (where the server's socket is) that the config
 * file config names (NULL: no file, the defaults): 0 and the directory in
 * state, or -1 with the reason in err.  The caller that knows the
 * settings provides it.
 */
typedef int status_state_fn(const char *config, char *state, size_t size, char *err,
    size_t errlen);

int status_cli_main(int argc, char **argv, status_state_fn *state_of);
int clients_cli_main(int argc, char **argv, status_state_fn *state_of);
int top_cli_main(int argc, char **argv, status_state_fn *state_of);

#endif
