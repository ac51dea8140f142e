#!/bin/sh
# The mission, every time the tests run: a BIOS and a UEFI client boot at
# the same time from the appliance VM (authoritative DHCP on an isolated
# bridge) and each accepts an SSH login with the injected key.  The whole
# matrix is `make test-e2e`.
exec sh tests/qemu/netboot.sh authoritative:bios-virtio+uefi-pxe
