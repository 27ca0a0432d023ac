# bounce-fmt: qmail-send's failure notice (and an RFC 3464 DSN) for scripts.
BOUNCE_OBJECTS := bounce-fmt/format.o bounce-fmt/control.o bounce-fmt/copy.o bounce-fmt/config.o \
	bounce-fmt/descriptors.o bounce-fmt/dsn.o bounce-fmt/dsn_plan.o bounce-fmt/queue.o bounce-fmt/run.o
bounce-fmt/bounce.a: $(BOUNCE_OBJECTS)
	rm -f $@ && ar rcs $@ $^
FAMILY_LIBS += bounce-fmt/bounce.a
bounce-fmt/bounce-fmt: bounce-fmt/bounce-fmt.o bounce-fmt/bounce.a lib/lib.a
	$(CXX_LINK) -o $@ bounce-fmt/bounce-fmt.o bounce-fmt/bounce.a $(LIB_LINK)
PROGRAMS += bounce-fmt/bounce-fmt
MANPAGES += bounce-fmt/bounce-fmt.8
# bounce-explain: what a failure notice means, for the customer.
EXPLAIN_OBJECTS := bounce-fmt/explain_mime.o bounce-fmt/explain_lines.o bounce-fmt/explain_read.o \
	bounce-fmt/explain_formats.o bounce-fmt/explain_class.o bounce-fmt/explain_text.o bounce-fmt/explain_run.o
bounce-fmt/bounce.a: $(EXPLAIN_OBJECTS)
bounce-fmt/bounce-explain: bounce-fmt/bounce-explain.o bounce-fmt/bounce.a lib/lib.a
	$(CXX_LINK) -o $@ bounce-fmt/bounce-explain.o bounce-fmt/bounce.a $(LIB_LINK)
PROGRAMS += bounce-fmt/bounce-explain
MANPAGES += bounce-fmt/bounce-explain.8
