// Relay locks: "this client address logged in over POP at time T, as USER".
// One store entry per lock; the key is the locked block in canonical form
// ("192.0.2.7", "2001:db8:1:2::/64"), the value "T USER\n".
#ifndef QSEND_RELAYLOCK_LOCKS_H
#define QSEND_RELAYLOCK_LOCKS_H

#include "lib/ipaddr.h"
#include "lib/store.h"

#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qs::relaylock {

struct Config {
    std::string directory;           // RELAYLOCK_DIR
    unsigned long expiry = 600;      // RELAYLOCK_EXPIRY
    std::string relayclient;         // RELAYLOCK_RELAYCLIENT
    unsigned v6prefix = 64;          // RELAYLOCK_V6PREFIX
    std::vector<Prefix> never;       // RELAYLOCK_NEVER
    std::string rules;               // RELAYLOCK_RULES ("" = rules mode off)
    std::string cdb;                 // RELAYLOCK_CDB
    bool rules_mode() const { return !rules.empty() && !cdb.empty(); }
};

// Reads RELAYLOCK_* from the environment. A malformed value is logged as a
// warning and the safe default used (RELAYLOCK_NEVER: the default list plus
// nothing is locked at all when it cannot be parsed, since a lost entry
// there could open relay for a proxy).
Config load_config();
// Set when RELAYLOCK_NEVER was unparsable: writers then lock nothing.
extern bool never_list_broken;

// The block a client is locked by: IPv4 exactly, IPv6 by its prefix.
Prefix lock_block(const Address& client, const Config& config);
bool never_locked(const Address& client, const Config& config);

// The client address from TCPREMOTEIP, else IP. Logs a warning and returns
// nullopt when it is missing or malformed.
std::optional<Address> client_address();

struct Lock {
    std::string key;
    Prefix block;
    std::time_t login = 0;
    std::string user;  // sanitised, "-" when unknown
};

// A user name safe for a lock entry, a log line and an environment value:
// printable ASCII without spaces, '\\' or quotes, at most 64 bytes; "-" when empty.
std::string sanitize_user(std::string_view user);
std::string encode_lock(std::time_t login, std::string_view user);
// nullopt for junk: a value or key that is not exactly what encode_lock and
// lock_block write.
std::optional<Lock> decode_lock(std::string_view key, std::string_view value);
bool is_active(const Lock& lock, std::time_t now, const Config& config);
// The first second at which an active lock is no longer active.
std::time_t first_inactive_second(const Lock& lock, const Config& config);

// Every active lock, oldest first. Entries with junk are skipped with one warning.
StoreResult active_locks(Store& store, std::time_t now, const Config& config, std::vector<Lock>& out);

std::unique_ptr<Store> open_store(const Config& config);

} // namespace qs::relaylock

#endif
