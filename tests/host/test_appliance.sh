#!/bin/sh
# The appliance image in QEMU (tests/qemu/): a host test so that `make test`
# runs it.  About nine minutes: sixteen boots under TCG.
exec sh tests/qemu/test_boot.sh
