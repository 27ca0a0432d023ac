// lib/result.h, lib/hex.h, lib/ascii.h, lib/client.h, lib/sha256.h and lib/store.h's
// open_store spec parsing.
#include "lib/ascii.h"
#include "lib/client.h"
#include "lib/hex.h"
#include "lib/result.h"
#include "lib/sha256.h"
#include "lib/store.h"

#include <doctest/doctest.h>

#include <cstdlib>

TEST_CASE("Result carries a value or a fault with its exit code")
{
    qs::Result<int> good = 7;
    REQUIRE(good);
    CHECK(*good == 7);
    qs::Result<int> bad = qs::permanent_fault("no such thing");
    CHECK_FALSE(bad);
    CHECK(bad.fault().text == "no such thing");
    CHECK(bad.fault().exit_code == 100);
    qs::Status done;
    CHECK(done.ok());
    qs::Status failed = qs::temporary_fault("disk");
    CHECK_FALSE(failed);
    CHECK(failed.fault().exit_code == 111);
}

TEST_CASE("hex encodes lower case and decodes exactly 2n digits of either case")
{
    CHECK(qs::hex::encode(std::string_view("\x00\xff\x1a", 3)) == "00ff1a");
    unsigned char out[2];
    CHECK(qs::hex::decode("aBcD", out, 2));
    CHECK(out[0] == 0xab);
    CHECK(out[1] == 0xcd);
    CHECK_FALSE(qs::hex::decode("abc", out, 2));
    CHECK_FALSE(qs::hex::decode("abcg", out, 2));
    CHECK(qs::hex::value('F', false) == -1);
}

TEST_CASE("ASCII case folding ignores the locale and non-ASCII bytes")
{
    CHECK(qs::ascii::lowered("AUTH Login\xc3\x84") == "auth login\xc3\x84");
    CHECK(qs::ascii::uppered("cram-md5") == "CRAM-MD5");
    CHECK(qs::ascii::iequals("Received", "rECEIVED"));
    CHECK_FALSE(qs::ascii::iequals("abc", "abd"));
    CHECK(qs::ascii::istarts_with("Content-Type: x", "content-type:"));
}

TEST_CASE("the client address: TCPREMOTEIP wins over IP; malformed is reported")
{
    ::setenv("TCPREMOTEIP", "192.0.2.1", 1);
    ::setenv("IP", "192.0.2.2", 1);
    auto c = qs::client_address_from_env();
    REQUIRE(c.address);
    CHECK(c.for_log() == "192.0.2.1");
    CHECK(c.problem().empty());
    ::unsetenv("TCPREMOTEIP");
    CHECK(qs::client_address_from_env().for_log() == "192.0.2.2");
    ::setenv("IP", "no address", 1);
    c = qs::client_address_from_env();
    CHECK_FALSE(c.address);
    CHECK(c.for_log() == "no\\x20address");
    CHECK(c.problem() == "malformed client address IP=no\\x20address");
    ::unsetenv("IP");
    c = qs::client_address_from_env();
    CHECK(c.variable == nullptr);
    CHECK(c.for_log().empty());
}

TEST_CASE("open_store takes dir:/PATH and Redis specs and refuses anything else in one line")
{
    CHECK(qs::open_store("dir:/tmp"));
    CHECK(qs::open_store(qs::directory_spec("/var/x")));
    CHECK(qs::directory_spec("/var/x") == "dir:/var/x");
    // the old variables took a path relative to the working directory
    auto relative_dir = qs::directory_spec("state");
    CHECK(relative_dir.starts_with("dir:/"));
    CHECK(relative_dir.ends_with("/state"));
    CHECK(qs::open_store(relative_dir));
    auto relative = qs::open_store("dir:relative", "RELAYLOCK_STORE");
    REQUIRE_FALSE(relative);
    CHECK(relative.fault().text == "RELAYLOCK_STORE is not dir:/PATH: dir:relative");
    // a Redis spec opens without connecting; a malformed one is refused
    CHECK(qs::open_store("redis://127.0.0.1"));
    auto redis = qs::open_store("redis://u:pw@127.0.0.1:99999", "RELAYLOCK_STORE");
    REQUIRE_FALSE(redis);
    CHECK(redis.fault().text == "RELAYLOCK_STORE: bad Redis spec: not a port number (endpoint 1)");
}

TEST_CASE("SHA-256 gives FIPS 180-4's test vectors")
{
    auto hex_of = [](std::string_view s) {
        auto d = qs::sha256(s);
        return qs::hex::encode(d.data(), d.size());
    };
    CHECK(hex_of("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(hex_of("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    // 56 bytes: the padding needs a second block
    CHECK(hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK(hex_of(std::string(1000000, 'a')) ==
          "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
