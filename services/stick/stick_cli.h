#ifndef PXESTICK_STICK_STICK_CLI_H
#define PXESTICK_STICK_STICK_CLI_H

/* `pxestick stick grow ...`: argv[0] is "stick".  Exit 0 when the table
 * was grown or already fills the disk, 1 when there is no valid table or
 * it cannot grow, 2 for usage or an I/O error, 3 when the test hook
 * (PXESTICK_STICK_STOP_AFTER) stopped it. */
int stick_cli_main(int argc, char **argv);

#endif
