# pxestick: one entry point.  `make help` lists the targets.
include config.mk

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
# Keep the objects of every build flavour between runs.
.SECONDARY:
.PHONY: all deps test unit fuzz fuzz-smoke bench clean help run image fixtures test-e2e

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

help:
	@echo "make deps      install Debian packages, build BearSSL with musl-gcc"
	@echo "make           build/pxestick (static musl binary)"
	@echo "make test      unit tests (musl and ASan/UBSan), host tests, fuzz smoke run"
	@echo "make fuzz      run every fuzz target for FUZZ_SECONDS (default 60) each"
	@echo "make bench     side-by-side benchmarks (bench/)"
	@echo "make run       the appliance and a PXE client in QEMU [ISO=archlinux.iso]"
	@echo "make test-e2e  the whole netboot matrix in QEMU [ISO=...]"
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

# The whole netboot matrix (make test runs its BIOS + UEFI row).
E2E_ROWS ?= authoritative:bios-virtio+uefi-pxe proxy:bios-e1000+uefi-http \
	authoritative:bios-virtio/v87+uefi-pxe/rtc2015 proxy:bios-virtio/v87+bios-e1000/v70 \
	authoritative:uefi-pxe/lowram authoritative:bios-virtio/bootonce
test-e2e: deps
	@$(MAKE) --no-print-directory $(BUILD)/pxestick image-parts
	@BUILD=$(BUILD) sh tests/fixtures/build-all.sh
	@BUILD=$(BUILD) sh tests/qemu/netboot.sh $(if $(ISO),--iso $(ISO)) $(E2E_ROWS)

clean:
	rm -rf $(BUILD)

# ---- TLS (services/tls) ----------------------------------------------------
# The HTTPS test server that tests/host/test_tls.sh drives: static musl,
# like the appliance's binary.
$(BUILD)/tls-test-server: tests/tools/tls_test_server.c $(MUSL_OBJS) $(BEARSSL) $(HEADERS)
	$(CC) -static $(CSTD) $(OPTFLAGS) $(GCC_WARNINGS) $(CPPFLAGS) -o $@ \
		tests/tools/tls_test_server.c $(MUSL_OBJS) $(BEARSSL)
# ---- end of TLS --------------------------------------------------------------

# ---- appliance image (image/, appliance/, rootfs/) -------------------------
# make image [ISO="a.iso b.iso"] [KEYS=id.pub] [CONF=pxestick.conf] [SIZE=8G]
#   -> build/pxestick.img, a raw disk image to dd onto a stick (docs/FLASHING.md).
# Parts, rebuilt only when their inputs change: the Debian kernel
# (build/image/kernel/, image/kernel.sh re-checks the archive's version
# each time) and the initramfs (build/image/initrd.img).  The disk image
# itself takes a second and is made anew every time.
IMAGE_WORK := $(BUILD)/image
IMAGE_SRCS := $(sort $(wildcard appliance/* rootfs/etc/* image/*.sh image/*.txt image/stick/*))
IMAGE_ARGS  = $(foreach i,$(ISO),--iso $(i)) $(if $(KEYS),--keys $(KEYS)) \
              $(if $(CONF),--conf $(CONF)) $(if $(SIZE),--size $(SIZE))
.PHONY: image image-parts FORCE

image: deps
	@$(MAKE) --no-print-directory image-parts
	PXESTICK_BIN=$(BUILD)/pxestick sh image/mkimage.sh $(IMAGE_ARGS) $(IMAGE_WORK) $(BUILD)/pxestick.img

image-parts: $(BUILD)/pxestick $(IMAGE_WORK)/initrd.img

$(IMAGE_WORK)/kernel/kernel.txt: FORCE
	@sh image/kernel.sh $(IMAGE_WORK)/kernel

$(IMAGE_WORK)/initrd.img: $(BUILD)/pxestick $(IMAGE_WORK)/kernel/kernel.txt $(IMAGE_SRCS)
	PXESTICK_BIN=$(BUILD)/pxestick sh image/initramfs.sh $(IMAGE_WORK)

# The tests (tests/host/test_image.sh, tests/qemu/) make their images from
# these parts, as `make image` does.
TEST_BINS += $(IMAGE_WORK)/initrd.img
# ---- end of appliance image --------------------------------------------------
