// Writes a cdb (djb's format, libowfat's cdb_make) the way tcprules does:
// into TMP, fsync, close, rename over CDB. On any error TMP is removed and
// CDB is left as it was.
#ifndef QSEND_LIB_CDB_WRITE_H
#define QSEND_LIB_CDB_WRITE_H

#include <functional>
#include <string>
#include <string_view>

namespace qs {

// add(key, data) returns false on a write error.
using CdbAdd = std::function<bool(std::string_view key, std::string_view data)>;

// fill is called once with an adder; it returns false to abandon the build
// (its reason is then already known to the caller). Returns true when CDB
// was replaced; error describes a system fault.
bool write_cdb_atomically(const std::string& cdb, const std::string& tmp,
                          const std::function<bool(const CdbAdd& add)>& fill, std::string& error);

} // namespace qs

#endif
