// The failure throttle over the directory store.
#include "smtp-auth-checkpassword/throttle.h"

#include "tests/scratch.h"

#include <doctest/doctest.h>
#include <filesystem>

using namespace qs::auth;
namespace fs = std::filesystem;

namespace {
std::optional<qs::Address> ip(const char* text) { return qs::parse_address(text); }
} // namespace

TEST_CASE("a pair is locked after MAXFAIL failures, until the lockout ends")
{
    ScratchDir s;
    auto store = qs::open_directory_store(s.path.string());
    ThrottleConfig c;
    c.maxfail = 3;
    long long now = 1000000;
    for (int i = 0; i < 3; ++i) {
        Throttle t(*store, c, now + i);
        CHECK(t.check(ip("192.0.2.1"), "alice") == Gate::open);
        CHECK(t.record_failure(ip("192.0.2.1"), "alice"));
    }
    CHECK(Throttle(*store, c, now + 3).check(ip("192.0.2.1"), "alice") == Gate::locked);
    // other users from that address, and alice from elsewhere, are not locked
    CHECK(Throttle(*store, c, now + 3).check(ip("192.0.2.1"), "bob") == Gate::open);
    CHECK(Throttle(*store, c, now + 3).check(ip("198.51.100.7"), "alice") == Gate::open);
    CHECK(Throttle(*store, c, now + 2 + 900).check(ip("192.0.2.1"), "alice") == Gate::open);
}

TEST_CASE("failures outside the window do not add up")
{
    ScratchDir s;
    auto store = qs::open_directory_store(s.path.string());
    ThrottleConfig c;
    c.maxfail = 2;
    c.window = 60;
    Throttle(*store, c, 1000).record_failure(ip("192.0.2.1"), "alice");
    Throttle(*store, c, 1061).record_failure(ip("192.0.2.1"), "alice");
    CHECK(Throttle(*store, c, 1062).check(ip("192.0.2.1"), "alice") == Gate::open);
    Throttle(*store, c, 1062).record_failure(ip("192.0.2.1"), "alice");
    CHECK(Throttle(*store, c, 1063).check(ip("192.0.2.1"), "alice") == Gate::locked);
}

TEST_CASE("an address guessing many users is locked at 4 x MAXFAIL")
{
    ScratchDir s;
    auto store = qs::open_directory_store(s.path.string());
    ThrottleConfig c;
    c.maxfail = 2;
    for (int i = 0; i < 8; ++i) {
        Throttle t(*store, c, 5000);
        CHECK(t.check(ip("2001:db8::1"), "user" + std::to_string(i)) == Gate::open);
        const std::string rotating = "2001:db8::" + std::to_string(i + 1);
        t.record_failure(ip(rotating.c_str()), "user" + std::to_string(i));
    }
    // IPv6 counts by /64: the rotating privacy address is the same client
    CHECK(Throttle(*store, c, 5001).check(ip("2001:db8::ffff"), "newuser") == Gate::locked);
    CHECK(Throttle(*store, c, 5001).check(ip("2001:db8:0:1::1"), "newuser") == Gate::open);
}

TEST_CASE("a distributed guesser locks the user, but not from the customer's own address")
{
    ScratchDir s;
    auto store = qs::open_directory_store(s.path.string());
    ThrottleConfig c;
    c.maxfail = 1;
    long long now = 10000;
    {
        Throttle t(*store, c, now);
        CHECK(t.record_success(ip("192.0.2.50"), "alice"));
    }
    for (int i = 1; i <= 10; ++i) {
        Throttle t(*store, c, now);
        std::string a = "203.0.113." + std::to_string(i);
        CHECK(t.check(ip(a.c_str()), "alice") == Gate::open);
        t.record_failure(ip(a.c_str()), "alice");
    }
    Throttle t(*store, c, now + 1);
    CHECK(t.check(ip("203.0.113.99"), "alice") == Gate::locked);
    CHECK(t.check(ip("192.0.2.50"), "alice") == Gate::open);
}

TEST_CASE("a success clears its own pair's count; trusted addresses are never throttled")
{
    ScratchDir s;
    auto store = qs::open_directory_store(s.path.string());
    ThrottleConfig c;
    c.maxfail = 3;
    std::string bad;
    c.trusted = *qs::parse_prefix_list("10.0.0.0/8", &bad);
    for (int i = 0; i < 2; ++i) Throttle(*store, c, 100).record_failure(ip("192.0.2.1"), "alice");
    Throttle(*store, c, 100).record_success(ip("192.0.2.1"), "alice");
    for (int i = 0; i < 2; ++i) Throttle(*store, c, 100).record_failure(ip("192.0.2.1"), "alice");
    CHECK(Throttle(*store, c, 101).check(ip("192.0.2.1"), "alice") == Gate::open);
    for (int i = 0; i < 20; ++i) Throttle(*store, c, 100).record_failure(ip("10.1.2.3"), "alice");
    CHECK(Throttle(*store, c, 101).check(ip("10.1.2.3"), "alice") == Gate::open);
    std::string value;
    CHECK(store->get(store_key({qs::parse_prefix("10.1.2.3"), {}}), value) == qs::StoreResult::absent);
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
    CHECK(store_key({std::nullopt, std::string(300, 'a')}).size() < 200);
    // bytes the store escapes: the file name must stay short, under IPv6 too
    for (size_t n : {65UL, 90UL, 200UL}) {
        ThrottleKey k{qs::parse_prefix("2001:db8:1234:5678::/64"), std::string(n, '!')};
        CHECK(store_key(k).find("#md5:") != std::string::npos);
        CHECK(qs::store_file_name(store_key(k)).size() <= 255);
        CHECK(store_key(parse_admin_key("2001:db8:1234:5678::1/" + std::string(n, '!'))) == store_key(k));
    }
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
    auto store = qs::open_directory_store(s.path.string());
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
        CHECK(a.admit(ip("192.0.2.1"), "alice") == Gate::open);
        CHECK(b.admit(ip("192.0.2.1"), "alice") == Gate::open);
        CHECK(fails(pair) == 2);
        // the third, in parallel, is locked out without being verified
        CHECK(Throttle(*store, c, 100).admit(ip("192.0.2.1"), "alice") == Gate::locked);
        CHECK(fails(addr) == 2);  // the locked attempt's address count was taken back
        CHECK(fails(user) == 2);
    }
    ScratchDir s2;
    store = qs::open_directory_store(s2.path.string());
    Throttle t(*store, c, 100);
    CHECK(t.admit(ip("192.0.2.1"), "alice") == Gate::open);
    CHECK(t.release());
    CHECK(fails(addr) == 0);
    CHECK(fails(pair) == 0);
    CHECK(fails(user) == 0);
    CHECK(t.admit(ip("192.0.2.1"), "alice") == Gate::open);  // a failure: stays counted
    Throttle ok(*store, c, 101);
    CHECK(ok.admit(ip("192.0.2.1"), "alice") == Gate::open);
    CHECK(ok.settle_success(ip("192.0.2.1"), "alice"));
    CHECK(fails(addr) == 1);  // the earlier failure only
    CHECK(fails(user) == 1);
    CHECK(fails(pair) == 0);  // a success resets its pair
}
