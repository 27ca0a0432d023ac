// Relay locks: "this client address logged in over POP at time T, as USER".
// One store entry per lock; the key is the locked block in canonical form
// ("192.0.2.7", "2001:db8:1:2::/64"), the value "T USER\n". This module is
// the entry format and what a lock means; relaylock/lock_store.h keeps them.
#ifndef QSEND_RELAYLOCK_LOCKS_H
#define QSEND_RELAYLOCK_LOCKS_H

#include "lib/ipaddr.h"
#include "relaylock/config.h"

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace qs::relaylock {

// The block a client is locked by: IPv4 exactly, IPv6 by its prefix.
Prefix lock_block(const Address& client, const Config& config);
bool never_locked(const Address& client, const Config& config);

// The client address (lib/client.h: TCPREMOTEIP, else IP). Logs a warning
// and returns nullopt when it is missing or malformed.
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
// Whether lock grants relay at now: no more than RELAYLOCK_EXPIRY seconds
// old. A login time ahead of now (a clock stepped back, or a host whose
// clock is ahead) by at most RELAYLOCK_EXPIRY is honoured as if written at
// now; one further ahead is junk and grants nothing. RELAYLOCK_EXPIRY 0
// turns locks off.
bool is_active(const Lock& lock, std::time_t now, const Config& config);
// Judged at now, the first second at which an active lock is no longer
// active: one expiry after its login time, or after now for a lock dated
// ahead of now (relaylock-expire rewrites such a lock to now, so that it
// is), hence never more than RELAYLOCK_EXPIRY + 1 seconds after now.
std::time_t first_inactive_second(const Lock& lock, std::time_t now, const Config& config);
// Whether an active lock is dated ahead of now (relaylock-expire brings it
// to now).
bool is_future_dated(const Lock& lock, std::time_t now);

} // namespace qs::relaylock

#endif
