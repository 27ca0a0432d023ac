// The Redis store beyond the contract (tests/unit_store_contract.cc): its
// spec, its signatures, its settings, and how it behaves when Redis is
// down, stopped, a replica, or given a forged value. Every case talks to a
// real redis-server (tests/redis_server.h).
#include "lib/hex.h"
#include "lib/redis_spec.h"
#include "lib/sha256.h"
#include "lib/store.h"
#include "lib/store_redis.h"
#include "tests/redis_server.h"
#include "tests/scratch.h"

#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <string>

namespace {

using qs::StoreResult;

std::string hmac_hex(std::string_view key, std::string_view message)
{
    auto d = qs::hmac_sha256(key, message);
    return qs::hex::encode(d.data(), d.size());
}

double seconds_since(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The environment a store reads when it is opened, reset for each case.
struct StoreEnv {
    explicit StoreEnv(const RedisServer& server)
    {
        ::setenv("QSEND_STORE_KEYFILE", server.keyfile().c_str(), 1);
        ::setenv("QSEND_STORE_PASSFILE", server.passfile().c_str(), 1);
        ::unsetenv("QSEND_STORE_CONNECT_TIMEOUT");
        ::unsetenv("QSEND_STORE_TIMEOUT");
    }
    ~StoreEnv()
    {
        for (const char* v : {"QSEND_STORE_KEYFILE", "QSEND_STORE_PASSFILE", "QSEND_STORE_CONNECT_TIMEOUT",
                              "QSEND_STORE_TIMEOUT"})
            ::unsetenv(v);
    }
};

std::unique_ptr<qs::Store> open(const std::string& spec, std::string_view space = "test")
{
    auto s = qs::open_store(spec, "TEST_STORE", space);
    REQUIRE(s);
    return std::move(*s);
}

} // namespace

TEST_CASE("HMAC-SHA256 gives RFC 4231's test vectors")
{
    CHECK(hmac_hex(std::string(20, '\x0b'), "Hi There") ==
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    CHECK(hmac_hex("Jefe", "what do ya want for nothing?") ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    CHECK(hmac_hex(std::string(20, '\xaa'), std::string(50, '\xdd')) ==
          "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
    // a key longer than the block is hashed first
    CHECK(hmac_hex(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First") ==
          "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST_CASE("Redis specs: the good forms")
{
    auto one = qs::parse_redis_spec("redis://127.0.0.1");
    REQUIRE(one);
    REQUIRE(one->size() == 1);
    CHECK((*one)[0].host == "127.0.0.1");
    CHECK((*one)[0].port == 6379);
    CHECK((*one)[0].db == 0);
    CHECK_FALSE((*one)[0].has_password);
    CHECK((*one)[0].label() == "127.0.0.1:6379");

    auto full = qs::parse_redis_spec("redis://qsend:p%40ss%2Fw%3Ard@192.0.2.7:6380/3");
    REQUIRE(full);
    CHECK((*full)[0].user == "qsend");
    CHECK((*full)[0].password == "p@ss/w:rd");
    CHECK((*full)[0].has_password);
    CHECK((*full)[0].host == "192.0.2.7");
    CHECK((*full)[0].port == 6380);
    CHECK((*full)[0].db == 3);
    CHECK((*full)[0].label() == "192.0.2.7:6380");

    auto no_user = qs::parse_redis_spec("redis://:secret@10.0.0.1");
    REQUIRE(no_user);
    CHECK((*no_user)[0].user.empty());
    CHECK((*no_user)[0].password == "secret");

    auto v6 = qs::parse_redis_spec("redis://[2001:db8::1]:7000/1");
    REQUIRE(v6);
    CHECK((*v6)[0].host == "2001:db8::1");
    CHECK((*v6)[0].port == 7000);
    CHECK((*v6)[0].label() == "[2001:db8::1]:7000");
    auto v6_default = qs::parse_redis_spec("redis://[::1]");
    REQUIRE(v6_default);
    CHECK((*v6_default)[0].port == 6379);

    auto sock = qs::parse_redis_spec("redis+unix:///run/redis/redis.sock?db=2");
    REQUIRE(sock);
    CHECK((*sock)[0].unix_socket);
    CHECK((*sock)[0].path == "/run/redis/redis.sock");
    CHECK((*sock)[0].db == 2);
    CHECK((*sock)[0].label() == "/run/redis/redis.sock");

    auto several = qs::parse_redis_spec("redis://10.0.0.1:6379  redis://10.0.0.2:6380 redis+unix:///s ");
    REQUIRE(several);
    REQUIRE(several->size() == 3);
    CHECK((*several)[0].host == "10.0.0.1");
    CHECK((*several)[1].port == 6380);
    CHECK((*several)[2].path == "/s");

    // the one name taken: it is 127.0.0.1, and named as written
    auto local = qs::parse_redis_spec("redis://localhost:6380");
    REQUIRE(local);
    CHECK((*local)[0].host == "localhost");
    CHECK((*local)[0].label() == "localhost:6380");
}

TEST_CASE("Redis specs: malformed ones say why, never quoting a password")
{
    auto why = [](std::string_view spec) {
        auto r = qs::parse_redis_spec(spec);
        return r ? std::string("(accepted)") : r.fault().text;
    };
    CHECK(why("") == "no endpoint");
    CHECK(why("redis://") == "no host (endpoint 1)");
    CHECK(why("redis://h:0") == "not a port number (endpoint 1)");
    CHECK(why("redis://h:65536") == "not a port number (endpoint 1)");
    CHECK(why("redis://h:") == "not a port number (endpoint 1)");
    CHECK(why("redis://h/x") == "not a database number (endpoint 1)");
    CHECK(why("redis://u:p%4@h") == "bad %XX escape in the password (endpoint 1)");
    CHECK(why("redis://u%zz:p@h") == "bad %XX escape in the user (endpoint 1)");
    CHECK(why("redis://[::1") == "no ] after an IPv6 address (endpoint 1)");
    CHECK(why("redis://[zz]") == "not an IPv6 address in brackets (endpoint 1)");
    CHECK(why("redis://[::1]x") == "junk after ] (endpoint 1)");
    // names are not resolved (no getaddrinfo in a static program)
    CHECK(why("redis://redis.example") == "host must be an IP address or localhost (names are not resolved) (endpoint 1)");
    CHECK(why("redis://127.0.0.1 redis://h:6380/1") ==
          "host must be an IP address or localhost (names are not resolved) (endpoint 2)");
    CHECK(why("redis://localhost.") == "host must be an IP address or localhost (names are not resolved) (endpoint 1)");
    CHECK(why("redis://127.1") == "host must be an IP address or localhost (names are not resolved) (endpoint 1)");
    CHECK(why("redis://256.0.0.1") == "host must be an IP address or localhost (names are not resolved) (endpoint 1)");
    CHECK(why("redis://[1::2::3]") == "not an IPv6 address in brackets (endpoint 1)");
    CHECK(why("redis://127.0.0.1 redis+unix://host/s") == "redis+unix:// takes ///PATH (no host) (endpoint 2)");
    CHECK(why("redis+unix:///s?database=1") == "redis+unix:// takes only ?db=N (endpoint 1)");
    CHECK(why("redis://127.0.0.1 dir:/x") == "not redis:// or redis+unix:// (endpoint 2)");
    // a password without its '@' lands in the port: not quoted
    std::string leaked = why("redis://user:hunter2");
    CHECK(leaked == "not a port number (endpoint 1)");
    CHECK(why("redis://u:hunter2!@h!") == "not a host name or address (endpoint 1)");
    auto bad = qs::open_store("redis://u:hunter2@h:x", "RELAYLOCK_STORE");
    REQUIRE_FALSE(bad);
    CHECK(bad.fault().text == "RELAYLOCK_STORE: bad Redis spec: not a port number (endpoint 1)");
    std::string many;
    for (int i = 0; i < 17; ++i) many += "redis://127.0.0.1 ";
    CHECK(why(many) == "more than 16 endpoints");
}

TEST_CASE("Redis store: a forged or wrongly signed value is absent, and a signed one is read")
{
    RedisServer server;
    StoreEnv env(server);
    auto s = open(server.unix_spec(), "relaylock");
    REQUIRE(s->put("k", "v", 60) == StoreResult::ok);
    // the key is qsend:SPACE:KEY, and the value is signed
    std::string stored = server.admin({"GET", "qsend:relaylock:k"});
    CHECK(stored.starts_with("q1 "));
    CHECK(stored.ends_with(" v"));
    CHECK(server.admin({"TTL", "qsend:relaylock:k"}) != "-1");

    // someone who can reach Redis but lacks the key file
    REQUIRE(server.admin({"SET", "qsend:relaylock:unsigned", "1.2.3.4 9999999999"}) == "OK");
    std::string wrong = qs::redis_signed_value(std::string(40, 'x'), "qsend:relaylock:wrong", "granted");
    REQUIRE(server.admin({"SET", "qsend:relaylock:wrong", wrong}) == "OK");
    // a good signature moved to another key
    REQUIRE(server.admin({"SET", "qsend:relaylock:moved", stored}) == "OK");
    std::string v = "untouched";
    CHECK(s->get("unsigned", v) == StoreResult::absent);
    CHECK(s->get("wrong", v) == StoreResult::absent);
    CHECK(s->get("moved", v) == StoreResult::absent);
    CHECK(v == "untouched");
    CHECK(s->update("wrong", [](const std::string* cur) {
        CHECK(cur == nullptr);
        return qs::StoreChange{};
    }) == StoreResult::absent);
    int seen = 0;
    CHECK(s->scan([&](std::string_view key, std::string_view value) {
        ++seen;
        CHECK(key == "k");
        CHECK(value == "v");
    }) == StoreResult::ok);
    CHECK(seen == 1);
    CHECK(s->get("k", v) == StoreResult::ok);
    CHECK(v == "v");

    // families sharing the server keep apart
    auto other = open(server.unix_spec(), "throttle");
    CHECK(other->get("k", v) == StoreResult::absent);
    CHECK(other->scan([&](std::string_view, std::string_view) { FAIL("another family's key"); }) == StoreResult::ok);
}

TEST_CASE("Redis store: a missing or short key file is a fault of every operation")
{
    RedisServer server;
    StoreEnv env(server);
    std::string v;
    ::unsetenv("QSEND_STORE_KEYFILE");
    auto unset = open(server.unix_spec());
    CHECK(unset->put("k", "v") == StoreResult::fault);
    CHECK(unset->error() == "QSEND_STORE_KEYFILE: not set");
    CHECK(unset->get("k", v) == StoreResult::fault);

    std::string missing = (server.dir.path / "nokey").string();
    ::setenv("QSEND_STORE_KEYFILE", missing.c_str(), 1);
    auto absent = open(server.unix_spec());
    CHECK(absent->get("k", v) == StoreResult::fault);
    CHECK(absent->error() == "QSEND_STORE_KEYFILE: " + missing + ": No such file or directory");

    std::string short_key = (server.dir.path / "short").string();
    std::ofstream(short_key) << std::string(31, 'k');
    ::setenv("QSEND_STORE_KEYFILE", short_key.c_str(), 1);
    auto shorter = open(server.unix_spec());
    CHECK(shorter->update("k", [](const std::string*) { return qs::StoreChange{}; }) == StoreResult::fault);
    CHECK(shorter->error() == "QSEND_STORE_KEYFILE: " + short_key + ": not 32 to 4096 bytes");
    CHECK(shorter->scan([](std::string_view, std::string_view) {}) == StoreResult::fault);
}

TEST_CASE("Redis store: the password comes from the spec or QSEND_STORE_PASSFILE, and a refusal never shows it")
{
    RedisServer server(true);
    StoreEnv env(server);
    std::string v;
    // the pass file's first line, newline stripped
    CHECK(open(server.unix_spec())->put("k", "v") == StoreResult::ok);
    // ACL user and password in the spec
    CHECK(open(server.tcp_spec())->get("k", v) == StoreResult::ok);
    CHECK(open(server.tcp_spec("admin:adminpw@") + "/0")->get("k", v) == StoreResult::ok);

    auto wrong = open(server.tcp_spec("admin:Wr0ngPassw0rd@"));
    CHECK(wrong->get("k", v) == StoreResult::fault);
    CHECK(wrong->error().starts_with("store: redis 127.0.0.1:" + std::to_string(server.port) + ": AUTH: WRONGPASS"));
    CHECK(wrong->error().find("Wr0ngPassw0rd") == std::string::npos);

    std::string bad_pass = (server.dir.path / "badpass").string();
    std::ofstream(bad_pass) << "Wr0ngPassw0rd\n";
    ::setenv("QSEND_STORE_PASSFILE", bad_pass.c_str(), 1);
    auto from_file = open(server.unix_spec());
    CHECK(from_file->get("k", v) == StoreResult::fault);
    CHECK(from_file->error().find("AUTH: WRONGPASS") != std::string::npos);
    CHECK(from_file->error().find("Wr0ngPassw0rd") == std::string::npos);

    std::string missing = (server.dir.path / "nopass").string();
    ::setenv("QSEND_STORE_PASSFILE", missing.c_str(), 1);
    auto unreadable = open(server.unix_spec());
    CHECK(unreadable->get("k", v) == StoreResult::fault);
    CHECK(unreadable->error() == "QSEND_STORE_PASSFILE: " + missing + ": No such file or directory");
    // a spec with its own password does not need the file
    CHECK(open(server.tcp_spec())->get("k", v) == StoreResult::ok);

    // without a password the ACL refuses the commands
    ::unsetenv("QSEND_STORE_PASSFILE");
    auto none = open(server.unix_spec());
    CHECK(none->get("k", v) == StoreResult::fault);
    CHECK(none->error().find("NOAUTH") != std::string::npos);
}

TEST_CASE("Redis store: a replica listed first is skipped, writes go to the primary")
{
    RedisServer primary(true);
    RedisServer replica(false, primary.port);
    StoreEnv env(primary);
    std::string v;
    auto s = open(replica.unix_spec() + " " + primary.tcp_spec());
    REQUIRE(s->put("k", "v") == StoreResult::ok);
    CHECK(primary.admin({"EXISTS", "qsend:test:k"}) == "1");
    CHECK(s->get("k", v) == StoreResult::ok);

    auto only_replica = open(replica.unix_spec());
    CHECK(only_replica->get("k", v) == StoreResult::fault);
    CHECK(only_replica->error() == "store: redis " + replica.socket + ": not a primary (ROLE slave)");

    std::string nobody = (primary.dir.path / "nobody.sock").string();
    auto none = open("redis+unix://" + nobody + " " + replica.unix_spec());
    CHECK(none->get("k", v) == StoreResult::fault);
    CHECK(none->error() == "store: no Redis primary among 2 endpoint(s): redis " + replica.socket +
                               ": not a primary (ROLE slave)");
}

TEST_CASE("Redis store: a Redis that is down or stopped is a fault within the timeouts, and is used again")
{
    RedisServer server(true);
    StoreEnv env(server);
    std::string v;

    std::string nobody = (server.dir.path / "nobody.sock").string();
    auto start = std::chrono::steady_clock::now();
    auto no_socket = open("redis+unix://" + nobody);
    CHECK(no_socket->get("k", v) == StoreResult::fault);
    CHECK(no_socket->error() == "store: redis " + nobody + ": No such file or directory");
    int port = free_tcp_port();
    auto no_port = open("redis://127.0.0.1:" + std::to_string(port));
    CHECK(no_port->put("k", "v") == StoreResult::fault);
    CHECK(no_port->error() == "store: redis 127.0.0.1:" + std::to_string(port) + ": Connection refused");
    CHECK(seconds_since(start) < 1.0);

    // malformed timeouts fall back to the defaults (with a warning)
    ::setenv("QSEND_STORE_TIMEOUT", "soon", 1);
    ::setenv("QSEND_STORE_CONNECT_TIMEOUT", "0", 1);
    auto s = open(server.unix_spec());
    REQUIRE(s->put("k", "v") == StoreResult::ok);

    // stopped: the connection is accepted by the kernel but never answered
    ::setenv("QSEND_STORE_TIMEOUT", "300", 1);
    auto stopped = open(server.unix_spec());
    REQUIRE(::kill(server.pid, SIGSTOP) == 0);
    start = std::chrono::steady_clock::now();
    CHECK(s->get("k", v) == StoreResult::fault);   // an open connection
    CHECK(s->error().find("no answer within 500 ms") != std::string::npos);
    CHECK(stopped->get("k", v) == StoreResult::fault);  // a new one
    CHECK(stopped->error().find("no answer within 300 ms") != std::string::npos);
    double took = seconds_since(start);
    ::kill(server.pid, SIGCONT);
    CHECK(took < 2.0);

    // a later operation reconnects
    CHECK(s->get("k", v) == StoreResult::ok);
    CHECK(v == "v");
    // restarted: the same store faults once, then works again
    server.stop();
    CHECK(s->get("k", v) == StoreResult::fault);
    server.start();
    CHECK(s->put("k", "w") == StoreResult::ok);
    CHECK(open(server.unix_spec())->get("k", v) == StoreResult::ok);
    CHECK(v == "w");
}
