// The one way into libowfat, which the project uses for djb's cdb only.
// Debian's libowfat 0.32 headers declare fmt_*, many scan_* and
// stralloc_diff* __attribute__((pure)) although they write through their
// output pointer, so none of those are used: numbers go through
// std::to_chars/from_chars and addresses through lib/ipaddr. cdb.h,
// cdb_make.h and the buffer.h they include carry no attributes, so they are
// included as they are; the system headers they pull in come first, so
// nothing of libowfat's can change how those are read. No macro is
// redefined here (an earlier `#define __attribute__(x)` also stripped
// glibc's own attributes and broke clang builds). tests/unit_owfat.cc
// guards this.
#ifndef QSEND_LIB_OWFAT_H
#define QSEND_LIB_OWFAT_H

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <inttypes.h>
#include <sys/types.h>

#include <cdb.h>
#include <cdb_make.h>

#endif
