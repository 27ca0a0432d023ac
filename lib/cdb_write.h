// Writing a cdb (the djb format tcprules and qmail read) so that readers
// see either the old file or the complete new one, never a partial one.
#ifndef QSEND_LIB_CDB_WRITE_H
#define QSEND_LIB_CDB_WRITE_H

#include <string>
#include <string_view>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace qs {

// Views: the caller keeps the bytes alive until the write returns (a
// million-record build copies nothing).
struct CdbRecord {
    std::string_view key;
    std::string_view value;
};

// Writes records, in order, to tmp (O_CLOEXEC, truncated), fsyncs it and
// renames it over cdb. When cdb already exists the new file gets its mode,
// owner and group (so a secrets database stays private after a rebuild);
// otherwise new_mode. On failure tmp is removed, cdb is untouched, and
// error holds one line (path and reason).
bool write_cdb_atomically(std::string_view cdb, std::string_view tmp,
                          const std::vector<CdbRecord>& records, std::string& error,
                          mode_t new_mode = 0644);

} // namespace qs

#endif
