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
# The per-connection programs again, linked dynamically and unstripped from
# the same objects and archives, for tests/e2e-valgrind.sh: valgrind cannot
# replace a static binary's malloc, and static glibc's start-up gives it
# false reports.
VALGRIND_PROGRAMS := $(addprefix tests/valgrind/,relaylock relaylock-check relaylock-guard \
	smtp-auth-checkpassword proxy-remoteip sendlimit bounce-fmt)
$(filter tests/valgrind/relaylock%,$(VALGRIND_PROGRAMS)): tests/valgrind/%: relaylock/%.o relaylock/relaylock.a lib/lib.a
	@mkdir -p $(@D)
	$(TEST_LINK) -o $@ $< relaylock/relaylock.a $(LIB_LINK)
tests/valgrind/smtp-auth-checkpassword: smtp-auth-checkpassword/smtp-auth-checkpassword.o smtp-auth-checkpassword/auth.a lib/lib.a
	@mkdir -p $(@D)
	$(TEST_LINK) -o $@ $< smtp-auth-checkpassword/auth.a $(LIB_LINK) -lcrypto -lcrypt
tests/valgrind/proxy-remoteip: proxy-remoteip/proxy-remoteip.o proxy-remoteip/proxy.a lib/lib.a
	@mkdir -p $(@D)
	$(TEST_LINK) -o $@ $< proxy-remoteip/proxy.a $(LIB_LINK)
tests/valgrind/sendlimit: sendlimit/sendlimit.o sendlimit/sendlimit.a lib/lib.a
	@mkdir -p $(@D)
	$(TEST_LINK) -o $@ $< sendlimit/sendlimit.a $(LIB_LINK)
tests/valgrind/bounce-fmt: bounce-fmt/bounce-fmt.o bounce-fmt/bounce.a lib/lib.a
	@mkdir -p $(@D)
	$(TEST_LINK) -o $@ $< bounce-fmt/bounce.a $(LIB_LINK)
TEST_PROGRAMS += $(VALGRIND_PROGRAMS)
CLEAN += $(VALGRIND_PROGRAMS)
# libFuzzer targets, tests/fuzz/NAME.cc, one per parser that sees outside
# bytes, each linked against the family archives. Fuzzing needs coverage
# instrumentation in the parser itself, so the archives are built again
# from the same object lists with clang under ASan and UBSan
# (-fsanitize=fuzzer-no-link) into tests/fuzz/obj/: tests/fuzz/obj/lib/lib.a
# is lib/lib.a, tests/fuzz/obj/relaylock/relaylock.a is relaylock/relaylock.a,
# and so on. make fuzz SECONDS=N runs each target for N seconds on a scratch
# copy of its seed corpus, tests/fuzz/corpus/NAME.
FUZZ_FLAGS := -std=c++20 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined -Wall -Wextra -Wshadow -Wno-unused-parameter -I.
tests/fuzz/obj/%.o: %.cc conf.h
	@mkdir -p $(@D)
	clang++ $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<
FUZZ_ARCHIVES := tests/fuzz/obj/relaylock/relaylock.a tests/fuzz/obj/smtp-auth-checkpassword/auth.a \
	tests/fuzz/obj/bounce-fmt/bounce.a tests/fuzz/obj/sendlimit/sendlimit.a \
	tests/fuzz/obj/proxy-remoteip/proxy.a tests/fuzz/obj/lib/lib.a
tests/fuzz/obj/relaylock/relaylock.a: $(addprefix tests/fuzz/obj/,$(RELAYLOCK_OBJECTS))
tests/fuzz/obj/smtp-auth-checkpassword/auth.a: $(addprefix tests/fuzz/obj/,$(AUTH_OBJECTS))
tests/fuzz/obj/bounce-fmt/bounce.a: $(addprefix tests/fuzz/obj/,$(BOUNCE_OBJECTS) $(EXPLAIN_OBJECTS))
tests/fuzz/obj/sendlimit/sendlimit.a: $(addprefix tests/fuzz/obj/,$(SENDLIMIT_OBJECTS))
tests/fuzz/obj/proxy-remoteip/proxy.a: $(addprefix tests/fuzz/obj/,$(PROXY_OBJECTS))
tests/fuzz/obj/lib/lib.a: $(addprefix tests/fuzz/obj/,$(LIB_OBJECTS))
$(FUZZ_ARCHIVES):
	rm -f $@ && ar rcs $@ $^
FUZZ_SOURCES := $(wildcard tests/fuzz/*.cc)
FUZZ_PROGRAMS := $(FUZZ_SOURCES:.cc=)
$(FUZZ_PROGRAMS): %: %.cc tests/fuzz/input.h $(FUZZ_ARCHIVES)
	clang++ $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_ARCHIVES) -lowfat -lhiredis -lcrypto -lcrypt
CLEAN += $(FUZZ_PROGRAMS) $(FUZZ_ARCHIVES)
SECONDS ?= 10
fuzz: $(FUZZ_PROGRAMS)
	sh tests/fuzz/run $(SECONDS) $(FUZZ_PROGRAMS)
.PHONY: fuzz
# exec-probe ends the chains that tests/e2e-faults.sh injects faults into.
tests/exec-probe: tests/exec_probe.o
	$(CXX_LINK) -o $@ tests/exec_probe.o
TEST_PROGRAMS += tests/exec-probe
CLEAN += tests/exec-probe
