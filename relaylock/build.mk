# The relaylock family: POP-before-SMTP relay locks.
RELAYLOCK_OBJECTS := relaylock/config.o relaylock/locks.o relaylock/lock_store.o relaylock/rebuild.o \
	relaylock/line_sources.o relaylock/rules_text.o relaylock/lock_records.o relaylock/rules_compile.o \
	relaylock/login.o relaylock/check.o relaylock/admin.o
relaylock/relaylock.a: $(RELAYLOCK_OBJECTS)
	rm -f $@ && ar rcs $@ $^
FAMILY_LIBS += relaylock/relaylock.a
RELAYLOCK_PROGRAMS := relaylock/relaylock relaylock/relaylock-check relaylock/relaylock-guard \
	relaylock/relaylock-rules relaylock/relaylock-expire relaylock/relaylock-list relaylock/relaylock-revoke
$(RELAYLOCK_PROGRAMS): %: %.o relaylock/relaylock.a lib/lib.a
	$(CXX_LINK) -o $@ $@.o relaylock/relaylock.a $(LIB_LINK)
PROGRAMS += $(RELAYLOCK_PROGRAMS)
MANPAGES += $(RELAYLOCK_PROGRAMS:=.8)
