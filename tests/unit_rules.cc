#include "relaylock/lock_records.h"
#include "relaylock/rules_compile.h"
#include "relaylock/rules_text.h"

#include <doctest/doctest.h>
#include <filesystem>

using qs::relaylock::RuleRecord;
using qs::relaylock::RulesError;

namespace {

std::vector<RuleRecord> parse_ok(std::string_view text)
{
    std::vector<RuleRecord> out;
    RulesError err;
    bool ok = qs::relaylock::parse_rules(text, out, err);
    INFO("line " << err.line << ": " << err.text);
    CHECK(ok);
    return out;
}

RulesError parse_bad(std::string_view text)
{
    std::vector<RuleRecord> out;
    RulesError err;
    CHECK_FALSE(qs::relaylock::parse_rules(text, out, err));
    return err;
}

RuleRecord rec(std::string_view key, std::string_view data) { return RuleRecord{std::string(key), std::string(data)}; }

qs::relaylock::Lock lock_of(std::string_view key, std::string_view user = "joe")
{
    auto block = qs::parse_prefix(key);
    REQUIRE(block);
    return qs::relaylock::Lock{std::string(key), *block, 1000, std::string(user)};
}

using namespace std::string_view_literals;
constexpr auto relay_vars = "+RELAYCLIENT=\0+RBLSMTPD=\0+RELAYLOCK_USER=joe\0"sv;

} // namespace

TEST_CASE("rules: allow, deny and variables with any quote")
{
    auto r = parse_ok("1.2.3.4:allow\n5.6.7.:deny\n:allow,RELAYCLIENT=\"\",X=|a\"b|,Y=''\n");
    REQUIRE(r.size() == 3);
    CHECK(r[0] == rec("1.2.3.4", ""));
    CHECK(r[1] == rec("5.6.7.", "D\0"sv));
    CHECK(r[2] == rec("", "+RELAYCLIENT=\0+X=a\"b\0+Y=\0"sv));
    CHECK(parse_ok("a:deny,X=\"1\"\n")[0] == rec("a", "D\0+X=1\0"sv));
    CHECK(parse_ok("a:allow,=\"v\"")[0] == rec("a", "+=v\0"sv));  // no final newline
}

TEST_CASE("rules: comments, blanks, colonless lines and trailing blanks")
{
    auto r = parse_ok("# comment: allow\n\n   \nno colon here\n1.2.3.4:deny \t \n\t# x\n");
    REQUIRE(r.size() == 1);
    CHECK(r[0] == rec("1.2.3.4", "D\0"sv));
    CHECK(parse_ok(" 1.2.3.4:allow\n")[0].key == " 1.2.3.4");  // leading blanks belong to the key
    CHECK(parse_ok("").empty());
}

TEST_CASE("rules: ranges expand as tcprules expands them")
{
    auto r = parse_ok("1.2.3.40-42:allow\n");
    REQUIRE(r.size() == 3);
    CHECK(r[0].key == "1.2.3.40");
    CHECK(r[2].key == "1.2.3.42");
    r = parse_ok("10.250-300.:deny\n");  // top capped at 255, the rest of the key kept
    REQUIRE(r.size() == 6);
    CHECK(r[0] == rec("10.250.", "D\0"sv));
    CHECK(r[5].key == "10.255.");
    CHECK(parse_ok("1.2.3.5-3:allow\n").empty());
    CHECK(parse_ok("1.2.3.-1:allow\n").size() == 2);  // an empty bound is 0
    CHECK(parse_ok("1.2.3.18446744073709551617-2:allow\n").size() == 2);  // wraps like scan_ulong
    CHECK(parse_ok("=dial-up.example:deny\n")[0].key == "=dial-up.example");
    CHECK(parse_ok("joe@1.2.3.4-5:allow\n")[0].key == "joe@1.2.3.4-5");
    CHECK(parse_bad("\n1.2.3.+1-3:allow\n").line == 2);
}

TEST_CASE("rules: host names, info@, IPv6 and duplicates")
{
    auto r = parse_ok("=mail.example:allow\n=.example:deny\n=:allow\nfred@1.2.3.4:allow\n"
                      "2001:db8::1:allow,X=\"1\"\n2001:db8::1:deny\n::ffff:1.2.3.:deny\n");
    REQUIRE(r.size() == 7);
    CHECK(r[1] == rec("=.example", "D\0"sv));
    CHECK(r[2].key == "=");
    CHECK(r[3].key == "fred@1.2.3.4");
    CHECK(r[4] == rec("2001:db8::1", "+X=1\0"sv));
    CHECK(r[5] == rec("2001:db8::1", "D\0"sv));  // duplicates kept, in order
    CHECK(r[6].key == "::ffff:1.2.3.");
    CHECK(parse_ok("1.2.3.4:deny,X=\"a:allow\"\n")[0] == rec("1.2.3.4", "D\0+X=a:allow\0"sv));
}

TEST_CASE("rules: syntax errors name their line and never hang")
{
    auto err = parse_bad("1.2.3.4:allow\n# c\nabc:\n");
    CHECK(err.line == 3);
    CHECK(err.text == "abc:");
    CHECK(parse_bad("1.2.3.4:foo\n").line == 1);
    CHECK(parse_bad("1.2.3.4:allowx\n").line == 1);
    CHECK(parse_bad("1.2.3.4:allow ,X=\"a\"\n").line == 1);
    CHECK(parse_bad("a:allow,X\n").line == 1);
    CHECK(parse_bad("a:allow,X=\n").line == 1);
    CHECK(parse_bad("a:allow,X=\"open\n").line == 1);
    CHECK(parse_bad("a:allow,X=\"a\"junk\n").line == 1);
    CHECK(parse_bad("1.2.3.4:allow\r\n").line == 1);
    err = parse_bad("x\n\n1.2.3.4:deny:allow  \n");
    CHECK(err.line == 3);
    CHECK(err.text == "1.2.3.4:deny:allow");
}

TEST_CASE("locks: relay variables added to the matching static rule")
{
    qs::relaylock::Config config;
    std::vector<std::string> warnings;
    auto statics = parse_ok("192.0.2.:allow,GREETING=\"dyn\"\n:allow,X=\"default\"\n");
    auto out = qs::relaylock::lock_records(statics, {lock_of("192.0.2.7"), lock_of("198.51.100.1", "ann")}, config,
                                           warnings);
    REQUIRE(out.size() == 4);
    CHECK(out[0] == rec("192.0.2.7", std::string("+GREETING=dyn\0"sv) + std::string(relay_vars)));
    CHECK(out[1] == rec("::ffff:192.0.2.7", std::string("+X=default\0"sv) + std::string(relay_vars)));
    CHECK(out[2] == rec("198.51.100.1", "+X=default\0+RELAYCLIENT=\0+RBLSMTPD=\0+RELAYLOCK_USER=ann\0"sv));
    CHECK(out[3].key == "::ffff:198.51.100.1");
    CHECK(warnings.empty());

    config.relayclient = "@relay";
    out = qs::relaylock::lock_records({}, {lock_of("192.0.2.7")}, config, warnings);
    REQUIRE(out.size() == 2);
    CHECK(out[0] == rec("192.0.2.7", "+RELAYCLIENT=@relay\0+RBLSMTPD=\0+RELAYLOCK_USER=joe\0"sv));
}

TEST_CASE("locks: the static rule's own RELAYCLIENT and RBLSMTPD are kept")
{
    qs::relaylock::Config config;
    config.relayclient = "x";
    std::vector<std::string> warnings;
    auto statics = parse_ok("192.0.2.7:allow,RELAYCLIENT=\"@static\",RBLSMTPD=\"-no\"\n");
    auto out = qs::relaylock::lock_records(statics, {lock_of("192.0.2.7")}, config, warnings);
    REQUIRE(out.size() == 2);
    CHECK(out[0] == rec("192.0.2.7", "+RELAYCLIENT=@static\0+RBLSMTPD=-no\0+RELAYLOCK_USER=joe\0"sv));
    CHECK(out[1] == rec("::ffff:192.0.2.7", "+RELAYCLIENT=x\0+RBLSMTPD=\0+RELAYLOCK_USER=joe\0"sv));
}

TEST_CASE("locks: a static address deny stays denied; prefixes as tcpserver tries them")
{
    qs::relaylock::Config config;
    std::vector<std::string> warnings;
    auto statics = parse_ok("10.1.:deny\n10.1.2.3:allow,A=\"exact\"\n::ffff:10.2.:deny\n:allow\n");
    auto out = qs::relaylock::lock_records(statics, {lock_of("10.1.9.9"), lock_of("10.1.2.3"), lock_of("10.2.0.1")},
                                           config, warnings);
    // 10.1.9.9: denied as 10.1.; 10.2.0.1: denied as ::ffff:10.2., and the
    // dotted spelling is the same client, so it stays denied too.
    REQUIRE(out.size() == 2);
    CHECK(out[0] == rec("10.1.2.3", std::string("+A=exact\0"sv) + std::string(relay_vars)));
    CHECK(out[1] == rec("::ffff:10.1.2.3", relay_vars));
    // The first record of a key is the one tcpserver uses: denied, both spellings.
    statics = parse_ok("10.1.2.3:deny\n10.1.2.3:allow\n");
    CHECK(qs::relaylock::lock_records(statics, {lock_of("10.1.2.3")}, config, warnings).empty());
}

TEST_CASE("locks: never an empty key; IPv6 only as exact /128")
{
    qs::relaylock::Config config;
    std::vector<std::string> warnings;
    auto statics = parse_ok(":allow\n2001:db8::/64:deny\n");
    auto out = qs::relaylock::lock_records(statics, {lock_of("2001:db8:1:2::/64"), lock_of("2001:db8::5")}, config,
                                           warnings);
    REQUIRE(out.size() == 1);
    CHECK(out[0] == rec("2001:db8::5", relay_vars));
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].find("relaylock-check") != std::string::npos);
    for (const auto& r : out) CHECK_FALSE(r.key.empty());

    // Exact, then text prefixes ending in ':' or '.' (fefe's rules.c), then the default.
    for (auto rules : {"2001:db8::5:deny\n", "2001:db8:::deny\n", "2001:db8::deny\n", "2001::deny\n"})
        CHECK(qs::relaylock::lock_records(parse_ok(rules), {lock_of("2001:db8::5")}, config, warnings).empty());
    CHECK(qs::relaylock::lock_records(parse_ok("2001:db8::6:deny\n:deny\n2001:db8::5:allow\n"),
                                      {lock_of("2001:db8::5")}, config, warnings)
              .size() == 1);
}

TEST_CASE("locks: a host-name deny is warned about once; never-locked addresses left out")
{
    qs::relaylock::Config config;
    config.never = *qs::parse_prefix_list("127.0.0.0/8", nullptr);
    std::vector<std::string> warnings;
    auto statics = parse_ok("=.dialup.example:deny\n=bad.example:deny\n=good.example:allow\n");
    auto out = qs::relaylock::lock_records(statics, {lock_of("127.0.0.5"), lock_of("192.0.2.1")}, config, warnings);
    REQUIRE(out.size() == 2);
    CHECK(out[0].key == "192.0.2.1");
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].find("=.dialup.example") != std::string::npos);
}

TEST_CASE("compile_rules: syntax error keeps the old cdb; locks come first")
{
    namespace fs = std::filesystem;
    char tmpl[] = "/tmp/qsend-unit.XXXXXX";
    fs::path dir = ::mkdtemp(tmpl);
    std::string cdb = dir / "rules.cdb", tmp = dir / "rules.tmp";
    qs::relaylock::Config config;
    CHECK(qs::relaylock::compile_rules("1.2.3.4:allow\n", {}, config, cdb, tmp) == 0);
    auto size = fs::file_size(cdb);
    CHECK(qs::relaylock::compile_rules("1.2.3.5:allow\n1.2.3.4:nope\n", {}, config, cdb, tmp) == 100);
    CHECK(fs::file_size(cdb) == size);
    CHECK_FALSE(fs::exists(tmp));
    CHECK(qs::relaylock::compile_rules("1.2.3.4:allow\nbad:\n", {lock_of("192.0.2.1")}, config, cdb, tmp) == 100);
    CHECK(fs::file_size(cdb) == size);
    CHECK_FALSE(fs::exists(tmp));
    CHECK(qs::relaylock::compile_rules("1.2.3.4:allow\n", {lock_of("192.0.2.1")}, config, cdb, tmp) == 0);
    CHECK(fs::file_size(cdb) > size);
    CHECK(qs::relaylock::compile_rules("x:allow\n", {}, config, (dir / "no/such/dir.cdb").string(),
                                       (dir / "no/such/dir.tmp").string()) == 111);
    fs::remove_all(dir);
}
