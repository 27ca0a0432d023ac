// Writing a cdb (djb's format, the one tcprules and qmail read) the way
// tcprules does: into TMP, fsync, close, rename over CDB, so that readers
// see either the old file or the complete new one, never a partial one.
// On any error TMP is removed, CDB is left as it was, and error holds one
// line (path and reason).
//
// Unlike tcprules and cdbmake, TMP is not trusted: it is created
// exclusively (O_CREAT|O_EXCL|O_NOFOLLOW), so no one else can hold it
// open, link it or point it elsewhere. An existing TMP is removed only
// when it is a stale one of ours (a regular file with one link, owned by
// our effective uid); anything else at TMP is refused. TMP's directory
// must be owned by us or by root, and one that others (group or world)
// can write must be sticky. The file gets its final mode before the first
// byte is written. The records are written by our own writer, byte for
// byte what libowfat's cdb_make writes, which frees everything it
// allocates (libowfat's cdb_make_finish frees none of its lists).
#ifndef QSEND_LIB_CDB_WRITE_H
#define QSEND_LIB_CDB_WRITE_H

#include <functional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace qs {

// add(key, data) returns false on a write error.
using CdbAdd = std::function<bool(std::string_view key, std::string_view data)>;

// Streams records: fill is called once with an adder and returns false to
// abandon the build (a reason the caller already knows; error is then left
// empty unless a write failed). When CDB already exists the new file gets
// its mode, owner and group (a secrets database stays private after a
// rebuild); otherwise new_mode.
bool write_cdb_atomically(std::string_view cdb, std::string_view tmp,
                          const std::function<bool(const CdbAdd& add)>& fill, std::string& error,
                          mode_t new_mode = 0644);

// Views: the caller keeps the bytes alive until the write returns (a
// million-record build copies nothing).
struct CdbRecord {
    std::string_view key;
    std::string_view value;
};

// The same for records already in memory, in order.
bool write_cdb_atomically(std::string_view cdb, std::string_view tmp, const std::vector<CdbRecord>& records,
                          std::string& error, mode_t new_mode = 0644);

} // namespace qs

#endif
