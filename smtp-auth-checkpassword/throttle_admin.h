// smtp-auth-throttle's logic: list the counters that count or lock, clear
// one (-c KEY), or prune what has gone stale (-p).
#ifndef QSEND_AUTH_THROTTLE_ADMIN_H
#define QSEND_AUTH_THROTTLE_ADMIN_H

#include "lib/result.h"
#include "lib/store.h"
#include "smtp-auth-checkpassword/throttle.h"

#include <optional>
#include <string>
#include <vector>

namespace qs::auth {

struct ThrottleAdminOptions {
    std::optional<std::string> clear;  // -c ADDRESS|USER|ADDRESS/USER
    bool prune = false;                // -p
};

// A temporary entry this old was left by a writer that died mid-write.
constexpr long leftover_age = 3600;

// What one scan of the store found.
struct ThrottleListing {
    std::vector<std::string> lines;       // "BLOCK USER failures=N locked=SECONDS\n", sorted
    std::vector<std::string> stale_keys;  // junk, or stale(): prune removes them
};
Result<ThrottleListing> list_counters(Store& store, const ThrottleConfig& config, long long now);
// Removes the stale keys still stale under the store's lock, then the
// leftovers of interrupted writers.
Status prune_counters(Store& store, const std::vector<std::string>& stale_keys, const ThrottleConfig& config,
                      long long now);

// The whole program after its arguments: reads the configuration, opens
// the store, logs any fault and returns the exit code.
int run_throttle_admin(const ThrottleAdminOptions& options);

} // namespace qs::auth

#endif
