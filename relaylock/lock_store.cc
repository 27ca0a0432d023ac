#include "relaylock/lock_store.h"

#include "lib/log.h"
#include "relaylock/rebuild.h"

#include <algorithm>

namespace qs::relaylock {

namespace {
// A temporary entry this old was left by a writer that died mid-write.
constexpr long leftover_age = 3600;
// A shared store forgets a lock by itself once it can no longer grant
// (readers still judge its age, lib/store.h); one second more covers a
// login recorded late in its second.
long lock_ttl(const Config& config) { return static_cast<long>(config.expiry) + 1; }
} // namespace

Result<LockStore> LockStore::open(const Config& config)
{
    auto store = open_store(config.store, config.store_variable, "relaylock");
    if (!store) return store.fault();
    return LockStore(std::move(*store), config);
}

Status LockStore::record_login(const Address& client, std::string_view user)
{
    const Config& config = *config_;
    if (never_locked(client, config)) {
        log::line("not locking ip=" + canonical(client) +
                  (is_client_address(client) ? " (RELAYLOCK_NEVER)" : " (not a client address)"));
        return {};
    }
    std::string key = canonical(lock_block(client, config));
    std::time_t now = std::time(nullptr);
    bool was_active = false;
    StoreResult r;
    if (config.rules_mode()) {
        // Only a new address changes the rules cdb: look before replacing,
        // and announce the rebuild it needs before writing (announce_rebuild).
        std::string before;
        r = store_->get(key, before);
        if (r == StoreResult::fault) return store_fault();
        std::optional<Lock> earlier = r == StoreResult::ok ? decode_lock(key, before) : std::nullopt;
        if (!(earlier && is_active(*earlier, now, config))) announce_rebuild(config);
        r = store_->update(key, [&](const std::string* current) {
            std::optional<Lock> old = current ? decode_lock(key, *current) : std::nullopt;
            was_active = old && is_active(*old, now, config);
            return StoreChange{StoreChange::replace, encode_lock(now, user), lock_ttl(config)};
        });
    } else {
        r = store_->put(key, encode_lock(now, user), lock_ttl(config));
    }
    if (r == StoreResult::fault) return store_fault();
    log::line("lock ip=" + key + " user=" + sanitize_user(user));
    // A login changes nothing else: an earlier failed rebuild is left to
    // the next change or to relaylock-expire.
    follow_with_rebuild(!was_active, false);
    return {};
}

Result<std::optional<std::string>> LockStore::entry(std::string_view key)
{
    std::string value;
    StoreResult r = store_->get(key, value);
    if (r == StoreResult::fault) return store_fault();
    if (r == StoreResult::absent) return std::optional<std::string>();
    return std::optional<std::string>(std::move(value));
}

Result<std::vector<Lock>> LockStore::active(std::time_t now)
{
    std::vector<Lock> locks;
    unsigned long junk = 0;
    std::string junk_key;
    StoreResult r = store_->scan([&](std::string_view key, std::string_view value) {
        auto lock = decode_lock(key, value);
        if (!lock) {
            if (!junk++) junk_key = key;
            return;
        }
        if (is_active(*lock, now, *config_)) locks.push_back(std::move(*lock));
    });
    if (junk)
        log::warning("store holds " + std::to_string(junk) + " malformed lock(s), first key=" +
                     log::escape(junk_key) + "; they grant nothing");
    if (r == StoreResult::fault) return store_fault();
    std::sort(locks.begin(), locks.end(), [](const Lock& a, const Lock& b) {
        return a.login != b.login ? a.login < b.login : a.key < b.key;
    });
    return locks;
}

Result<Expired> LockStore::expire(std::time_t now)
{
    Expired expired;
    std::vector<std::string> stale;
    std::vector<std::string> future;
    StoreResult r = store_->scan([&](std::string_view key, std::string_view value) {
        auto lock = decode_lock(key, value);
        if (!lock || !is_active(*lock, now, *config_)) {
            stale.emplace_back(key);
            return;
        }
        // A lock dated ahead of now is rewritten to now below, and ends then.
        if (is_future_dated(*lock, now)) future.emplace_back(key);
        std::time_t at = first_inactive_second(*lock, now, *config_);
        if (expired.next_expiry == 0 || at < expired.next_expiry) expired.next_expiry = at;
    });
    if (r == StoreResult::fault) return store_fault();
    if (!stale.empty() && config_->rules_mode()) announce_rebuild(*config_);
    unsigned long removed = 0;
    // Bringing a future lock to now changes no grant (it stays active);
    // one that went junk meanwhile is removed all the same.
    for (const auto* keys : {&stale, &future})
        for (const auto& key : *keys) {
            auto gone = remove_if_inactive(key, now);
            if (!gone) return gone.fault();
            if (*gone) ++removed;
        }
    if (store_->sweep_leftovers(leftover_age) == StoreResult::fault) return store_fault();
    expired.rules_in_step = follow_with_rebuild(removed > 0, true);
    return expired;
}

// Also brings a lock dated ahead of now (by at most one expiry) to now, so
// that it expires one expiry after this sweep: a clock stepped back
// neither stretches it nor ends it.
Result<bool> LockStore::remove_if_inactive(const std::string& key, std::time_t now)
{
    bool erased = false;
    StoreResult r = store_->update(key, [&](const std::string* current) {
        // The update may run more than once: the last run decides.
        std::optional<Lock> lock = current ? decode_lock(key, *current) : std::nullopt;
        erased = current && !(lock && is_active(*lock, now, *config_));
        if (erased) return StoreChange{StoreChange::erase, {}};
        if (lock && is_future_dated(*lock, now))
            return StoreChange{StoreChange::replace, encode_lock(now, lock->user), lock_ttl(*config_)};
        return StoreChange{};
    });
    if (r == StoreResult::fault) return store_fault();
    return erased;
}

Result<Revoked> LockStore::revoke(const std::vector<Address>& addresses)
{
    std::vector<std::string> covering;
    StoreResult r = store_->scan([&](std::string_view key, std::string_view) {
        auto block = parse_prefix(key);
        if (block && std::any_of(addresses.begin(), addresses.end(),
                                 [&](const Address& a) { return contains(*block, a); }))
            covering.emplace_back(key);
    });
    if (r == StoreResult::fault) return store_fault();
    if (!covering.empty() && config_->rules_mode()) announce_rebuild(*config_);
    Revoked revoked;
    for (const auto& key : covering) {
        r = store_->remove(key);
        if (r == StoreResult::fault) return store_fault();
        if (r == StoreResult::ok) {
            ++revoked.removed;
            log::line("revoked lock=" + key);
        }
    }
    revoked.rules_in_step = follow_with_rebuild(revoked.removed > 0, true);
    return revoked;
}

bool LockStore::follow_with_rebuild(bool grants_changed, bool retry_failed)
{
    const Config& config = *config_;
    if (!config.rules_mode()) return true;
    if (!grants_changed && !(retry_failed && rebuild_outstanding(config))) return true;
    return request_rebuild(config, [this](std::time_t now) { return active(now); });
}

} // namespace qs::relaylock
