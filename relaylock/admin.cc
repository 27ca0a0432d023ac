// The administrator's tools: relaylock-expire, relaylock-list,
// relaylock-revoke and relaylock-rules. A store fault is one fatal line
// and exit 111; a failed rebuild has logged why and exits 111.
#include "relaylock/programs.h"

#include "lib/fd.h"
#include "lib/log.h"
#include "lib/main.h"
#include "relaylock/lock_store.h"
#include "relaylock/rebuild.h"
#include "relaylock/rules_compile.h"

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <string>

namespace qs::relaylock {

namespace {

// Between faults the watcher waits this long before it tries again.
constexpr unsigned long fault_retry = 5;

// One sweep; next_expiry as Expired says.
int expire_once(LockStore& locks, std::time_t now, std::time_t& next_expiry)
{
    auto expired = locks.expire(now);
    if (!expired) return die(expired.fault());
    next_expiry = expired->next_expiry;
    return expired->rules_in_step ? 0 : 111;
}

// Sleeps until the wall clock reaches when, or for at most limit seconds:
// a clock stepped back must not stall expiry longer than one lifetime.
void sleep_until(std::time_t when, unsigned long limit)
{
    std::time_t now = std::time(nullptr);
    if (when <= now) return;
    unsigned long seconds = static_cast<unsigned long>(when - now);
    struct timespec left {static_cast<time_t>(std::min(seconds, limit)), 0};
    while (::nanosleep(&left, &left) != 0 && errno == EINTR) {}
}

// -w: a supervised service that sweeps when the first lock expires, so
// that in rules mode the cdb stops granting relay within a second of each
// lock's end. A lock written meanwhile expires after any wake-up chosen
// here (at most one lifetime away), so no expiry is missed.
[[noreturn]] void watch_expiry(LockStore& locks, const Config& config)
{
    const unsigned long lifetime = std::max(config.expiry, 1UL) + 1;
    // A lock whose login time is already in the past when it is written
    // (another host's slower clock, a copied store) would expire before a
    // wake-up planned without it: look again at least this often.
    constexpr unsigned long longest_sleep = 10;
    std::time_t next_expiry = 0;
    for (;;) {
        std::time_t now = std::time(nullptr);
        if (expire_once(locks, now, next_expiry) != 0) {
            sleep_until(now + static_cast<std::time_t>(fault_retry), fault_retry);
            continue;
        }
        sleep_until(next_expiry ? next_expiry : now + static_cast<std::time_t>(lifetime),
                    std::min(lifetime, longest_sleep));
    }
}

std::string listing(const std::vector<Lock>& locks, std::time_t now)
{
    std::string out;
    for (const auto& lock : locks) {
        std::time_t age = now > lock.login ? now - lock.login : 0;
        out += lock.key + " " + std::to_string(age) + " " + lock.user + "\n";
    }
    return out;
}

} // namespace

int run_expire(const ExpireOptions& options)
{
    Config config = load_config_and_warn();
    auto locks = LockStore::open(config);
    if (!locks) return die(locks.fault());
    if (options.watch) watch_expiry(*locks, config);
    std::time_t next_expiry = 0;
    return expire_once(*locks, std::time(nullptr), next_expiry);
}

int run_list()
{
    Config config = load_config_and_warn();
    auto store = LockStore::open(config);
    if (!store) return die(store.fault());
    std::time_t now = std::time(nullptr);
    auto locks = store->active(now);
    if (!locks) return die(locks.fault());
    std::string out = listing(*locks, now);
    if (!write_all(1, out.data(), out.size()))
        return die(temporary_fault(log::with_errno("unable to write output", errno)));
    return 0;
}

int run_revoke(const RevokeOptions& options)
{
    Config config = load_config_and_warn();
    auto locks = LockStore::open(config);
    if (!locks) return die(locks.fault());
    auto revoked = locks->revoke(options.addresses);
    if (!revoked) return die(revoked.fault());
    return revoked->rules_in_step ? 0 : 111;
}

int run_rules(const RulesOptions& options)
{
    Config config = load_config_and_warn();
    // Compiling the very cdb that rules mode rebuilds: hold the rebuild lock.
    Fd rebuild_lock;
    if (config.rules_mode() && config.cdb == options.cdb) rebuild_lock = hold_rebuild_lock(config);
    std::vector<Lock> locks;
    std::string store_fault;
    auto store = LockStore::open(config);
    auto active = store ? store->active(std::time(nullptr)) : Result<std::vector<Lock>>(store.fault());
    if (active) locks = std::move(*active);
    else store_fault = active.fault().text;
    FdLines lines(0);
    Compiled c = compile(lines, "input", locks, config, options.cdb, options.tmp);
    // A syntax error is one line: the error.
    if (!c.status && c.status.fault().exit_code == Fault::permanent) return die(c.status.fault());
    if (!store_fault.empty()) log::warning("unable to read locks, compiled without them: " + store_fault);
    for (const auto& w : c.warnings) log::warning(w);
    return c.status ? 0 : die(c.status.fault());
}

} // namespace qs::relaylock
