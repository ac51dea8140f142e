# pxestick: one entry point.  `make help` lists the targets.
include config.mk

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
# Keep the objects of every build flavour between runs.
.SECONDARY:
.PHONY: all deps test unit fuzz fuzz-smoke bench clean help run image fixtures test-e2e FORCE \
        man install screenshots

LIB_SRCS  := $(sort $(filter-out services/main.c,$(wildcard services/*/*.c)))
HEADERS   := $(wildcard services/*/*.h) config.mk
UNIT_SRCS := $(sort $(wildcard tests/unit/*.c))
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZERS   := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
BEARSSL   := $(BUILD)/bearssl/lib/libbearssl.a

MUSL_OBJS := $(patsubst %.c,$(BUILD)/obj/musl/%.o,$(LIB_SRCS))
ASAN_OBJS := $(patsubst %.c,$(BUILD)/obj/asan/%.o,$(LIB_SRCS))
FUZZ_OBJS := $(patsubst %.c,$(BUILD)/obj/fuzz/%.o,$(LIB_SRCS))

all: $(BUILD)/pxestick

# The version the binary names (mk/version.sh), as a header that is
# rewritten only when it changes, so only version.o is rebuilt.
PXESTICK_VERSION := $(shell sh mk/version.sh)
$(BUILD)/gen/version.h: FORCE
	@mkdir -p $(@D)
	@printf '#define PXESTICK_VERSION "%s"\n' '$(PXESTICK_VERSION)' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
$(BUILD)/obj/musl/services/common/version.o: $(BUILD)/gen/version.h
$(BUILD)/obj/asan/services/common/version.o: $(BUILD)/gen/version.h
$(BUILD)/obj/fuzz/services/common/version.o: $(BUILD)/gen/version.h

help:
	@echo "make deps      install Debian packages, build BearSSL with musl-gcc"
	@echo "make           build/pxestick (static musl binary)"
	@echo "make test      unit tests (musl and ASan/UBSan), host tests, fuzz smoke run"
	@echo "make fuzz      run every fuzz target for FUZZ_SECONDS (default 60) each"
	@echo "make bench     side-by-side benchmarks (bench/)"
	@echo "make run       the appliance and a PXE client in QEMU [ISO=archlinux.iso]"
	@echo "make test-e2e  the whole netboot matrix in QEMU [ISO=...]"
	@echo "make install   the binary, systemd unit, sysusers/tmpfiles, man pages [PREFIX= DESTDIR=]"
	@echo "make release   build/release/pxestick-VERSION.img.zst + SHA256SUMS (reproducible)"
	@echo "make man       build/man/pxestick.8 and pxestick.conf.5"
	@echo "make clean     remove build/"

# deps runs when BearSSL is missing; mk/deps.sh is a fast no-op otherwise.
deps:
	@BUILD=$(BUILD) sh mk/deps.sh

$(BEARSSL):
	@BUILD=$(BUILD) sh mk/deps.sh

$(BUILD)/obj/musl/%.o: %.c $(HEADERS) | $(BEARSSL)
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(OPTFLAGS) $(GCC_WARNINGS) $(CPPFLAGS) -c -o $@ $<

$(BUILD)/obj/asan/%.o: %.c $(HEADERS) | $(BEARSSL)
	@mkdir -p $(@D)
	$(HOSTCC) $(CSTD) $(SANFLAGS) $(WARNINGS) $(CPPFLAGS) -c -o $@ $<

$(BUILD)/obj/fuzz/%.o: %.c $(HEADERS) | $(BEARSSL)
	@mkdir -p $(@D)
	$(CLANG) $(CSTD) $(FUZZFLAGS) $(WARNINGS) $(CPPFLAGS) -c -o $@ $<

$(BUILD)/pxestick: $(BUILD)/obj/musl/services/main.o $(MUSL_OBJS) $(BEARSSL)
	$(CC) -static $(OPTFLAGS) -s -o $@ $^

# Unit tests: the same sources, built for musl (the real target libc) and
# with ASan+UBSan on the host.
$(BUILD)/unit-musl: $(UNIT_SRCS) $(MUSL_OBJS) $(BEARSSL) $(HEADERS) tests/unit/harness.h
	$(CC) -static $(CSTD) -O1 $(GCC_WARNINGS) $(CPPFLAGS) -Itests/unit -o $@ \
		$(UNIT_SRCS) $(MUSL_OBJS) $(BEARSSL)

$(BUILD)/unit-asan: $(UNIT_SRCS) $(ASAN_OBJS) $(BEARSSL) $(HEADERS) tests/unit/harness.h
	$(HOSTCC) $(CSTD) $(SANFLAGS) $(WARNINGS) $(CPPFLAGS) -Itests/unit -o $@ \
		$(UNIT_SRCS) $(ASAN_OBJS) $(BEARSSL)

# The Debian package's binary: glibc and Debian's libbearssl-dev, with the
# distribution's flags (dpkg-buildflags' CFLAGS, LDFLAGS): a package links
# the libraries of its distribution.  The appliance keeps the static one.
SYSTEM_OBJS := $(patsubst %.c,$(BUILD)/obj/system/%.o,$(LIB_SRCS))
SYSTEM_CPPFLAGS = -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -Iservices -I$(BUILD) -I/usr/include/bearssl
$(BUILD)/obj/system/%.o: %.c $(HEADERS)
	@mkdir -p $(@D)
	gcc $(CSTD) -O2 $(CFLAGS) $(GCC_WARNINGS) $(SYSTEM_CPPFLAGS) $(CPPFLAGS_SYSTEM) -c -o $@ $<
$(BUILD)/obj/system/services/common/version.o: $(BUILD)/gen/version.h
$(BUILD)/pxestick-system: $(BUILD)/obj/system/services/main.o $(SYSTEM_OBJS)
	gcc $(LDFLAGS) -o $@ $^ -lbearssl

# The CLI under sanitizers, for host tests on broken inputs.
$(BUILD)/pxestick-asan: $(BUILD)/obj/asan/services/main.o $(ASAN_OBJS) $(BEARSSL)
	$(HOSTCC) $(SANFLAGS) -o $@ $^

$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_OBJS) $(BEARSSL) $(HEADERS)
	@mkdir -p $(@D)
	$(CLANG) $(CSTD) $(FUZZFLAGS) $(WARNINGS) $(CPPFLAGS) -o $@ $< $(FUZZ_OBJS) $(BEARSSL)

unit: $(BUILD)/unit-musl $(BUILD)/unit-asan
	$(BUILD)/unit-musl
	$(BUILD)/unit-asan

fixtures: $(BUILD)/pxestick
	@BUILD=$(BUILD) sh tests/fixtures/build-all.sh

TEST_BINS = $(BUILD)/pxestick $(BUILD)/pxestick-asan $(BUILD)/unit-musl \
            $(BUILD)/unit-asan $(FUZZERS) $(BUILD)/tls-test-server

test: deps
	@$(MAKE) -s --no-print-directory $(TEST_BINS)
	@BUILD=$(BUILD) sh tests/fixtures/build-all.sh
	@BUILD=$(BUILD) sh tests/run.sh

FUZZ_SECONDS ?= 60
fuzz: deps
	@$(MAKE) --no-print-directory $(FUZZERS)
	@BUILD=$(BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh long

bench: all
	@BUILD=$(BUILD) PACKAGE_LISTS="mk/packages.txt mk/packages-bench.txt" sh mk/deps.sh
	@BUILD=$(BUILD) sh bench/run.sh

# The main job: appliance + one PXE client in QEMU (ISO=path for a real ISO).
run: deps
	@$(MAKE) --no-print-directory $(BUILD)/pxestick image-parts
	@BUILD=$(BUILD) sh tests/fixtures/build-all.sh
	@BUILD=$(BUILD) sh mk/run.sh $(ISO)

# The whole netboot matrix (make test runs its BIOS + UEFI row).  The
# single bios-virtio row is the fleet's yardstick; the four NIC rows boot
# together (the fleet); the last two scenarios measure ipxe.efi against
# the default snponly.efi (tests/qemu/netboot.sh says how); the last one
# boots from the generic image grown on 8 GiB, its files copied on with mtools.
E2E_ROWS ?= authoritative:bios-virtio authoritative:bios-virtio+uefi-pxe \
	authoritative:uefi-http proxy:bios-e1000+uefi-http \
	authoritative:bios-e1000e+bios-rtl8139+uefi-e1000e+uefi-vmxnet3 \
	authoritative:bios-virtio/v87+uefi-pxe/rtc2015 proxy:bios-virtio/v87+bios-e1000/v70 \
	authoritative:uefi-pxe/lowram authoritative:bios-virtio/bootonce authoritative:uefi-sb \
	authoritative:uefi-pxe+uefi-http efi-boot=ipxe.efi authoritative:uefi-pxe+uefi-http \
	efi-boot=snponly.efi proxy2:uefi-pxe+bios-e1000 cache=on authoritative:bios-virtio+uefi-pxe \
	cache=off stick=grown authoritative:bios-virtio+uefi-pxe
test-e2e: deps
	@$(MAKE) --no-print-directory $(BUILD)/pxestick image-parts
	@BUILD=$(BUILD) sh tests/fixtures/build-all.sh
	@BUILD=$(BUILD) sh tests/qemu/netboot.sh $(if $(ISO),--iso $(ISO)) $(E2E_ROWS)

clean:
	rm -rf $(BUILD)

# The pictures in docs/TROUBLESHOOTING.md (the iPXE menu in QEMU, /status
# in headless Chromium), taken again from the code as it is.
screenshots: deps
	@$(MAKE) --no-print-directory $(BUILD)/pxestick
	@BUILD=$(BUILD) sh tests/tools/screenshots.sh

# ---- man pages and the host install ----------------------------------------
# pxestick.conf(5)'s settings come from the binary's own table, so the page
# never drifts from what the server accepts.
# The binary installed: the static one; the Debian package installs
# $(BUILD)/pxestick-system.
INSTALL_BIN ?= $(BUILD)/pxestick
MANPAGES = $(BUILD)/man/pxestick.8 $(BUILD)/man/pxestick.conf.5
man: $(MANPAGES)
$(BUILD)/man/pxestick.8: man/pxestick.8 $(BUILD)/gen/version.h
	@mkdir -p $(@D)
	sed 's|@VERSION@|$(PXESTICK_VERSION)|' man/pxestick.8 >$@
$(BUILD)/man/pxestick.conf.5: man/pxestick.conf.5.in $(INSTALL_BIN)
	@mkdir -p $(@D)
	$(INSTALL_BIN) serve --no-config --print-man >$@.settings
	sed -e 's|@VERSION@|$(PXESTICK_VERSION)|' -e '/^\.\\" SETTINGS$$/r $@.settings' \
	    -e '/^\.\\" SETTINGS$$/d' man/pxestick.conf.5.in >$@
	rm -f $@.settings

PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
LIBDIR     ?= $(PREFIX)/lib
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
# Where systemd looks for units, sysusers.d and tmpfiles.d below PREFIX.
UNITDIR    ?= $(LIBDIR)/systemd/system
IPXEDIR    ?= /usr/lib/ipxe
DESTDIR    ?=

# The binary, the iPXE binaries, the unit, sysusers and tmpfiles entries, the
# man pages; the config only when there is none (an admin's edits stay).
install: $(INSTALL_BIN) $(MANPAGES)
	install -D -m 0755 $(INSTALL_BIN) $(DESTDIR)$(SBINDIR)/pxestick
	# Copies, not links: the files folder never follows a link out of
	# itself, and Debian's ipxe.efi is itself a link to /boot.
	for f in undionly.kpxe ipxe.efi snponly.efi; do \
		install -D -m 0644 $(IPXEDIR)/$$f $(DESTDIR)$(LIBDIR)/pxestick/$$f || exit 1; done
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(LIBDIR)/sysusers.d $(DESTDIR)$(LIBDIR)/tmpfiles.d
	sed 's|@SBINDIR@|$(SBINDIR)|g' dist/pxestick.service.in >$(DESTDIR)$(UNITDIR)/pxestick.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/pxestick.service
	install -m 0644 dist/pxestick.sysusers $(DESTDIR)$(LIBDIR)/sysusers.d/pxestick.conf
	install -m 0644 dist/pxestick.tmpfiles $(DESTDIR)$(LIBDIR)/tmpfiles.d/pxestick.conf
	install -D -m 0644 $(BUILD)/man/pxestick.8 $(DESTDIR)$(MANDIR)/man8/pxestick.8
	install -D -m 0644 $(BUILD)/man/pxestick.conf.5 $(DESTDIR)$(MANDIR)/man5/pxestick.conf.5
	install -d $(DESTDIR)$(SYSCONFDIR)/pxestick
	[ -e $(DESTDIR)$(SYSCONFDIR)/pxestick/pxestick.conf ] || \
		sed 's|@LIBDIR@|$(LIBDIR)|g' dist/pxestick.conf.in \
		>$(DESTDIR)$(SYSCONFDIR)/pxestick/pxestick.conf

# ---- TLS (services/tls) ----------------------------------------------------
# The HTTPS test server that tests/host/test_tls.sh drives: static musl,
# like the appliance's binary.
$(BUILD)/tls-test-server: tests/tools/tls_test_server.c $(MUSL_OBJS) $(BEARSSL) $(HEADERS)
	$(CC) -static $(CSTD) $(OPTFLAGS) $(GCC_WARNINGS) $(CPPFLAGS) -o $@ \
		tests/tools/tls_test_server.c $(MUSL_OBJS) $(BEARSSL)
# ---- end of TLS --------------------------------------------------------------

# ---- appliance image (image/, appliance/, rootfs/) -------------------------
# make image [ISO="a.iso b.iso"] [KEYS=id.pub] [CONF=pxestick.conf] [SIZE=8G]
#            [FORMAT=qcow2|vmdk|vhdx|vdi]
#   -> build/pxestick.img, a raw disk image to dd onto a stick (docs/FLASHING.md),
#      and with FORMAT also build/pxestick.FORMAT for a hypervisor (docs/VMS.md).
# Parts, rebuilt only when their inputs change: the Debian kernel
# (build/image/kernel/, image/kernel.sh re-checks the archive's version
# each time), Debian's signed shim and GRUB for UEFI (build/image/efi/,
# image/efi.sh, the same way) and the initramfs (build/image/initrd.img).  The disk image
# itself takes a second and is made anew every time.
IMAGE_WORK := $(BUILD)/image
IMAGE_SRCS := $(sort $(wildcard appliance/* rootfs/etc/* image/*.sh image/*.txt image/stick/*))
IMAGE_ARGS  = $(foreach i,$(ISO),--iso $(i)) $(if $(KEYS),--keys $(KEYS)) \
              $(if $(CONF),--conf $(CONF)) $(if $(SIZE),--size $(SIZE))
.PHONY: image image-parts FORCE

image: deps
	@$(MAKE) --no-print-directory image-parts
	PXESTICK_BIN=$(BUILD)/pxestick sh image/mkimage.sh $(IMAGE_ARGS) $(IMAGE_WORK) $(BUILD)/pxestick.img
	@$(if $(FORMAT),sh image/vmformat.sh $(BUILD)/pxestick.img $(FORMAT))

image-parts: $(BUILD)/pxestick $(IMAGE_WORK)/initrd.img $(IMAGE_WORK)/efi/efi.txt

$(IMAGE_WORK)/kernel/kernel.txt: FORCE
	@sh image/kernel.sh $(IMAGE_WORK)/kernel

$(IMAGE_WORK)/efi/efi.txt: FORCE
	@sh image/efi.sh $(IMAGE_WORK)/efi

$(IMAGE_WORK)/initrd.img: $(BUILD)/pxestick $(IMAGE_WORK)/kernel/kernel.txt $(IMAGE_SRCS)
	PXESTICK_BIN=$(BUILD)/pxestick sh image/initramfs.sh $(IMAGE_WORK)

# make release -> build/release/pxestick-VERSION.img.zst and SHA256SUMS: the
# image for every stick (no ISO, no key), reproducible (mk/release.sh).
.PHONY: release
release: deps
	@$(MAKE) --no-print-directory image-parts
	@BUILD=$(BUILD) sh mk/release.sh $(BUILD)/release

# The tests (tests/host/test_image.sh, tests/qemu/) make their images from
# these parts, as `make image` does.
TEST_BINS += $(IMAGE_WORK)/initrd.img $(IMAGE_WORK)/efi/efi.txt
# ---- end of appliance image --------------------------------------------------
