# bounce-fmt: qmail-send's failure notice (and an RFC 3464 DSN) for scripts.
BOUNCE_OBJECTS := bounce-fmt/format.o bounce-fmt/control.o bounce-fmt/copy.o \
	bounce-fmt/dsn.o bounce-fmt/queue.o bounce-fmt/run.o
bounce-fmt/bounce.a: $(BOUNCE_OBJECTS)
	rm -f $@ && ar rcs $@ $^
FAMILY_LIBS += bounce-fmt/bounce.a
bounce-fmt/bounce-fmt: bounce-fmt/bounce-fmt.o bounce-fmt/bounce.a lib/lib.a
	$(CXX_LINK) -o $@ bounce-fmt/bounce-fmt.o bounce-fmt/bounce.a $(LIB_LINK)
PROGRAMS += bounce-fmt/bounce-fmt
MANPAGES += bounce-fmt/bounce-fmt.8
