// relaylock-check: relay for a client whose lock is active. Whatever
// happens, the chain goes on; only the environment differs.
#include "relaylock/programs.h"

#include "lib/env.h"
#include "lib/exec.h"
#include "lib/log.h"
#include "relaylock/lock_store.h"

#include <cstdlib>
#include <ctime>
#include <string>

namespace qs::relaylock {

namespace {

// The lock that gives client relay now, or nullopt (with a warning when
// the store is at fault or its entry is wrong).
std::optional<Lock> active_lock_for(const Address& client, const std::string& key, const Config& config,
                                    std::time_t now)
{
    auto locks = LockStore::open(config);
    auto entry = locks ? locks->entry(key) : Result<std::optional<std::string>>(locks.fault());
    if (!entry) {
        log::warning("no relay for ip=" + canonical(client) + ": " + entry.fault().text);
        return std::nullopt;
    }
    if (!*entry) return std::nullopt;
    auto lock = decode_lock(key, **entry);
    if (!lock) {
        log::warning("malformed lock key=" + log::escape(key) + "; no relay");
        return std::nullopt;
    }
    // The key was made from the client; the lock must say so in bytes too.
    if (!contains(lock->block, client)) {
        log::warning("lock key=" + log::escape(key) + " does not cover ip=" + canonical(client) + "; no relay");
        return std::nullopt;
    }
    if (!is_active(*lock, now, config)) return std::nullopt;
    return lock;
}

} // namespace

int run_check(const ChainOptions& options)
{
    if (env::get("RELAYCLIENT")) exec_next(options.next);
    Config config = load_config_and_warn();
    auto client = client_address();
    if (!client || never_locked(*client, config)) exec_next(options.next);
    std::string key = canonical(lock_block(*client, config));
    std::time_t now = std::time(nullptr);
    auto lock = active_lock_for(*client, key, config, now);
    if (!lock) exec_next(options.next);
    if (::setenv("RELAYCLIENT", config.relayclient.c_str(), 1) != 0 ||
        ::setenv("RELAYLOCK_USER", lock->user.c_str(), 1) != 0 ||
        (!env::get("RBLSMTPD") && ::setenv("RBLSMTPD", "", 1) != 0)) {
        log::fatal("out of memory");
        return 111;
    }
    log::line("relay ip=" + canonical(*client) + " lock=" + key + " user=" + lock->user +
              " age=" + std::to_string(now - lock->login));
    exec_next(options.next);
}

} // namespace qs::relaylock
