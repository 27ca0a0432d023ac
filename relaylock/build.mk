# The relaylock family: POP-before-SMTP relay locks.
RELAYLOCK_OBJECTS := relaylock/locks.o relaylock/rules.o relaylock/programs.o
relaylock/relaylock.a: $(RELAYLOCK_OBJECTS)
	rm -f $@ && ar rcs $@ $^
FAMILY_LIBS += relaylock/relaylock.a
RELAYLOCK_PROGRAMS := relaylock/relaylock relaylock/relaylock-check relaylock/relaylock-guard \
	relaylock/relaylock-rules relaylock/relaylock-expire relaylock/relaylock-list relaylock/relaylock-revoke
$(RELAYLOCK_PROGRAMS): %: %.o relaylock/relaylock.a lib/lib.a
	$(CXX_LINK) -o $@ $@.o relaylock/relaylock.a $(LIB_LINK)
PROGRAMS += $(RELAYLOCK_PROGRAMS)
MANPAGES += $(RELAYLOCK_PROGRAMS:=.8)
