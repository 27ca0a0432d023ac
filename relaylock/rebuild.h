// Rules mode (config.rules_mode()): rebuilding config.cdb from
// config.rules and the active locks after the locks change. Serialised
// across processes (flock on CDB.lock) and coalesced (marker CDB.pending):
// a caller that finds a rebuild running leaves its request and returns at
// once; the one that takes the lock waits 50 ms for more, rebuilds, and
// passes the lock to a detached process that rebuilds, with growing waits,
// while requests keep coming (it exits after a wait that brings none). So
// no caller waits for more than one rebuild, and a burst of requests
// causes only a few. Logs one "rebuild" line per rebuild and one line per
// fault.
#ifndef QSEND_RELAYLOCK_REBUILD_H
#define QSEND_RELAYLOCK_REBUILD_H

#include "lib/fd.h"
#include "lib/result.h"
#include "relaylock/config.h"
#include "relaylock/locks.h"

#include <ctime>
#include <functional>
#include <string>
#include <vector>

namespace qs::relaylock {

// The files next to CDB that coordinate its rebuilds.
struct RebuildFiles {
    explicit RebuildFiles(const std::string& cdb);
    std::string lock;     // CDB.lock: held (flock) by whoever writes CDB
    std::string pending;  // CDB.pending: a request no rebuild has covered yet
    std::string failed;   // CDB.failed: the last rebuild failed, CDB may be stale
    std::string tmp;      // CDB.tmp: where a rebuild writes
};

// The locks active at now, as the store holds them; a fault's text is the
// store's error.
using ReadActiveLocks = std::function<Result<std::vector<Lock>>(std::time_t now)>;

// Leaves the request marker alone, before a change to the locks: a
// process killed between changing the store and asking for the rebuild
// then leaves a request behind, which the next relaylock-expire serves
// (rebuild_outstanding). Without it a lock written just before the kill
// was missing from the cdb, and an expired or revoked one kept relaying,
// until some other change. False on a fault (logged).
bool announce_rebuild(const Config& config);

// Asks for a rebuild (see above). False on a fault (logged).
bool request_rebuild(const Config& config, const ReadActiveLocks& read_locks);

// True when the cdb may be stale: the last rebuild failed (CDB.failed), or
// a request (CDB.pending) is left that nobody holding the rebuild lock
// serves, because its maker was killed between leaving it and rebuilding.
bool rebuild_outstanding(const Config& config);

// For relaylock-rules compiling config.cdb itself: waits for the rebuild
// lock and holds it while the result lives, so that a background rebuild
// can neither share its temporary file nor rename an older build over its
// own. Not held (an empty Fd) when CDB.lock cannot be opened.
Fd hold_rebuild_lock(const Config& config);

} // namespace qs::relaylock

#endif
