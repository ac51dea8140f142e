/*
 * `pxestick serve`: one process, one event loop, every service in it.
 *
 * Start-up follows "acquire, then drop, then serve": settings, the file
 * tree (ISOs verified), every listening socket, then -- when started as
 * root -- the switch to an unprivileged user with no_new_privs, and only
 * then the first packet is read.
 *
 * This is the top layer: it reads the settings and gives each service
 * only what it uses (its own config struct, the loop, the current tree,
 * the client table); no service includes anything from serve/.
 */
#ifndef PXESTICK_SERVE_H
#define PXESTICK_SERVE_H

#include <stddef.h>

/* Read when no --config is given and it exists (the host install's). */
#define SERVE_DEFAULT_CONFIG "/etc/pxestick/pxestick.conf"

int serve_main(int argc, char **argv);

/*
 * The control socket the config file config names (NULL: the default
 * config, if any), for `pxestick status`, `clients` and `top`.  0, or -1
 * with err.
 */
int serve_socket_path(const char *config, char *sock, size_t size, char *err,
    size_t errlen);

#endif
