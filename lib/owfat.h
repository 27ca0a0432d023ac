// The one way into libowfat. Debian's libowfat 0.32 headers declare fmt_*,
// many scan_* and stralloc_diff* __attribute__((pure)) although they write
// through their output pointer; g++ then keeps stale copies of the buffer
// (b[0]='x'; fmt_ulong(b,7) reads back 'x'). Hiding __attribute__ while the
// headers are read removes that lie. tests/unit_owfat.cc guards it.
#ifndef QSEND_LIB_OWFAT_H
#define QSEND_LIB_OWFAT_H

#include <cstddef>
#include <cstdint>

#pragma push_macro("__attribute__")
#undef __attribute__
#define __attribute__(x)
#include <buffer.h>
#include <cdb.h>
#include <cdb_make.h>
#include <fmt.h>
#include <ip4.h>
#include <ip6.h>
#include <scan.h>
#pragma pop_macro("__attribute__")

#endif
