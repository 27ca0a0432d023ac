#include "relaylock/locks.h"

#include <doctest/doctest.h>

using namespace qs::relaylock;

TEST_CASE("lock entries: what encode_lock writes, decode_lock accepts, and nothing else")
{
    CHECK(encode_lock(1700000000, "alice") == "1700000000 alice\n");
    CHECK(encode_lock(5, "") == "5 -\n");
    auto lock = decode_lock("192.0.2.7", "1700000000 alice\n");
    REQUIRE(lock);
    CHECK(lock->login == 1700000000);
    CHECK(lock->user == "alice");
    CHECK(qs::canonical(lock->block) == "192.0.2.7");
    CHECK(decode_lock("2001:db8::/64", "1 -\n"));

    CHECK_FALSE(decode_lock("192.0.2.7", ""));
    CHECK_FALSE(decode_lock("192.0.2.7", "1700000000 alice"));       // no newline
    CHECK_FALSE(decode_lock("192.0.2.7", "1700000000\n"));
    CHECK_FALSE(decode_lock("192.0.2.7", " alice\n"));
    CHECK_FALSE(decode_lock("192.0.2.7", "-1 alice\n"));
    CHECK_FALSE(decode_lock("192.0.2.7", "17x alice\n"));
    CHECK_FALSE(decode_lock("192.0.2.7", "1 al ice\n"));
    CHECK_FALSE(decode_lock("192.0.2.7", "1 alice\nRELAYCLIENT=x\n"));
    CHECK_FALSE(decode_lock("192.0.2.07", "1 alice\n"));             // not canonical
    CHECK_FALSE(decode_lock("2001:DB8::/64", "1 alice\n"));
    CHECK_FALSE(decode_lock("2001:db8::1/64", "1 alice\n"));         // host bits set
    CHECK_FALSE(decode_lock("../x", "1 alice\n"));
    CHECK_FALSE(decode_lock("", "1 alice\n"));
    // Only what encode_lock writes: no leading zero, no sign.
    CHECK(decode_lock("192.0.2.7", "0 alice\n"));
    CHECK_FALSE(decode_lock("192.0.2.7", "01700000000 alice\n"));
    CHECK_FALSE(decode_lock("192.0.2.7", "00 alice\n"));
    CHECK_FALSE(decode_lock("192.0.2.7", "-0 alice\n"));
    CHECK_FALSE(decode_lock("192.0.2.7", "+1 alice\n"));
}

TEST_CASE("blocks next to RELAYLOCK_NEVER, behind translators, and addresses never locked")
{
    Config config;
    config.never = *qs::parse_prefix_list("127.0.0.0/8 ::1/128 2001:db8:5:5::10", nullptr);
    auto block = [&](const char* text) { return qs::canonical(lock_block(*qs::parse_address(text), config)); };
    CHECK(block("2001:db8:5:5::20") == "2001:db8:5:5::20");    // the /64 holds the proxy
    CHECK(block("2001:db8:5:6::20") == "2001:db8:5:6::/64");
    CHECK(block("2001:0:4136:e378:8000:63bf:3fff:fdd2") == "2001::4136:e378:8000:63bf:3fff:fdd2");
    CHECK(block("64:ff9b::198.51.100.1") == "64:ff9b::c633:6401");
    config.v6prefix = 48;
    CHECK(block("2001:db8:5:7::1") == "2001:db8:5:7::1");      // the /48 holds the proxy
    CHECK(never_locked(*qs::parse_address("2001:db8:5:5::10"), config));
    CHECK_FALSE(never_locked(*qs::parse_address("2001:db8:5:5::20"), config));
    for (const char* text : {"::", "0.0.0.0", "224.0.0.1", "255.255.255.255", "ff02::1"}) {
        INFO("address: ", text);
        CHECK(never_locked(*qs::parse_address(text), config));
    }
}

TEST_CASE("user names are made safe for entries, logs and the environment")
{
    CHECK(sanitize_user("alice@example.org") == "alice@example.org");
    CHECK(sanitize_user("") == "-");
    CHECK(sanitize_user("a b\n\"'`\\") == "a_b_____");
    CHECK(sanitize_user(std::string(100, 'x')).size() == 64);
}

TEST_CASE("lock blocks and expiry")
{
    Config config;
    auto v4 = qs::parse_address("192.0.2.7");
    auto v6 = qs::parse_address("2001:db8:1:2:3:4:5:6");
    CHECK(qs::canonical(lock_block(*v4, config)) == "192.0.2.7");
    CHECK(qs::canonical(lock_block(*v6, config)) == "2001:db8:1:2::/64");
    config.v6prefix = 128;
    CHECK(qs::canonical(lock_block(*v6, config)) == "2001:db8:1:2:3:4:5:6");
    config.v6prefix = 48;
    CHECK(qs::canonical(lock_block(*v6, config)) == "2001:db8:1::/48");

    Lock lock{"192.0.2.7", lock_block(*v4, config), 1000, "alice"};
    CHECK(is_active(lock, 1000, config));
    CHECK(is_active(lock, 1599, config));
    CHECK(is_active(lock, 1600, config));  // exactly RELAYLOCK_EXPIRY old: "no more than"
    CHECK_FALSE(is_active(lock, 1601, config));
    CHECK(first_inactive_second(lock, 1000, config) == 1601);
    CHECK(first_inactive_second(lock, 1600, config) == 1601);
    CHECK_FALSE(is_future_dated(lock, 1000));
    config.expiry = 0;
    CHECK_FALSE(is_active(lock, 1000, config));
}

TEST_CASE("the clock stepped back: a lock dated ahead by at most one expiry counts as written now")
{
    Config config;  // RELAYLOCK_EXPIRY 600
    const std::time_t expiry = 600, now = 100000;
    auto lock_at = [&](std::time_t login) { return Lock{"192.0.2.7", *qs::parse_prefix("192.0.2.7"), login, "alice"}; };
    for (std::time_t ahead : {std::time_t(1), expiry / 2, expiry}) {
        INFO("login ahead of now by ", ahead);
        Lock lock = lock_at(now + ahead);
        CHECK(is_active(lock, now, config));
        CHECK(is_future_dated(lock, now));
        // at most one expiry left from now, not one expiry after its login time
        CHECK(first_inactive_second(lock, now, config) == now + expiry + 1);
        // what relaylock-expire rewrites it to: it then ends one expiry after the sweep
        Lock rewritten = lock_at(now);
        CHECK(is_active(rewritten, now + expiry, config));
        CHECK_FALSE(is_active(rewritten, now + expiry + 1, config));
    }
    Lock junk = lock_at(now + expiry + 1);  // further ahead than one expiry
    CHECK_FALSE(is_active(junk, now, config));
    CHECK_FALSE(is_active(lock_at(now + 2 * expiry), now, config));
    CHECK_FALSE(is_active(lock_at(now + 86400), now, config));
    config.expiry = 0;
    CHECK_FALSE(is_active(lock_at(now + 1), now, config));
}

TEST_CASE("the clock stepped forward: a lock older than one expiry is expired")
{
    Config config;
    Lock lock{"192.0.2.7", *qs::parse_prefix("192.0.2.7"), 1000, "alice"};
    CHECK(is_active(lock, 1000 + 600, config));
    for (std::time_t step : {601, 602, 3600, 86400, 10 * 365 * 86400}) {
        INFO("stepped forward to ", step, " s after the login");
        CHECK_FALSE(is_active(lock, 1000 + step, config));
    }
}

TEST_CASE("property: no recorded login time keeps a lock active more than one expiry past the time it is judged")
{
    for (unsigned expiry : {1u, 5u, 600u, 3600u}) {
        Config config;
        config.expiry = expiry;
        const auto e = static_cast<std::time_t>(expiry);
        const std::time_t now = 1700000000;
        for (std::time_t offset = -3 * e - 2; offset <= 3 * e + 2; offset += (e > 50 ? 7 : 1)) {
            INFO("expiry ", expiry, " login at now + ", offset);
            Lock lock{"192.0.2.7", *qs::parse_prefix("192.0.2.7"), now + offset, "alice"};
            bool active = is_active(lock, now, config);
            // neither instantly dead nor junk within one expiry either way
            CHECK(active == (offset >= -e && offset <= e));
            if (!active) continue;
            std::time_t end = first_inactive_second(lock, now, config);
            CHECK(end > now);
            CHECK(end <= now + e + 1);
            // what relaylock-expire leaves: the login time it keeps or rewrites to
            Lock swept = lock;
            if (is_future_dated(lock, now)) swept.login = now;
            CHECK(first_inactive_second(swept, now, config) == end);
            CHECK(is_active(swept, end - 1, config));
            for (std::time_t later : {end, end + 1, end + e, end + 2 * e + 2})
                CHECK_FALSE(is_active(swept, later, config));
        }
    }
}
