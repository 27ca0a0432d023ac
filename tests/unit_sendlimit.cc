#include "sendlimit/sendlimit.h"
#include "tests/scratch.h"

#include <doctest/doctest.h>
#include <atomic>
#include <thread>

using namespace qs::sendlimit;

TEST_CASE("sendlimit: rates parse strictly")
{
    auto r = parse_rates("msg:150/1h, rcpt:400/1h rcpt:20/90", nullptr);
    REQUIRE(r);
    REQUIRE(r->size() == 3);
    CHECK((*r)[0] == Rate{Rate::messages, 150, 3600});
    CHECK((*r)[1] == Rate{Rate::recipients, 400, 3600});
    CHECK((*r)[2] == Rate{Rate::recipients, 20, 90});
    CHECK(format_rates(*r) == "msg:150/1h,rcpt:400/1h,rcpt:20/90s");
    std::string bad;
    for (const char* junk : {"", " ", "msg:1", "msg:/1h", "msg:1/0", "msg:1/31d", "mail:1/1h", "msg:1/1w",
                             "msg:-1/1h", "msg:1/1h rcpt:x/1h", "msg:1/1h1"})
        CHECK_FALSE(parse_rates(junk, &bad));
    CHECK_FALSE(parse_rates("msg:1/1h rcpt:x/1h", &bad));
    CHECK(bad == "rcpt:x/1h");
    CHECK_FALSE(parse_rates("msg:1/1s msg:1/2s msg:1/3s msg:1/4s msg:1/5s msg:1/6s msg:1/7s msg:1/8s msg:1/9s", &bad));
}

TEST_CASE("sendlimit: the default rates never allow more than 2,000 recipients an hour")
{
    auto r = parse_rates(default_rates, nullptr);
    REQUIRE(r);
    bool hourly = false;
    for (const auto& rate : *r)
        if (rate.kind == Rate::recipients && rate.seconds <= 3600) {
            // a shorter window repeated over an hour bounds the hour too
            CHECK(rate.limit * (3600 / rate.seconds) <= 2000);
            hourly = true;
        }
    CHECK(hourly);
}

TEST_CASE("sendlimit: envelopes in qmail-queue's format")
{
    using namespace std::string_literals;
    auto e = parse_envelope("Fa@b\0Tc@d\0Te@f\0\0"s);
    REQUIRE(e);
    CHECK(e->sender == "a@b");
    CHECK(e->recipients == std::vector<std::string>{"c@d", "e@f"});
    CHECK(format_envelope("a@b", e->recipients) == "Fa@b\0Tc@d\0Te@f\0\0"s);
    auto bounce = parse_envelope("F\0Tx@y\0\0"s);
    REQUIRE(bounce);
    CHECK(bounce->sender.empty());
    CHECK(parse_envelope("F\0\0"s));  // no recipient: qmail-queue's business
    for (std::string junk : {""s, "F"s, "Fa\0"s, "Fa\0Tb\0"s, "Fa\0Xb\0\0"s, "Fa\0Tb\0\0x"s, "Ta\0\0"s})
        CHECK_FALSE(parse_envelope(junk));
}

TEST_CASE("sendlimit: who sends")
{
    Session s;
    s.remoteip = "192.0.2.77";
    CHECK_FALSE(identify(s).counted);  // inbound
    s.remoteinfo = "mallory";          // ident or MAIL FROM AUTH=: not a login
    CHECK_FALSE(identify(s).counted);
    s.relayclient = true;
    CHECK(identify(s).account == "mallory");
    CHECK(identify(s).source == "remoteinfo");
    s.relaylock_user = "alice";
    CHECK(identify(s).account == "alice");
    s.auth_marker = "bob@example.com";
    s.relayclient = false;  // s/qmail exports no RELAYCLIENT
    CHECK(identify(s).counted);
    CHECK(identify(s).account == "bob@example.com");
    CHECK(identify(s).network == "192.0.2.0/24");
    Session lan;
    lan.relayclient = true;
    lan.remoteip = "2001:db8:1:2:3:4:5:6";
    CHECK(identify(lan).account == "[2001:db8:1:2::/64]");
    CHECK(identify(lan).network == "2001:db8:1::/48");
    lan.remoteip = "::ffff:198.51.100.9";
    CHECK(identify(lan).account == "[198.51.100.9]");
    lan.auth_marker = std::string(300, 'x');
    CHECK(identify(lan).account.size() == max_account);
}

TEST_CASE("sendlimit: a window admits exactly its limit and slides")
{
    Record r;
    const std::vector<Rate> rates{{Rate::messages, 3, 600}, {Rate::recipients, 10, 3600}};
    const Signals none{0, 10, 0};
    std::int64_t t = 1'000'000'000;
    for (int i = 0; i < 3; ++i) CHECK(admit(r, t + i, 1, "", rates, none).kind == Verdict::pass);
    auto v = admit(r, t + 3, 1, "", rates, none);
    CHECK(v.kind == Verdict::over);
    CHECK(v.detail == "msg:3/10m");
    // still full just before the oldest bucket leaves (at most 1/20 late)
    CHECK(admit(r, t + 599, 1, "", rates, none).kind == Verdict::over);
    CHECK(admit(r, t + 600 + 30, 1, "", rates, none).kind == Verdict::pass);
    // the hour counts recipients: 4 so far, 7 more do not fit
    CHECK(admit(r, t + 700, 7, "", rates, none).kind == Verdict::over);
    CHECK(admit(r, t + 700, 6, "", rates, none).kind == Verdict::pass);
    auto [m, n] = count(r.windows[0], t + 700);
    CHECK(n + m > 0);
    // the record survives its encoding
    auto again = decode_record(encode_record(r));
    REQUIRE(again);
    CHECK(encode_record(*again) == encode_record(r));
    CHECK_FALSE(decode_record("junk"));
    CHECK_FALSE(decode_record("sendlimit-record 1\nwindow x\n"));
}

TEST_CASE("sendlimit: signals suspend, and a suspension holds")
{
    const std::vector<Rate> rates{{Rate::recipients, 50, 3600}};
    std::int64_t t = 2'000'000'000;
    Record r;
    Signals surge{100, 10, 0};
    int refused = 0;
    Verdict v;
    for (int i = 0; i < 20 && v.kind != Verdict::suspend_now; ++i) {
        v = admit(r, t, 10, "", rates, surge);
        refused += v.kind == Verdict::over;
    }
    CHECK(v.kind == Verdict::suspend_now);
    CHECK(refused == 5);   // 50 passed, tries went on to 110
    CHECK(r.reason == "surge");
    CHECK(admit(r, t + 86400 * 3, 1, "", rates, surge).kind == Verdict::suspended);

    Record busy;  // a customer whose own history is busier raises the bar
    busy.peaks = {{t / 86400 - 1, 90}};
    for (int i = 0; i < 20; ++i) CHECK(admit(busy, t, 10, "", {{Rate::recipients, 1000, 3600}}, surge).kind == Verdict::pass);

    Record roaming;
    Signals nets{0, 10, 3};
    CHECK(admit(roaming, t, 1, "192.0.2.0/24", rates, nets).kind == Verdict::pass);
    CHECK(admit(roaming, t + 1, 1, "198.51.100.0/24", rates, nets).kind == Verdict::pass);
    CHECK(admit(roaming, t + 2, 1, "192.0.2.0/24", rates, nets).kind == Verdict::pass);
    CHECK(admit(roaming, t + 3, 1, "203.0.113.0/24", rates, nets).kind == Verdict::pass);
    CHECK(admit(roaming, t + 4000, 1, "2001:db8::/48", rates, nets).kind == Verdict::pass);  // an hour later
    CHECK(admit(roaming, t + 4001, 1, "2001:db8:1::/48", rates, nets).kind == Verdict::pass);
    CHECK(admit(roaming, t + 4002, 1, "2001:db8:2::/48", rates, nets).kind == Verdict::pass);
    CHECK(admit(roaming, t + 4003, 1, "2001:db8:3::/48", rates, nets).kind == Verdict::suspend_now);
    CHECK(roaming.reason == "networks");
}

TEST_CASE("sendlimit: counting through the directory store is atomic")
{
    ScratchDir dir;
    Config c;
    c.store_spec = "dir:" + dir.path.string();
    auto store = open_account_store(c);
    REQUIRE(store);
    for (const char* unusable : {"/x", "dir:relative", "redis://", "redis://host:99999"}) {
        c.store_spec = unusable;
        CHECK_FALSE(open_account_store(c));
    }
    const std::vector<Rate> rates{{Rate::messages, 25, 3600}};
    std::atomic<int> passed{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i)
        threads.emplace_back([&] {
            auto s = qs::open_store("dir:" + dir.path.string(), "SENDLIMIT_STORE");
            for (int j = 0; j < 5; ++j)
                (*s)->update("alice", [&](const std::string* current) {
                    Record r = current ? *decode_record(*current) : Record{};
                    if (admit(r, 1'500'000'000, 1, "", rates, Signals{0, 10, 0}).kind == Verdict::pass) ++passed;
                    return qs::StoreChange{qs::StoreChange::replace, encode_record(r)};
                });
        });
    for (auto& t : threads) t.join();
    CHECK(passed == 25);
}

TEST_CASE("sendlimit: the notice")
{
    std::string n = suspension_notice("mail.example.com", "alice@example.com", "alice@example.com",
                                      "evidence\nInjected: header", 827034880);
    CHECK(n.starts_with("Date: 17 Mar 1996 03:54:40 -0000\nFrom: MAILER-DAEMON@mail.example.com\n"
                        "To: alice@example.com\nSubject: sending suspended for alice@example.com\n\n"
                        "Hi. This is the sendlimit program at mail.example.com.\n"));
    CHECK(n.find("\nInjected:") == std::string::npos);
    CHECK(n.find("sendlimit-release alice@example.com\n") != std::string::npos);
    CHECK(suspension_notice("h", "x", "a\nb", "e", 0).find("a\\x0ab") != std::string::npos);
}

TEST_CASE("sendlimit: senders of an account")
{
    using S = Config::Senders;
    Sender lee{true, "Lee@Example.com", "auth", ""};
    CHECK(sender_allowed(S::any, lee, "anyone@bank.example"));
    CHECK(sender_allowed(S::exact, lee, "lee@example.COM"));
    CHECK_FALSE(sender_allowed(S::exact, lee, "sales@example.com"));
    CHECK(sender_allowed(S::exact, lee, ""));  // a bounce
    CHECK(sender_allowed(S::domain, lee, "sales@example.com"));
    CHECK_FALSE(sender_allowed(S::domain, lee, "sales@example.com.evil"));
    CHECK_FALSE(sender_allowed(S::domain, lee, "example.com"));
    const char* file = "# who may send as whom\n\nother@example.com @bank.example\n"
                       "lee@example.com  boss@partner.example\t@shop.example\r\n";
    CHECK(sender_allowed(S::file, lee, "sales@example.com", file));
    CHECK(sender_allowed(S::file, lee, "Boss@Partner.example", file));
    CHECK(sender_allowed(S::file, lee, "orders@shop.example", file));
    CHECK_FALSE(sender_allowed(S::file, lee, "x@partner.example", file));
    CHECK_FALSE(sender_allowed(S::file, lee, "x@bank.example", file));  // another account's line
    Sender bare{true, "lee", "relaylock", ""}, ip{true, "[192.0.2.7]", "address", ""};
    CHECK(sender_allowed(S::exact, bare, "whoever@example.org"));
    CHECK(sender_allowed(S::exact, ip, "whoever@example.org"));
}

namespace {
// A store whose update runs its function twice, as a backend that retries
// may: first on `first`, then on what the store really holds.
struct RetryingStore : qs::Store {
    std::optional<std::string> value, first;
    qs::StoreResult get(std::string_view, std::string& v) override
    {
        if (!value) return qs::StoreResult::absent;
        v = *value;
        return qs::StoreResult::ok;
    }
    qs::StoreResult put(std::string_view, std::string_view v, long) override
    {
        value = std::string(v);
        return qs::StoreResult::ok;
    }
    qs::StoreResult remove(std::string_view) override
    {
        value.reset();
        return qs::StoreResult::ok;
    }
    qs::StoreResult update(std::string_view,
                           const std::function<qs::StoreChange(const std::string*)>& fn) override
    {
        fn(first ? &*first : nullptr);
        qs::StoreChange change = fn(value ? &*value : nullptr);
        if (change.action == qs::StoreChange::replace) value = change.value;
        if (change.action == qs::StoreChange::erase) value.reset();
        return qs::StoreResult::ok;
    }
    qs::StoreResult scan(const std::function<void(std::string_view, std::string_view)>&) override
    {
        return qs::StoreResult::ok;
    }
    qs::StoreResult sweep_leftovers(long) override { return qs::StoreResult::ok; }
};
} // namespace

TEST_CASE("sendlimit: what an update reports is what its last run saw")
{
    Record suspended;
    suspended.suspended = 1'500'000'000;
    suspended.reason = "surge";
    RetryingStore store;
    store.first = encode_record(suspended);  // released by someone else before the retry
    store.value = encode_record(Record{});
    auto released = release_account(store, "alice");
    REQUIRE(released);
    CHECK_FALSE(*released);

    store.first = "junk";  // replaced by a good record before the retry
    Config c;
    c.rates = {{Rate::messages, 10, 3600}};
    Counted counted = count_message(store, "alice", c, 1, "", 1'500'000'000);
    CHECK_FALSE(counted.junk);
    REQUIRE(counted.verdict);
    CHECK(counted.verdict->kind == Verdict::pass);
}

TEST_CASE("sendlimit: release and override through the store")
{
    RetryingStore store;
    Record suspended;
    suspended.suspended = 1'500'000'000;
    suspended.reason = "networks";
    store.value = encode_record(suspended);
    auto released = release_account(store, "bob");
    REQUIRE(released);
    CHECK(*released);
    CHECK(decode_record(*store.value)->suspended == 0);
    CHECK(set_override(store, "bob", false, "msg:5/1h"));
    CHECK(decode_record(*store.value)->override_rates == "msg:5/1h");
    CHECK(set_override(store, "bob", true, ""));
    CHECK(decode_record(*store.value)->override_rates.empty());
}
