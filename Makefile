# pxestick: one entry point.  `make help` lists the targets.
include config.mk

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
# Keep the objects of every build flavour between runs.
.SECONDARY:
.PHONY: all deps test unit fuzz fuzz-smoke bench clean help run image fixtures

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
	@echo "make run       the appliance and a PXE client in QEMU (not built yet)"
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
	@$(MAKE) --no-print-directory $(TEST_BINS)
	@BUILD=$(BUILD) sh tests/fixtures/build-all.sh
	@BUILD=$(BUILD) sh tests/run.sh

FUZZ_SECONDS ?= 60
fuzz: deps
	@$(MAKE) --no-print-directory $(FUZZERS)
	@BUILD=$(BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh long

bench: all
	@BUILD=$(BUILD) PACKAGE_LISTS="mk/packages.txt mk/packages-bench.txt" sh mk/deps.sh
	@BUILD=$(BUILD) sh bench/run.sh

run:
	@echo "make run: the appliance image and QEMU PXE client are not built yet" \
	     "(see README.md, 'Status')." >&2
	@exit 2

clean:
	rm -rf $(BUILD)

# ---- TLS (services/tls) ----------------------------------------------------
# The HTTPS test server that tests/host/test_tls.sh drives: static musl,
# like the appliance's binary.
$(BUILD)/tls-test-server: tests/tools/tls_test_server.c $(MUSL_OBJS) $(BEARSSL) $(HEADERS)
	$(CC) -static $(CSTD) $(OPTFLAGS) $(GCC_WARNINGS) $(CPPFLAGS) -o $@ \
		tests/tools/tls_test_server.c $(MUSL_OBJS) $(BEARSSL)
# ---- end of TLS --------------------------------------------------------------
