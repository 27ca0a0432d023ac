# The sendlimit family: per-account sending limits in front of qmail-queue.
SENDLIMIT_OBJECTS := sendlimit/rates.o sendlimit/config.o sendlimit/envelope.o sendlimit/account.o \
	sendlimit/record.o sendlimit/updates.o sendlimit/notice.o sendlimit/gate.o sendlimit/admin.o
sendlimit/sendlimit.a: $(SENDLIMIT_OBJECTS)
	rm -f $@ && ar rcs $@ $^
FAMILY_LIBS += sendlimit/sendlimit.a
SENDLIMIT_PROGRAMS := sendlimit/sendlimit sendlimit/sendlimit-list sendlimit/sendlimit-release \
	sendlimit/sendlimit-override
$(SENDLIMIT_PROGRAMS): %: %.o sendlimit/sendlimit.a lib/lib.a
	$(CXX_LINK) -o $@ $@.o sendlimit/sendlimit.a $(LIB_LINK)
PROGRAMS += $(SENDLIMIT_PROGRAMS)
MANPAGES += $(SENDLIMIT_PROGRAMS:=.8)
