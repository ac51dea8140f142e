#ifndef PXESTICK_KEYINJECT_KEYS_CLI_H
#define PXESTICK_KEYINJECT_KEYS_CLI_H

/* `pxestick keys ...`: argv[0] is "keys".  Exit 0 when every key line is
 * valid, 1 when a line is not (or there is no key), 2 for usage or an
 * unreadable file. */
int keys_cli_main(int argc, char **argv);

#endif
