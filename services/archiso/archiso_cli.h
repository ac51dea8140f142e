#ifndef PXESTICK_ARCHISO_CLI_H
#define PXESTICK_ARCHISO_CLI_H

/* `pxestick archiso entries|ipxe|verify ...`: argv[0] is "archiso". */
int archiso_cli_main(int argc, char **argv);

#endif
