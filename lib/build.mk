# The shared modules, archived so each program links only what it uses.
LIB_SOURCES := $(wildcard lib/*.cc)
LIB_OBJECTS := $(LIB_SOURCES:.cc=.o)
lib/lib.a: $(LIB_OBJECTS)
	rm -f $@ && ar rcs $@ $^
CLEAN += lib/lib.a
# Libraries every program may need, in link order after the archives
# (-lhiredis: the Redis store's reply reader, lib/redis_connection.cc; the
# linker takes only read.o and sds.o, none of hiredis's connect code, whose
# getaddrinfo a static program cannot use).
LIB_LINK := lib/lib.a -lowfat -lhiredis
