# Unit tests: every tests/unit_*.cc, linked into one doctest binary with
# every family's archive. End-to-end suites are tests/e2e-*.sh; tests/run
# runs them all. Benchmarks are tests/bench-*.sh, run by tests/bench.
UNIT_SOURCES := $(wildcard tests/unit_*.cc)
UNIT_OBJECTS := $(UNIT_SOURCES:.cc=.o)
# Tests link dynamically: static libcrypto drags in dlopen warnings and the
# unit binary's start-up time does not matter. Every other word of the link
# line stays (a sanitizer's -fsanitize=... must reach the test binaries too).
TEST_LINK := $(filter-out -static -s,$(CXX_LINK))
tests/unit: tests/doctest_main.o $(UNIT_OBJECTS) $(FAMILY_LIBS) lib/lib.a
	$(TEST_LINK) -o $@ tests/doctest_main.o $(UNIT_OBJECTS) $(FAMILY_LIBS) $(LIB_LINK) $(TEST_LIBS)
TEST_PROGRAMS += tests/unit
CLEAN += tests/unit
# spawnbench times exec chains for make bench.
tests/spawnbench: tests/spawnbench.o
	$(TEST_LINK) -o $@ tests/spawnbench.o
BENCH_PROGRAMS += tests/spawnbench
CLEAN += tests/spawnbench
# libFuzzer targets, built with clang from the parsers' own sources (so the
# instrumentation covers them) under ASan and UBSan. make fuzz SECONDS=N runs
# each for N seconds on a scratch copy of its seed corpus, tests/fuzz/corpus/NAME.
FUZZ_CXX := clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I.
tests/fuzz/proxy_header: tests/fuzz/proxy_header.cc proxy-remoteip/header.cc lib/ipaddr.cc
	$(FUZZ_CXX) -o $@ $^
FUZZ_PROGRAMS += tests/fuzz/proxy_header
CLEAN += $(FUZZ_PROGRAMS)
SECONDS ?= 10
fuzz: $(FUZZ_PROGRAMS)
	sh tests/fuzz/run $(SECONDS) $(FUZZ_PROGRAMS)
.PHONY: fuzz
# exec-probe ends the chains that tests/e2e-faults.sh injects faults into.
tests/exec-probe: tests/exec_probe.o
	$(CXX_LINK) -o $@ tests/exec_probe.o
TEST_PROGRAMS += tests/exec-probe
CLEAN += tests/exec-probe
