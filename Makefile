# flowkit - small composable programs that rebuild TCP streams from captures.
#
#   make            build bin/*
#   make check      install missing packages (tests/deps.sh test), build, run all tests
#   make bench      install what it needs (tests/deps.sh bench), build, run
#                   tests/bench.sh (root; FK_BENCH_* in its header)
#   make demo       install what building needs (tests/deps.sh build), run the
#                   pipeline on examples/
#   make asan       the whole suite under AddressSanitizer + UBSan
#   make ubsan      the whole suite under UndefinedBehaviorSanitizer
#   make install    PREFIX=/usr/local DESTDIR=
#
# Every cmd/NAME.c is one program; common/*.c is the shared library.

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
CC	?= cc
# The build directory, so that sanitizer builds live beside the normal one.
B	?= build

WARN	= -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
	  -Wmissing-prototypes -Wno-unused-parameter
CFLAGS	?= -O2 -g
ALL_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE $(WARN) -Icommon $(CFLAGS) $(EXTRA_CFLAGS)
LDLIBS	= -lpcap -lz -lbrotlidec -lzstd -lcrypto
ALL_LDFLAGS = $(LDFLAGS) $(EXTRA_LDFLAGS)
# The toolkit's version is FK_VERSION_STRING in common/fk_version.h;
# `make VERSION=x.y` overrides it (after `make clean`).
ifdef VERSION
ALL_CFLAGS += -DFK_VERSION_STRING='"$(VERSION)"'
endif

CMDS	= $(patsubst cmd/%.c,%,$(wildcard cmd/*.c))
PROGS	= $(addprefix $(B)/bin/,$(CMDS))
LIBSRC	= $(wildcard common/*.c)
LIBOBJ	= $(patsubst common/%.c,$(B)/obj/%.o,$(LIBSRC))
LIB	= $(B)/libflowkit.a
HDRS	= $(wildcard common/*.h)
MANS	= $(wildcard man/*.1 man/*.5 man/*.7)

all: $(PROGS)

$(B)/obj/%.o: common/%.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIBOBJ)
	rm -f $@
	ar rcs $@ $(LIBOBJ)

$(B)/bin/%: cmd/%.c $(LIB) $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# Packages: `deps` everything the tests need, `deps-build` only a compiler,
# make and the libraries' headers.
deps:
	@sh tests/deps.sh test

deps-build:
	@sh tests/deps.sh build

deps-bench:
	@sh tests/deps.sh bench

check: deps
	$(MAKE) all
	FK_BIN=$(CURDIR)/$(B)/bin sh tests/run.sh

demo: deps-build
	$(MAKE) all
	sh examples/demo.sh $(B)/bin

asan: deps
	$(MAKE) B=build-asan CC=clang CFLAGS="-O1 -g -fno-omit-frame-pointer" \
	    EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all" \
	    EXTRA_LDFLAGS="-fsanitize=address,undefined" all
	FK_BIN=$(CURDIR)/build-asan/bin FK_SANITIZER=asan \
	    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 sh tests/run.sh

ubsan: deps
	$(MAKE) B=build-ubsan CFLAGS="-O1 -g" \
	    EXTRA_CFLAGS="-fsanitize=undefined -fno-sanitize-recover=all" \
	    EXTRA_LDFLAGS="-fsanitize=undefined" all
	FK_BIN=$(CURDIR)/build-ubsan/bin FK_SANITIZER=ubsan \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 sh tests/run.sh

# The bench's helpers, not installed: the write floor of flowsplit's
# job, and a shim that prints libpcap's drop counters for tcpflow.
$(B)/writefloor: tests/lib/writefloor.c $(LIB) $(HDRS)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(B)/pcapstats.so: tests/lib/pcapstats.c
	$(CC) $(ALL_CFLAGS) -fPIC -shared $(ALL_LDFLAGS) -o $@ $< -ldl -lpcap

bench: deps-bench
	$(MAKE) all $(B)/writefloor $(B)/pcapstats.so
	FK_BIN=$(CURDIR)/$(B)/bin bash tests/bench.sh

clang:
	$(MAKE) B=build-clang CC=clang all

install: all
	mkdir -p $(DESTDIR)$(BINDIR)
	for p in $(CMDS); do install -m 755 $(B)/bin/$$p $(DESTDIR)$(BINDIR)/$$p; done
	for m in $(MANS); do s=$${m##*.}; mkdir -p $(DESTDIR)$(MANDIR)/man$$s && \
	    install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s/ || exit 1; done

lint-man:
	@for m in $(MANS); do mandoc -Tlint -Wwarning $$m || exit 1; done

clean:
	rm -rf build build-asan build-ubsan build-clang build-fuzz

.PHONY: all deps deps-build deps-bench check demo bench asan ubsan clang install lint-man clean

# Fuzzing (libFuzzer, clang): every tests/fuzz/fuzz_NAME.c is a harness,
# run for FUZZ_SECONDS each, starting from tests/fuzz/seeds/NAME/ and
# keeping what it finds in build-fuzz/corpus/NAME/.  Crashes land in
# build-fuzz/ as crash-*; copy them into tests/fuzz/regress/NAME/.
FUZZ_SECONDS ?= 60
FUZZERS	= $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_FLAGS = -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all

fuzz-build: deps
	$(MAKE) B=build-fuzz CC=clang CFLAGS="$(FUZZ_FLAGS)" build-fuzz/libflowkit.a
	@for f in $(FUZZERS); do \
		echo "clang fuzz_$$f"; \
		clang -std=c11 -D_GNU_SOURCE $(WARN) -Icommon -O1 -g \
		    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		    -o build-fuzz/fuzz_$$f tests/fuzz/fuzz_$$f.c build-fuzz/libflowkit.a \
		    $(LDLIBS) || exit 1; \
	done

fuzz: fuzz-build
	@for f in $(FUZZERS); do \
		mkdir -p build-fuzz/corpus/$$f; \
		echo "== fuzz_$$f for $(FUZZ_SECONDS)s"; \
		(cd build-fuzz && ./fuzz_$$f -max_total_time=$(FUZZ_SECONDS) \
		    -max_len=262144 -rss_limit_mb=2048 corpus/$$f \
		    ../tests/fuzz/seeds/$$f \
		    $$(test -d tests/fuzz/regress/$$f && echo ../tests/fuzz/regress/$$f) \
		    > fuzz_$$f.log 2>&1; r=$$?; tail -3 fuzz_$$f.log; exit $$r) || exit 1; \
	done

.PHONY: fuzz fuzz-build
