// Descriptor-3 layouts of every caller, with the real captured bytes.
#include "smtp-auth-checkpassword/request.h"

#include <doctest/doctest.h>
#include <string>

using namespace qs::auth;
using namespace std::string_literals;

namespace {
// tests/reference/captures/*/fd3.bin, byte for byte
const std::string login_cram_offered = "alice\0secret\0\0"s;       // also PLAIN, PLAIN+authzid, initial response
const std::string login_cram_not_offered = "alice\0secret\0"s;     // also PLAIN
const std::string cram_md5 = "alice\0b79b273149c0d57d89a03e76f7dabffa\0<15429.1795829999@realqmail.test>\0"s;
const std::string pop_userpass = "alice\0secret\0<15506.1795830016@realqmail.test>\0"s;
const std::string pop_apop = "alice\0006f0f944a0e683bd4ad08da85121fe4ce\0<15523.1795830017@realqmail.test>\0"s;

Parse parse(const std::string& bytes, const CallerEnv& env, Request& r)
{
    std::string reason;
    return parse_request(bytes, env, r, reason);
}
CallerEnv sqmail(std::string_view smtpauth) { return CallerEnv{std::nullopt, smtpauth, std::nullopt, std::nullopt}; }
} // namespace

TEST_CASE("s/qmail and sagredo qmail-smtpd: the captures, by SMTPAUTH")
{
    Request r;
    REQUIRE(parse(login_cram_offered, sqmail("+cram"), r) == Parse::ok);
    CHECK(r.kind == Kind::password);
    CHECK(r.user == "alice");
    CHECK(r.password == "secret");
    REQUIRE(parse(login_cram_not_offered, sqmail(""), r) == Parse::ok);
    CHECK(r.kind == Kind::password);
    CHECK(r.password == "secret");
    REQUIRE(parse(cram_md5, sqmail("+cram"), r) == Parse::ok);
    CHECK(r.kind == Kind::cram);
    CHECK(r.digest == "b79b273149c0d57d89a03e76f7dabffa");
    CHECK(r.challenge == "<15429.1795829999@realqmail.test>");
    // without CRAM offered a three-field record is never a challenge-response
    CHECK(parse(cram_md5, sqmail(""), r) == Parse::misuse);
    // ... not even with CHKPW_CRAM in a shared envdir: the caller said LOGIN only
    CallerEnv configured = sqmail("");
    configured.cram_order = "digest-challenge";
    CHECK(parse(cram_md5, configured, r) == Parse::misuse);
    REQUIRE(parse(login_cram_not_offered, configured, r) == Parse::ok);
    CHECK(r.kind == Kind::password);
    // where the caller offers CRAM-MD5, CHKPW_CRAM orders its fields
    CallerEnv ordered = sqmail("+cram");
    ordered.cram_order = "challenge-digest";
    const std::string swapped = "alice\0<15429.1795829999@realqmail.test>\0b79b273149c0d57d89a03e76f7dabffa\0"s;
    REQUIRE(parse(swapped, ordered, r) == Parse::ok);
    CHECK(r.kind == Kind::cram);
    CHECK(r.digest == "b79b273149c0d57d89a03e76f7dabffa");
}

TEST_CASE("SMTPAUTHMETHOD wins over CHKPW_CRAM")
{
    Request r;
    CallerEnv login{"login", std::nullopt, "digest-challenge", std::nullopt};
    CHECK(parse(cram_md5, login, r) == Parse::misuse);
    REQUIRE(parse(login_cram_not_offered, login, r) == Parse::ok);
    CHECK(r.kind == Kind::password);
}

TEST_CASE("a LOGIN user name with embedded NULs cannot smuggle a CRAM-MD5 exchange")
{
    Request r;
    // user "alice\0digest\0challenge", password "x"
    std::string with_cram = "alice\0b79b273149c0d57d89a03e76f7dabffa\0<15429.1795829999@realqmail.test>\0x\0\0"s;
    CHECK(parse(with_cram, sqmail("+cram"), r) == Parse::misuse);
    std::string without = "alice\0b79b273149c0d57d89a03e76f7dabffa\0<15429.1795829999@realqmail.test>\0x\0"s;
    CHECK(parse(without, sqmail(""), r) == Parse::misuse);
    // user "alice\0digest", password "challenge" without CRAM offered
    CHECK(parse(cram_md5, sqmail(""), r) == Parse::misuse);
    CallerEnv login{"login", std::nullopt, std::nullopt, std::nullopt};
    CHECK(parse(cram_md5, login, r) == Parse::misuse);
    CHECK(parse(with_cram, login, r) == Parse::misuse);
    // an unknown caller: treated as POP (a password), never as CRAM
    REQUIRE(parse(cram_md5, CallerEnv{}, r) == Parse::ok);
    CHECK(r.kind == Kind::pop);
    CHECK(r.password == "b79b273149c0d57d89a03e76f7dabffa");
}

TEST_CASE("SMTPAUTHMETHOD names the mechanism")
{
    Request r;
    CallerEnv e{"LOGIN", std::nullopt, std::nullopt, std::nullopt};
    REQUIRE(parse(login_cram_offered, e, r) == Parse::ok);
    CHECK(r.mech == "login");
    e.smtpauthmethod = "plain";
    REQUIRE(parse(login_cram_not_offered, e, r) == Parse::ok);
    CHECK(r.mech == "plain");
    e.smtpauthmethod = "cram-md5";
    REQUIRE(parse(cram_md5, e, r) == Parse::ok);
    CHECK(r.digest == "b79b273149c0d57d89a03e76f7dabffa");
    e.smtpauthmethod = "digest-md5";
    CHECK(parse(cram_md5, e, r) == Parse::misuse);
}

TEST_CASE("qmail-smtpd-auth 0.31 and cmd5checkpw: challenge before digest")
{
    Request r;
    CallerEnv e{std::nullopt, std::nullopt, "challenge-digest", std::nullopt};
    std::string swapped = "alice\0<15429.1795829999@realqmail.test>\0b79b273149c0d57d89a03e76f7dabffa\0"s;
    REQUIRE(parse(swapped, e, r) == Parse::ok);
    CHECK(r.kind == Kind::cram);
    CHECK(r.digest == "b79b273149c0d57d89a03e76f7dabffa");
    CHECK(r.challenge == "<15429.1795829999@realqmail.test>");
    REQUIRE(parse(login_cram_offered, e, r) == Parse::ok);
    CHECK(r.kind == Kind::password);
    e.cram_order = "sideways";
    CHECK(parse(swapped, e, r) == Parse::bad_config);
}

TEST_CASE("indimail's trailing method byte")
{
    Request r;
    const std::string login = "alice\0secret\0\0\1\0"s, cram = "alice\0<1.2@h>\0b79b273149c0d57d89a03e76f7dabffa\0\3\0"s;
    REQUIRE(parse(login, CallerEnv{}, r) == Parse::ok);
    CHECK(r.mech == "login");
    CHECK(r.password == "secret");
    REQUIRE(parse("alice\0secret\0\0\2\0"s, CallerEnv{}, r) == Parse::ok);
    CHECK(r.mech == "plain");
    // The byte alone could be smuggled in a LOGIN user name: CHKPW_CRAM must say so.
    CHECK(parse(cram, CallerEnv{}, r) == Parse::misuse);
    CallerEnv indimail;
    indimail.cram_order = "challenge-digest";
    REQUIRE(parse(cram, indimail, r) == Parse::ok);
    CHECK(r.kind == Kind::cram);
    CHECK(r.challenge == "<1.2@h>");
    // the s/qmail caller is known by SMTPAUTH: a trailing byte there is smuggled
    CHECK(parse("alice\0<1.2@h>\0b79b273149c0d57d89a03e76f7dabffa\0\3\0"s, sqmail(""), r) == Parse::misuse);
}

TEST_CASE("qmail-popup and Dovecot")
{
    Request r;
    REQUIRE(parse(pop_userpass, CallerEnv{}, r) == Parse::ok);
    CHECK(r.kind == Kind::pop);
    CHECK(r.password == "secret");
    CHECK(r.challenge == "<15506.1795830016@realqmail.test>");
    REQUIRE(parse(pop_apop, CallerEnv{}, r) == Parse::ok);
    CHECK(r.kind == Kind::pop);
    CallerEnv dovecot{std::nullopt, std::nullopt, std::nullopt, "PLAIN"};
    REQUIRE(parse(login_cram_offered, dovecot, r) == Parse::ok);
    CHECK(r.mech == "plain");
    CHECK(r.password == "secret");
}

TEST_CASE("malformed input is misuse")
{
    Request r;
    CHECK(parse(std::string(513, 'a'), CallerEnv{}, r) == Parse::misuse);
    CHECK(parse(std::string(600, '\0'), CallerEnv{}, r) == Parse::misuse);
    CHECK(parse("alice\0secret"s, CallerEnv{}, r) == Parse::misuse);  // no final NUL
    CHECK(parse("alice"s, CallerEnv{}, r) == Parse::misuse);
    CHECK(parse("alice\0"s, CallerEnv{}, r) == Parse::misuse);        // one field
    CHECK(parse(""s, CallerEnv{}, r) == Parse::misuse);
    CHECK(parse("a\0b\0c\0d\0e\0"s, CallerEnv{}, r) == Parse::misuse);
    // exactly 512 bytes is fine
    std::string full = "alice\0"s + std::string(505, 'p') + "\0"s;
    REQUIRE(full.size() == 512);
    CHECK(parse(full, CallerEnv{}, r) == Parse::ok);
    // empty user and password parse; the checker refuses them
    REQUIRE(parse("\0secret\0\0"s, CallerEnv{}, r) == Parse::ok);
    CHECK(r.user.empty());
}
