// The failure throttle over the directory store, on the path the checker
// runs: admit before verification, then nothing (a failure, already
// counted), settle_success or release.
#include "smtp-auth-checkpassword/config.h"
#include "smtp-auth-checkpassword/throttle.h"
#include "smtp-auth-checkpassword/throttle_admin.h"

#include "tests/scratch.h"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>

using namespace qs::auth;
namespace fs = std::filesystem;

namespace {
std::optional<qs::Address> ip(const char* text) { return qs::parse_address(text); }
std::optional<qs::Address> ip(const std::string& text) { return qs::parse_address(text); }

std::unique_ptr<qs::Store> store_in(const ScratchDir& s)
{
    auto store = open_throttle_store(qs::directory_spec(s.path.string()), "CHKPW_STATE");
    REQUIRE(store);
    return std::move(*store);
}

// One attempt that fails verification: admit's count stays.
Gate failed_login(qs::Store& store, const ThrottleConfig& c, long long now, const std::optional<qs::Address>& a,
                  std::string_view user)
{
    Throttle t(store, c, now);
    auto gate = t.admit(a, user);
    REQUIRE(gate);
    return *gate;
}

// One attempt with the right password.
Gate good_login(qs::Store& store, const ThrottleConfig& c, long long now, const std::optional<qs::Address>& a,
                std::string_view user)
{
    Throttle t(store, c, now);
    auto gate = t.admit(a, user);
    REQUIRE(gate);
    if (*gate == Gate::open) CHECK(t.settle_success(a, user));
    return *gate;
}
} // namespace

TEST_CASE("a pair that holds MAXFAIL failures locks at the next attempt, until the lockout ends")
{
    ScratchDir s;
    auto store = store_in(s);
    ThrottleConfig c;
    c.maxfail = 3;
    long long now = 1000000;
    for (int i = 0; i < 3; ++i) CHECK(failed_login(*store, c, now + i, ip("192.0.2.1"), "alice") == Gate::open);
    CHECK(failed_login(*store, c, now + 3, ip("192.0.2.1"), "alice") == Gate::locked);
    CHECK(failed_login(*store, c, now + 4, ip("192.0.2.1"), "alice") == Gate::locked);
    // other users from that address, and alice from elsewhere, are not locked
    CHECK(failed_login(*store, c, now + 4, ip("192.0.2.1"), "bob") == Gate::open);
    CHECK(failed_login(*store, c, now + 4, ip("198.51.100.7"), "alice") == Gate::open);
    CHECK(failed_login(*store, c, now + 3 + 900, ip("192.0.2.1"), "alice") == Gate::open);
}

TEST_CASE("failures outside the window do not add up")
{
    ScratchDir s;
    auto store = store_in(s);
    ThrottleConfig c;
    c.maxfail = 2;
    c.window = 60;
    CHECK(failed_login(*store, c, 1000, ip("192.0.2.1"), "alice") == Gate::open);
    CHECK(failed_login(*store, c, 1061, ip("192.0.2.1"), "alice") == Gate::open);  // a new window
    CHECK(failed_login(*store, c, 1062, ip("192.0.2.1"), "alice") == Gate::open);
    CHECK(failed_login(*store, c, 1063, ip("192.0.2.1"), "alice") == Gate::locked);
}

TEST_CASE("an address guessing many users is locked at 4 x MAXFAIL")
{
    ScratchDir s;
    auto store = store_in(s);
    ThrottleConfig c;
    c.maxfail = 2;
    for (int i = 0; i < 8; ++i) {
        const std::string rotating = "2001:db8::" + std::to_string(i + 1);
        CHECK(failed_login(*store, c, 5000, ip(rotating), "user" + std::to_string(i)) == Gate::open);
    }
    // IPv6 counts by /64: the rotating privacy address is the same client
    CHECK(failed_login(*store, c, 5001, ip("2001:db8::ffff"), "newuser") == Gate::locked);
    CHECK(failed_login(*store, c, 5001, ip("2001:db8:0:1::1"), "newuser") == Gate::open);
}

TEST_CASE("a distributed guesser locks the user, but not from the customer's known-good address")
{
    ScratchDir s;
    auto store = store_in(s);
    ThrottleConfig c;
    c.maxfail = 1;
    long long now = 10000;
    CHECK(good_login(*store, c, now, ip("192.0.2.50"), "alice") == Gate::open);
    for (int i = 1; i <= 10; ++i)
        CHECK(failed_login(*store, c, now, ip("203.0.113." + std::to_string(i)), "alice") == Gate::open);
    CHECK(failed_login(*store, c, now + 1, ip("203.0.113.99"), "alice") == Gate::locked);
    CHECK(good_login(*store, c, now + 1, ip("192.0.2.50"), "alice") == Gate::open);
    // known-good lasts 30 days from the last success
    CHECK(failed_login(*store, c, now + 2, ip("192.0.2.51"), "alice") == Gate::locked);
    CHECK(good_login(*store, c, now + 1 + known_good_age - 1, ip("192.0.2.50"), "alice") == Gate::open);
}

TEST_CASE("a success clears its own pair's count")
{
    ScratchDir s;
    auto store = store_in(s);
    ThrottleConfig c;
    c.maxfail = 3;
    for (int i = 0; i < 2; ++i) CHECK(failed_login(*store, c, 100, ip("192.0.2.1"), "alice") == Gate::open);
    CHECK(good_login(*store, c, 100, ip("192.0.2.1"), "alice") == Gate::open);
    for (int i = 0; i < 2; ++i) CHECK(failed_login(*store, c, 100, ip("192.0.2.1"), "alice") == Gate::open);
    CHECK(failed_login(*store, c, 101, ip("192.0.2.1"), "alice") == Gate::open);
    CHECK(failed_login(*store, c, 101, ip("192.0.2.1"), "alice") == Gate::locked);
}

TEST_CASE("CHKPW_TRUSTED addresses are never throttled and leave no counters")
{
    ScratchDir s;
    auto store = store_in(s);
    ThrottleVariables v{3UL, 900UL, 900UL, "10.0.0.0/8 2001:db8:ffff::/48"};
    auto c = throttle_config(v);
    REQUIRE(c);
    for (int i = 0; i < 20; ++i) {
        CHECK(failed_login(*store, *c, 100, ip("10.1.2.3"), "alice") == Gate::open);
        CHECK(failed_login(*store, *c, 100, ip("2001:db8:ffff:1::9"), "alice") == Gate::open);
    }
    CHECK(good_login(*store, *c, 100, ip("10.1.2.3"), "alice") == Gate::open);
    std::string value;
    CHECK(store->get(store_key({qs::parse_prefix("10.1.2.3"), {}}), value) == qs::StoreResult::absent);
    CHECK(store->get(store_key({qs::parse_prefix("10.1.2.3"), "alice"}), value) == qs::StoreResult::absent);
    CHECK(store->get(store_key({std::nullopt, "alice"}), value) == qs::StoreResult::absent);
    // elsewhere alice is counted as usual
    for (int i = 0; i < 3; ++i) CHECK(failed_login(*store, *c, 100, ip("192.0.2.1"), "alice") == Gate::open);
    CHECK(failed_login(*store, *c, 100, ip("192.0.2.1"), "alice") == Gate::locked);
}

TEST_CASE("an unknown client address counts on the user alone")
{
    ScratchDir s;
    auto store = store_in(s);
    ThrottleConfig c;
    c.maxfail = 1;
    for (int i = 0; i < 10; ++i) CHECK(failed_login(*store, c, 100, std::nullopt, "alice") == Gate::open);
    CHECK(failed_login(*store, c, 100, std::nullopt, "alice") == Gate::locked);
    CHECK(good_login(*store, c, 100, std::nullopt, "bob") == Gate::open);
}

TEST_CASE("the throttle's variables: 0 turns nothing off silently, except when pruning")
{
    CHECK(throttle_config(ThrottleVariables{5UL, 900UL, 900UL, std::nullopt}));
    CHECK(throttle_config(ThrottleVariables{0UL, 900UL, 900UL, std::nullopt}).fault().text == "bad CHKPW_MAXFAIL");
    CHECK(throttle_config(ThrottleVariables{std::nullopt, 900UL, 900UL, std::nullopt}).fault().text ==
          "bad CHKPW_MAXFAIL");
    CHECK(throttle_config(ThrottleVariables{5UL, 0UL, 900UL, std::nullopt}).fault().text == "bad CHKPW_WINDOW");
    CHECK(throttle_config(ThrottleVariables{5UL, 900UL, 0UL, std::nullopt}).fault().text == "bad CHKPW_LOCKOUT");
    CHECK(throttle_config(ThrottleVariables{5UL, 0UL, 0UL, std::nullopt}, ConfigUse::pruning));
    auto bad = throttle_config(ThrottleVariables{5UL, 900UL, 900UL, "10.0.0.0/8 nowhere"});
    REQUIRE_FALSE(bad);
    CHECK(bad.fault().text == "bad CHKPW_TRUSTED item nowhere");
    CHECK(bad.fault().exit_code == 111);
}

TEST_CASE("store keys and administrator keys")
{
    ThrottleKey pair{qs::parse_prefix("2001:db8::/64"), "alice"};
    CHECK(store_key(pair) == "pair 2001:db8::/64 alice");
    auto back = parse_store_key(store_key(pair));
    REQUIRE(back);
    CHECK(back->user == "alice");
    CHECK(*back->address == *pair.address);
    CHECK(store_key({std::nullopt, "bob"}) == "user bob");
    CHECK(store_key({qs::parse_prefix("192.0.2.1"), {}}) == "ip 192.0.2.1");
    CHECK(store_key(parse_admin_key("192.0.2.1")) == "ip 192.0.2.1");
    CHECK(store_key(parse_admin_key("2001:db8::5")) == "ip 2001:db8::/64");
    CHECK(store_key(parse_admin_key("2001:db8::/64/alice@example.com")) == "pair 2001:db8::/64 alice@example.com");
    CHECK(store_key(parse_admin_key("192.0.2.1/alice")) == "pair 192.0.2.1 alice");
    CHECK(store_key(parse_admin_key("alice")) == "user alice");
    CHECK(store_key({std::nullopt, std::string(300, 'a')}).size() <= qs::Store::max_key);
    // a long user is hashed: every key fits the store, under IPv6 too
    for (size_t n : {65UL, 90UL, 200UL, 255UL}) {
        ThrottleKey k{qs::parse_prefix("2001:db8:1234:5678::/64"), std::string(n, '!')};
        CHECK(store_key(k).find("#md5:") != std::string::npos);
        CHECK(store_key(k).size() <= qs::Store::max_key);
        CHECK(store_key(parse_admin_key("2001:db8:1234:5678::1/" + std::string(n, '!'))) == store_key(k));
    }
    // the longest user kept as it is, after the longest address block
    ThrottleKey widest{qs::parse_prefix("2001:0:4136:e378:8000:63bf:3fff:fdd2/128"), std::string(max_user_part, '!')};
    CHECK(store_key(widest).find("#md5:") == std::string::npos);
    CHECK(store_key(widest).size() <= qs::Store::max_key);
    CHECK(store_key({std::nullopt, std::string(64, 'a')}) == "user " + std::string(64, 'a'));
    CHECK(store_key({std::nullopt, "#md5:0123456789abcdef0123456789abcdef"}) == "user #md5:0123456789abcdef0123456789abcdef");
    CHECK(parse_counter("1 2 3 4"));
    CHECK_FALSE(parse_counter("1 2 3"));
    CHECK_FALSE(parse_counter("1 2 3 -4"));
}

TEST_CASE("Teredo, 6to4 and NAT64 clients are counted one by one, not by a shared /64")
{
    for (const char* text : {"2001:0:4136:e378:8000:63bf:3fff:fdd2", "64:ff9b::c633:6401", "64:ff9b:1::c633:6401",
                             "2002:c000:204::1", "fe80::1:0"}) {
        CAPTURE(text);
        auto a = qs::parse_address(text);
        REQUIRE(a);
        CHECK(store_key({client_block(*a), {}}) == "ip " + qs::canonical(qs::prefix_of(*a, 128)));
    }
    // a neighbour in the same /64 is another counter
    auto guesser = qs::parse_address("2001:0:4136:e378:8000:63bf:3fff:fdd2");
    auto customer = qs::parse_address("2001:0:4136:e378:8000:1234:5678:9abc");
    CHECK(store_key({client_block(*guesser), {}}) != store_key({client_block(*customer), {}}));
    // a native address still means its /64
    CHECK(store_key({client_block(*qs::parse_address("2001:db8::5")), {}}) == "ip 2001:db8::/64");
}

TEST_CASE("admit counts the attempt before verification; success and release take it back")
{
    ScratchDir s;
    auto store = store_in(s);
    ThrottleConfig c;
    c.maxfail = 2;
    auto fails = [&](const ThrottleKey& k) {
        std::string value;
        if (store->get(store_key(k), value) != qs::StoreResult::ok) return 0UL;
        return parse_counter(value).value_or(Counter{}).fails;
    };
    const ThrottleKey addr{qs::parse_prefix("192.0.2.1"), {}}, pair{qs::parse_prefix("192.0.2.1"), "alice"},
        user{std::nullopt, "alice"};
    {
        // two admitted attempts are two failures before any verdict
        Throttle a(*store, c, 100), b(*store, c, 100);
        CHECK(*a.admit(ip("192.0.2.1"), "alice") == Gate::open);
        CHECK(*b.admit(ip("192.0.2.1"), "alice") == Gate::open);
        CHECK(fails(pair) == 2);
        // the third, in parallel, is locked out without being verified
        CHECK(*Throttle(*store, c, 100).admit(ip("192.0.2.1"), "alice") == Gate::locked);
        CHECK(fails(addr) == 2);  // the locked attempt's address count was taken back
        CHECK(fails(user) == 2);
    }
    ScratchDir s2;
    store = store_in(s2);
    Throttle t(*store, c, 100);
    CHECK(*t.admit(ip("192.0.2.1"), "alice") == Gate::open);
    CHECK(t.release());
    CHECK(fails(addr) == 0);
    CHECK(fails(pair) == 0);
    CHECK(fails(user) == 0);
    CHECK(*t.admit(ip("192.0.2.1"), "alice") == Gate::open);  // a failure: stays counted
    Throttle ok(*store, c, 101);
    CHECK(*ok.admit(ip("192.0.2.1"), "alice") == Gate::open);
    CHECK(ok.settle_success(ip("192.0.2.1"), "alice"));
    CHECK(fails(addr) == 1);  // the earlier failure only
    CHECK(fails(user) == 1);
    CHECK(fails(pair) == 0);  // a success resets its pair
}

TEST_CASE("long user names: every key fits the store, and the checker's path counts them")
{
    ScratchDir s;
    auto store = store_in(s);
    ThrottleConfig c;
    c.maxfail = 1;
    for (const std::string& user : {std::string(255, '!'), std::string(max_user_part, '\x80'), std::string(100, 'a')}) {
        CAPTURE(user.size());
        const auto client = ip("2001:0:4136:e378:8000:63bf:3fff:fdd2");  // Teredo: the longest block
        CHECK(failed_login(*store, c, 100, client, user) == Gate::open);
        CHECK(failed_login(*store, c, 100, client, user) == Gate::locked);
        std::string value;
        CHECK(store->get(store_key({client_block(*client), user}), value) == qs::StoreResult::ok);
    }
}

TEST_CASE("smtp-auth-throttle -p removes stale counters and old leftovers of interrupted writers")
{
    ScratchDir s;
    auto store = store_in(s);
    ThrottleConfig c;
    const long long now = ::time(nullptr);
    CHECK(failed_login(*store, c, now, ip("192.0.2.1"), "alice") == Gate::open);
    CHECK(failed_login(*store, c, now - 2 * 900, ip("198.51.100.1"), "bob") == Gate::open);
    CHECK(store->put("junk", "not a counter") == qs::StoreResult::ok);
    const fs::path old_leftover = s.path / ".tmp.1.2.3.4", new_leftover = s.path / ".tmp.5.6.7.8";
    std::ofstream(old_leftover) << "3 4 5 6";
    std::ofstream(new_leftover) << "3 4 5 6";
    fs::last_write_time(old_leftover, fs::file_time_type::clock::now() - std::chrono::seconds(leftover_age + 60));
    auto listing = list_counters(*store, c, now);
    REQUIRE(listing);
    CHECK(listing->lines == std::vector<std::string>{"- alice failures=1 locked=0\n", "192.0.2.1 - failures=1 locked=0\n",
                                                    "192.0.2.1 alice failures=1 locked=0\n"});
    CHECK(listing->stale_keys.size() == 4);  // bob's three counters and the junk
    CHECK(prune_counters(*store, listing->stale_keys, c, now));
    std::string value;
    CHECK(store->get("junk", value) == qs::StoreResult::absent);
    CHECK(store->get(store_key({std::nullopt, "bob"}), value) == qs::StoreResult::absent);
    CHECK(store->get(store_key({std::nullopt, "alice"}), value) == qs::StoreResult::ok);
    CHECK_FALSE(fs::exists(old_leftover));
    CHECK(fs::exists(new_leftover));  // a writer may still be busy with it
}

TEST_CASE("a clock stepped back neither resets the count nor sticks a lockout")
{
    ScratchDir s;
    auto store = store_in(s);
    ThrottleConfig c;
    c.maxfail = 3;
    const long long then = 1000000, day = 86400;
    for (int i = 0; i < 2; ++i) CHECK(failed_login(*store, c, then + i, ip("192.0.2.1"), "alice") == Gate::open);
    // the clock goes back a day: the two failures still count
    CHECK(failed_login(*store, c, then - day, ip("192.0.2.1"), "alice") == Gate::open);
    CHECK(failed_login(*store, c, then - day + 1, ip("192.0.2.1"), "alice") == Gate::locked);
    // locked now: not for the day until the old clock's time, LOCKOUT from the step
    CHECK(failed_login(*store, c, then - day + 2, ip("192.0.2.1"), "alice") == Gate::locked);
    CHECK(failed_login(*store, c, then - day + 1 + 900, ip("192.0.2.1"), "alice") == Gate::open);

    // a lockout written before a step back ends LOCKOUT after the step
    for (int i = 0; i < 4; ++i) failed_login(*store, c, then + 10 * day + i, ip("192.0.2.2"), "bob");
    CHECK(failed_login(*store, c, then + 10 * day + 5, ip("192.0.2.2"), "bob") == Gate::locked);
    const long long back = then + 9 * day;
    CHECK(failed_login(*store, c, back, ip("192.0.2.2"), "bob") == Gate::locked);
    CHECK(failed_login(*store, c, back + 899, ip("192.0.2.2"), "bob") == Gate::locked);
    CHECK(failed_login(*store, c, back + 901, ip("192.0.2.2"), "bob") == Gate::open);

    Counter ahead{2, then + day, then + day, then + day};
    CHECK(follow_clock(ahead, c, then));
    CHECK(ahead.fails == 2);
    CHECK(ahead.first == then);
    CHECK(ahead.locked_until == then + 900);
    CHECK(ahead.last_ok == then);
    CHECK_FALSE(follow_clock(ahead, c, then));
    // pruning keeps a counter from ahead of the clock: its count still counts
    CHECK_FALSE(stale(Counter{1, then + day, 0, 0}, c, then + 901));
    CHECK(stale(Counter{1, 100 * day, 0, 0}, c, 100 * day + 901));
}

// The figures smtp-auth-checkpassword.8 quotes (FAILURE THROTTLE, the
// trade-off), at the defaults, with a fake clock: a guesser tries once a
// second for an hour; how many of its guesses get a password checked?
TEST_CASE("the trade-off at the defaults: guesses per hour that get through, and what the customer sees")
{
    const ThrottleConfig c;  // CHKPW_MAXFAIL=5, WINDOW=LOCKOUT=900, USER_BUDGET=50, USER_WINDOW=3600
    CHECK(c.user_limit() == 50);
    CHECK(c.user_interval() == 72);
    const long long start = 100000, hour = 3600;
    SUBCASE("one address against one user: 20 per hour")
    {
        ScratchDir s;
        auto store = store_in(s);
        int through = 0;
        for (long long t = start; t < start + hour; ++t)
            through += failed_login(*store, c, t, ip("203.0.113.1"), "alice") == Gate::open;
        CHECK(through == 20);
    }
    SUBCASE("one address against many users: 80 per hour")
    {
        ScratchDir s;
        auto store = store_in(s);
        int through = 0;
        for (long long t = start; t < start + hour; ++t)
            through += failed_login(*store, c, t, ip("203.0.113.1"), "user" + std::to_string(t)) == Gate::open;
        CHECK(through == 80);
    }
    SUBCASE("a distributed guesser, a new address each guess, against one user: 99 the first hour, 50 each hour after")
    {
        ScratchDir s;
        auto store = store_in(s);
        int first = 0, second = 0;
        for (long long t = start; t < start + 2 * hour; ++t) {
            std::string a = "10." + std::to_string((t >> 16) & 255) + '.' + std::to_string((t >> 8) & 255) + '.' +
                            std::to_string(t & 255);
            bool open = failed_login(*store, c, t, ip(a), "alice") == Gate::open;
            (t < start + hour ? first : second) += open;
        }
        CHECK(first == 99);
        CHECK(second == 50);
        // the customer from a known-good address gets in during the attack
        ScratchDir s2;
        auto store2 = store_in(s2);
        CHECK(good_login(*store2, c, start - 86400, ip("192.0.2.50"), "alice") == Gate::open);
        const long long end = start + hour;  // the attack is still on
        for (long long t = start; t <= end; ++t)
            (void)failed_login(*store2, c, t, ip("10.9." + std::to_string((t >> 8) & 255) + '.' + std::to_string(t & 255)),
                               "alice");
        CHECK(failed_login(*store2, c, end, ip("198.51.100.7"), "alice") == Gate::locked);
        CHECK(good_login(*store2, c, end, ip("192.0.2.50"), "alice") == Gate::open);
        // a traveller at a new address, trying every second once the
        // attack stops, gets in within 72 seconds (one refill)
        long long waited = -1;
        for (long long t = end + 1; t <= end + hour; t += 1)
            if (good_login(*store2, c, t, ip("198.51.100.7"), "alice") == Gate::open) {
                waited = t - end;
                break;
            }
        CHECK(waited >= 0);
        CHECK(waited <= 72);
    }
}
