# The shared modules, archived so each program links only what it uses.
LIB_SOURCES := $(wildcard lib/*.cc)
LIB_OBJECTS := $(LIB_SOURCES:.cc=.o)
lib/lib.a: $(LIB_OBJECTS)
	rm -f $@ && ar rcs $@ $^
CLEAN += lib/lib.a
# Libraries every program may need, in link order after the archives
# (-lhiredis: the Redis store, lib/store_redis.cc).
LIB_LINK := lib/lib.a -lowfat -lhiredis
