// The store behind relay locks, the failure throttle and sending limits: a
// small key-value interface, so that a shared network store for clusters
// of POP and SMTP hosts is one more backend, not a change to the programs.
//
// Contract for every implementation (tests/unit_store_contract.cc holds
// each backend to it):
// - get never blocks on writers and never sees a torn value;
// - put, remove and update are atomic and serialised against each other,
//   across processes (update is a read-modify-write nobody can interleave);
// - update's callback may run more than once (a backend may retry after a
//   conflict), so it must only compute its answer from the value it is
//   given: no side effects, no counting of its own calls;
// - an entry may be given a time to live (seconds; 0: none): a backend may
//   forget the entry after it, or keep it (the directory store keeps it
//   until a sweep), so a reader still judges a value's age itself;
// - keys are arbitrary bytes, 1 to 200 of them (max_key); values at most
//   4096 bytes (max_value); anything else is a fault, never truncated;
// - a fault (I/O, permissions, missing store, unreachable server) is
//   reported with a one-line error(), never thrown.
#ifndef QSEND_LIB_STORE_H
#define QSEND_LIB_STORE_H

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "lib/result.h"

namespace qs {

enum class StoreResult { ok, absent, fault };

// What an update does with the current value.
struct StoreChange {
    enum Action { keep, replace, erase } action = keep;
    std::string value;  // for replace
    long ttl = 0;       // for replace: seconds the backend may keep it; 0: no limit
};

class Store {
public:
    virtual ~Store() = default;
    static constexpr size_t max_key = 200;
    static constexpr size_t max_value = 4096;

    virtual StoreResult get(std::string_view key, std::string& value) = 0;
    // ttl: seconds after which the backend may forget the entry; 0: never.
    virtual StoreResult put(std::string_view key, std::string_view value, long ttl = 0) = 0;
    // absent when there was nothing to remove.
    virtual StoreResult remove(std::string_view key) = 0;
    // fn sees the current value (nullptr when absent) and says what to do;
    // it may be called more than once and must only compute. Returns
    // absent when the key was absent and stays absent.
    virtual StoreResult update(std::string_view key,
                               const std::function<StoreChange(const std::string* current)>& fn) = 0;
    // Calls fn for every entry (order unspecified). Entries changed during
    // the scan may or may not be seen.
    virtual StoreResult scan(const std::function<void(std::string_view key, std::string_view value)>& fn) = 0;

    // Removes what interrupted writers left behind, older than max_age
    // seconds (a writer killed between writing and renaming its entry). A
    // backend that leaves nothing behind returns ok.
    virtual StoreResult sweep_leftovers(long max_age) = 0;

    // Describes the last fault, for one log line.
    const std::string& error() const { return error_; }

protected:
    std::string error_;
};

// The only place a backend is chosen. SPEC is "dir:/PATH" (the embedded
// directory store; RELAYLOCK_DIR and CHKPW_STATE name such a PATH), or one
// or more Redis endpoints separated by spaces (lib/store_redis.cc,
// qsend-store(7)): redis://[USER[:PASSWORD]@]HOST[:PORT][/DB] and
// redis+unix:///PATH[?db=N], the first that answers ROLE as master used.
// A fault is a malformed spec ("VARIABLE: bad Redis spec: why", never
// quoting a password); a missing directory or an unreachable Redis is a
// fault of each operation (Redis connects on the first one), as before.
//
// Adding a backend: one file lib/store_NAME.cc with a factory declared in
// its own private header (lib/store_NAME.h, included only here and by its
// tests), one branch in open_store, and one line in
// tests/unit_store_contract.cc so the contract cases run against it.
//
// VARIABLE names the setting in fault messages. SPACE names the family
// ("relaylock", "throttle", "sendlimit"): a shared store keeps each
// family's keys apart under it; a directory is a family's own already.
Result<std::unique_ptr<Store>> open_store(std::string_view spec, std::string_view variable = "store",
                                          std::string_view space = "store");
// The spec for a directory given as a plain path (the old variables).
std::string directory_spec(std::string_view path);

} // namespace qs

#endif
