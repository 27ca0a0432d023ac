// The failure throttle, kept in a qs::Store so that a shared cluster store
// serves it as it serves relaylock. Three counters per failed login: the
// client address (IPv6 by /64, where privacy addresses rotate) and the
// address and user together, each of which locks for the lockout time once
// it holds its limit of failures within the window; and the user across
// all addresses, which never locks but rate-limits: a bucket of
// user_budget checks that refills one check every user_window /
// user_budget seconds. An empty bucket refuses the attempt, except from an
// address this user logged in from successfully in the last 30 days, so a
// guesser elsewhere cannot lock a customer out from the customer's own
// address, and a distributed guesser gets user_budget guesses per
// user_window per user.
#ifndef QSEND_AUTH_THROTTLE_H
#define QSEND_AUTH_THROTTLE_H

#include "lib/ipaddr.h"
#include "lib/result.h"
#include "lib/store.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qs::auth {

struct ThrottleConfig {
    unsigned long maxfail = 5;   // per address and user; x4 per address, x10 per user
    unsigned long window = 900;
    unsigned long lockout = 900;
    unsigned long user_budget = 0;     // checks per user_window per user from addresses not known-good; 0: 10 x maxfail
    unsigned long user_window = 3600;
    std::vector<Prefix> trusted;
    unsigned long user_limit() const { return user_budget ? user_budget : 10 * maxfail; }
    // seconds for the user bucket to regain one check
    long long user_interval() const;
};
constexpr long long known_good_age = 30L * 24 * 3600;

struct Counter {
    unsigned long fails = 0;     // a user counter: checks in its bucket
    long long first = 0;         // start of the current window; a user counter: when it last drained
    long long locked_until = 0;
    long long last_ok = 0;       // pairs only: last successful login
};
std::optional<Counter> parse_counter(std::string_view text);
std::string format_counter(const Counter& c);

// What a key counts: an address (block), a user, or both.
struct ThrottleKey {
    std::optional<Prefix> address;
    std::string user;  // empty for an address counter
};
// A user longer than max_user_part bytes is keyed by "#md5:" and the hex
// MD5 of the user, so that every key fits Store::max_key.
constexpr size_t max_user_part = 64;
std::string store_key(const ThrottleKey& k);
std::optional<ThrottleKey> parse_store_key(std::string_view key);
// The key an administrator types: ADDRESS, USER, or ADDRESS/USER.
ThrottleKey parse_admin_key(std::string_view text);
Prefix client_block(const Address& a);

// The family's one choice of store backend: the directory CHKPW_STATE names.
// spec: CHKPW_STORE's, or CHKPW_STATE's as dir:PATH; variable: which.
Result<std::unique_ptr<Store>> open_throttle_store(std::string_view spec, std::string_view variable);

enum class Gate { open, locked };

// One login attempt's view of the counters. address may be absent
// (unknown client): only the user counts then.
class Throttle {
public:
    Throttle(Store& store, const ThrottleConfig& config, long long now)
        : store_(store), config_(config), now_(now) {}
    // What the checker calls before it verifies anything: each counter in
    // one atomic update answers locked, or counts this attempt as a failure
    // in advance, so parallel guesses cannot all be verified before the
    // first failure is written. A counter already at its limit locks and
    // refuses the attempt (which then counts on no counter). Afterwards
    // exactly one of: nothing (a failure, already counted),
    // settle_success, or release (no verdict, e.g. a temporary fault).
    // A fault is the store's.
    Result<Gate> admit(const std::optional<Address>& address, std::string_view user);
    // Takes back admit's counts on the address and user counters, resets
    // the pair and marks it known-good.
    Status settle_success(const std::optional<Address>& address, std::string_view user);
    // Takes back admit's counts.
    Status release();
    bool trusted(const std::optional<Address>& address) const;

private:
    enum class Count { counted, uncounted, locked, fault };
    Count count(const ThrottleKey& k, unsigned long limit, bool exempt, long long* last_ok);
    Count count_user(const ThrottleKey& k, bool exempt);
    bool uncount(const ThrottleKey& k);
    bool record_success(const Address& address, std::string_view user);
    Status store_status(bool ok) const;
    std::vector<ThrottleKey> pending_;  // counted by admit, not yet settled
    Store& store_;
    const ThrottleConfig& config_;
    long long now_;
};

// A counter whose window, lockout and known-good mark have all passed
// (a user counter: whose bucket has drained).
bool stale(const Counter& c, const ThrottleConfig& config, long long now);
// How long a counter written now can still matter, the time to live it is
// written with: pair: also its known-good mark.
long counter_ttl(const ThrottleKey& k, const ThrottleConfig& config);
// The user counter's bucket after it drained up to now.
void drain(Counter& c, const ThrottleConfig& config, long long now);
// After the clock stepped back, a counter's times may lie ahead of now:
// the window would then never end and a lockout last as long as the step.
// Brings them to now (a lockout to at most now + LOCKOUT), keeping the
// count, so that a step back neither resets the throttle nor sticks it.
// (A step forward is time that passed, as far as anyone can tell: windows
// and lockouts end early.) True when it moved anything.
bool follow_clock(Counter& c, const ThrottleConfig& config, long long now);

} // namespace qs::auth

#endif
