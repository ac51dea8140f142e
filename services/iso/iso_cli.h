#ifndef PXESTICK_ISO_CLI_H
#define PXESTICK_ISO_CLI_H

/* `pxestick iso ...`: argv[0] is "iso".  Exit 0 ok, 1 not found, 2 bad
 * image or usage. */
int iso_cli_main(int argc, char **argv);

#endif
