# Build configuration: the only place to change tools and flags.

BUILD    ?= build

# The image's binary: static, musl, small.
CC       = musl-gcc
OPTFLAGS = -Os
# Host builds for sanitizers and fuzzing (glibc is fine there).
HOSTCC   = clang-14
CLANG    = clang-14

WARNINGS = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wpointer-arith -Wvla -Wformat=2 \
           -Wno-format-nonliteral -Wimplicit-fallthrough
# gcc only (clang has no such option): messages are truncated to their
# buffers on purpose.
GCC_WARNINGS = $(WARNINGS) -Wno-format-truncation
CPPFLAGS = -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -Iservices -I$(BUILD) \
           -I$(BUILD)/bearssl/include
CSTD     = -std=c11

SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all \
           -fno-omit-frame-pointer -g -O1
FUZZFLAGS = -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -g -O1
