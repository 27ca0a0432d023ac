// relaylock's configuration and its one lock module: what load_config
// makes of the environment, and record, look-up, expiry and revocation
// through LockStore (outside rules mode: no rebuilds).
#include "relaylock/config.h"
#include "relaylock/lock_store.h"

#include "tests/scratch.h"

#include <doctest/doctest.h>
#include <cstdlib>
#include <string>
#include <vector>

using qs::relaylock::Config;
using qs::relaylock::LockStore;

namespace {

Config config_in(const ScratchDir& dir)
{
    Config config;
    config.store = "dir:" + dir.path.string();
    config.never = *qs::parse_prefix_list("127.0.0.0/8", nullptr);
    return config;
}

qs::Address address(const char* text)
{
    auto a = qs::parse_address(text);
    REQUIRE(a);
    return *a;
}

std::vector<std::string> active_keys(LockStore& locks, std::time_t now)
{
    auto active = locks.active(now);
    REQUIRE(active.ok());
    std::vector<std::string> keys;
    for (const auto& lock : *active) keys.push_back(lock.key);
    return keys;
}

} // namespace

TEST_CASE("relaylock config: malformed values give warnings and safe defaults; a broken never list locks nothing")
{
    ::setenv("RELAYLOCK_EXPIRY", "ten", 1);
    ::setenv("RELAYLOCK_V6PREFIX", "32", 1);
    ::setenv("RELAYLOCK_NEVER", "127.0.0.0/8 nonsense", 1);
    Config c = qs::relaylock::load_config();
    ::unsetenv("RELAYLOCK_EXPIRY");
    ::unsetenv("RELAYLOCK_V6PREFIX");
    ::unsetenv("RELAYLOCK_NEVER");
    CHECK(c.expiry == 600);
    CHECK(c.v6prefix == 64);
    CHECK(c.never_list_broken);
    CHECK(c.warnings == std::vector<std::string>{"RELAYLOCK_EXPIRY is not a number of seconds; using 600",
                                                 "RELAYLOCK_V6PREFIX is not a prefix length 48-128; using 64",
                                                 "RELAYLOCK_NEVER has a bad item nonsense; locking nothing"});
    CHECK(qs::relaylock::never_locked(address("192.0.2.7"), c));
    CHECK_FALSE(c.rules_mode());

    Config defaults = qs::relaylock::load_config();
    CHECK(defaults.warnings.empty());
    CHECK_FALSE(defaults.never_list_broken);
    CHECK(defaults.store.starts_with("dir:/"));
    CHECK(qs::relaylock::never_locked(address("127.0.0.1"), defaults));
    CHECK_FALSE(qs::relaylock::never_locked(address("192.0.2.7"), defaults));
}

TEST_CASE("lock store: record, look up, list and revoke")
{
    ScratchDir dir;
    Config config = config_in(dir);
    auto locks = LockStore::open(config);
    REQUIRE(locks.ok());
    CHECK(locks->record_login(address("192.0.2.7"), "joe").ok());
    CHECK(locks->record_login(address("2001:db8:1:2::9"), "ann y").ok());
    CHECK(locks->record_login(address("127.0.0.1"), "root").ok());  // never locked: nothing written
    std::time_t now = std::time(nullptr);
    auto keys = active_keys(*locks, now);
    CHECK(keys.size() == 2);
    auto entry = locks->entry("192.0.2.7");
    REQUIRE(entry.ok());
    REQUIRE(entry->has_value());
    auto lock = qs::relaylock::decode_lock("192.0.2.7", **entry);
    REQUIRE(lock);
    CHECK(lock->user == "joe");
    auto v6 = locks->entry("2001:db8:1:2::/64");
    REQUIRE(v6.ok());
    CHECK(v6->has_value());
    auto none = locks->entry("127.0.0.1");
    REQUIRE(none.ok());
    CHECK_FALSE(none->has_value());

    // an address inside a prefix lock revokes the whole lock
    auto revoked = locks->revoke({address("2001:db8:1:2::abc"), address("198.51.100.1")});
    REQUIRE(revoked.ok());
    CHECK(revoked->removed == 1);
    CHECK(revoked->rules_in_step);
    CHECK(active_keys(*locks, now) == std::vector<std::string>{"192.0.2.7"});
}

TEST_CASE("lock store: expiry removes what is no longer active and says when the next lock ends")
{
    ScratchDir dir;
    Config config = config_in(dir);
    config.expiry = 100;
    auto locks = LockStore::open(config);
    REQUIRE(locks.ok());
    REQUIRE(locks->record_login(address("192.0.2.7"), "joe").ok());
    auto lock = qs::relaylock::decode_lock("192.0.2.7", **locks->entry("192.0.2.7"));
    REQUIRE(lock);
    auto kept = locks->expire(lock->login);
    REQUIRE(kept.ok());
    CHECK(kept->next_expiry == lock->login + 101);
    CHECK(active_keys(*locks, lock->login).size() == 1);
    auto expired = locks->expire(lock->login + 101);
    REQUIRE(expired.ok());
    CHECK(expired->next_expiry == 0);
    CHECK(expired->rules_in_step);
    auto gone = locks->entry("192.0.2.7");
    REQUIRE(gone.ok());
    CHECK_FALSE(gone->has_value());
}

TEST_CASE("lock store: a missing store directory is a fault, not a lock")
{
    ScratchDir dir;
    Config config = config_in(dir);
    config.store = "dir:" + (dir.path / "missing").string();
    auto locks = LockStore::open(config);
    REQUIRE(locks.ok());  // the first operation finds out
    CHECK_FALSE(locks->record_login(address("192.0.2.7"), "joe").ok());
    CHECK_FALSE(locks->active(std::time(nullptr)).ok());
}
