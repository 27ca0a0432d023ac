// The relay locks in their store (RELAYLOCK_DIR), and the one rule that
// keeps rules mode's cdb in step with them: a change that alters what the
// cdb grants is followed by a rebuild (relaylock/rebuild.h). Every program
// reaches the store through here.
#ifndef QSEND_RELAYLOCK_LOCK_STORE_H
#define QSEND_RELAYLOCK_LOCK_STORE_H

#include "lib/ipaddr.h"
#include "lib/result.h"
#include "lib/store.h"
#include "relaylock/config.h"
#include "relaylock/locks.h"

#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qs::relaylock {

// After a sweep or a revocation: faults of the store are the Result's;
// a failed rebuild has been logged and leaves CDB.failed for the next
// change to retry.
struct Expired {
    std::time_t next_expiry = 0;  // when the first lock still active stops being active; 0: none is
    bool rules_in_step = true;    // false: rules mode's rebuild failed
};
struct Revoked {
    unsigned long removed = 0;
    bool rules_in_step = true;
};

class LockStore {
public:
    // The only place the store's backend is chosen. A fault is a
    // RELAYLOCK_DIR the store cannot use. config must outlive the result.
    static Result<LockStore> open(const Config& config);

    // Records a login by user (sanitised) from client, and logs it: "lock
    // ip=..." or, for a client never locked, "not locking ip=...". A fault
    // says so for one warning line.
    Status record_login(const Address& client, std::string_view user);

    // The entry of the lock whose key (canonical block) is key; nullopt
    // when there is none.
    Result<std::optional<std::string>> entry(std::string_view key);

    // Every active lock, oldest first. Entries with junk are skipped with
    // one warning.
    Result<std::vector<Lock>> active(std::time_t now);

    // One sweep: removes what is no longer active at now and what
    // interrupted writers left behind.
    Result<Expired> expire(std::time_t now);

    // Removes every lock whose block holds one of addresses (locks may have
    // been written with another prefix length), logging "revoked lock=KEY".
    Result<Revoked> revoke(const std::vector<Address>& addresses);

private:
    LockStore(std::unique_ptr<Store> store, const Config& config) : store_(std::move(store)), config_(&config) {}

    // Rules mode only: rebuilds after a change that alters what the cdb
    // grants; retry_failed also retries a rebuild that failed before
    // (CDB.failed), for an administrator's pass that changed nothing. False
    // when the rebuild failed (logged).
    bool follow_with_rebuild(bool grants_changed, bool retry_failed);
    // Removes key when it still holds no active lock (decided again under
    // the store's lock, since a login may have refreshed it); true when it went.
    Result<bool> remove_if_inactive(const std::string& key, std::time_t now);
    Fault store_fault() const { return temporary_fault(store_->error()); }

    std::unique_ptr<Store> store_;
    const Config* config_;
};

} // namespace qs::relaylock

#endif
