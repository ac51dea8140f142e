/* `pxestick status` and `pxestick top` (status_cli.c). */
#ifndef PXESTICK_STATUS_CLI_H
#define PXESTICK_STATUS_CLI_H

int status_cli_main(int argc, char **argv);
int top_cli_main(int argc, char **argv);

#endif
