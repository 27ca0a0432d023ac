# Don't edit Makefile! Use conf-* for configuration.
#
# Targets: it (default) builds every program; check runs every test suite;
# install copies programs and man pages under DESTDIR/conf-home;
# install-etc the run scripts and configuration files of etc/ (see INSTALL); bench
# measures; clean removes what the build made.
#
# Each program family describes itself in FAMILY/build.mk, the shared
# library in lib/build.mk and the tests in tests/build.mk; they add to the
# variables below.

SHELL = /bin/sh
# Another compiler pair: make CONF_CC=conf-cc-clang CONF_LD=conf-ld-clang
CONF_CC ?= conf-cc
CONF_LD ?= conf-ld
CXX_COMPILE := $(shell head -n 1 $(CONF_CC))
CXX_LINK := $(shell head -n 1 $(CONF_LD))
HOME_DIR := $(shell head -n 1 conf-home)
QMAIL_DIR := $(shell head -n 1 conf-qmail)
ETC_DIR := $(shell head -n 1 conf-etc)
DESTDIR ?=

PROGRAMS :=
MANPAGES :=
# Pages of section 7 (conventions and formats), installed into man7.
MANPAGES7 := doc/qsend-store.7
FAMILY_LIBS :=
CLEAN :=

default: it

include lib/build.mk
include $(filter-out lib/build.mk tests/build.mk,$(wildcard */build.mk))
include tests/build.mk

it: $(PROGRAMS) tests/programs.list

# The programs, one a line, for the shell library (tests/lib.sh): the
# tests, the benches and the demonstration copy what the families build.
tests/programs.list: Makefile $(wildcard */build.mk)
	printf '%s\n' $(PROGRAMS) > tests/programs.list
CLEAN += tests/programs.list

conf.h: conf-home conf-qmail Makefile
	printf '#define CONF_HOME "%s"\n#define CONF_QMAIL "%s"\n' '$(HOME_DIR)' '$(QMAIL_DIR)' > conf.h

%.o: %.cc $(CONF_CC) conf.h
	$(CXX_COMPILE) -MMD -MP -c -o $@ $<

check: it $(TEST_PROGRAMS)
	sh tests/run

bench: it $(BENCH_PROGRAMS)
	sh tests/bench

install: it
	mkdir -p '$(DESTDIR)$(HOME_DIR)/bin' '$(DESTDIR)$(HOME_DIR)/share/man/man8'
	for p in $(PROGRAMS); do cp "$$p" '$(DESTDIR)$(HOME_DIR)/bin/' && chmod 755 "$(DESTDIR)$(HOME_DIR)/bin/$${p##*/}" || exit 111; done
	for m in $(MANPAGES); do cp "$$m" '$(DESTDIR)$(HOME_DIR)/share/man/man8/' && chmod 644 "$(DESTDIR)$(HOME_DIR)/share/man/man8/$${m##*/}" || exit 111; done
	mkdir -p '$(DESTDIR)$(HOME_DIR)/share/man/man7'
	for m in $(MANPAGES7); do cp "$$m" '$(DESTDIR)$(HOME_DIR)/share/man/man7/' && chmod 644 "$(DESTDIR)$(HOME_DIR)/share/man/man7/$${m##*/}" || exit 111; done

# The administrator's files (etc/): run scripts under conf-qmail/supervise,
# the rest under conf-etc/qsend, with the conf-* paths written into them.
install-etc:
	sh etc/install '$(DESTDIR)' '$(HOME_DIR)' '$(QMAIL_DIR)' '$(ETC_DIR)'

clean:
	rm -f conf.h $(PROGRAMS) $(CLEAN) $(FAMILY_LIBS)
	find . -name '*.o' -o -name '*.d' | grep -v '^./.git' | xargs rm -f

# The whole suite again, built with clang in a copy of the tree (CI runs both).
check-clang:
	sh tests/other-compiler conf-cc-clang conf-ld-clang

# The whole suite again under AddressSanitizer and UndefinedBehaviorSanitizer
# (conf-cc-asan, conf-ld-asan), in a copy of the tree.
check-asan:
	sh tests/other-compiler conf-cc-asan conf-ld-asan

.PHONY: default it check check-clang check-asan bench install install-etc clean

-include $(shell find . -name '*.d' -not -path './.git/*' 2>/dev/null)

demo: it
	sh demo/run
.PHONY: demo
