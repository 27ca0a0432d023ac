// The Redis connection of lib/redis_connection.cc: RESP formatting, and
// replies read through hiredis's reader from a fake server on a Unix socket
// (a thread that answers with fixed bytes, split as it is told), timeouts
// and a server that hangs up. The real server is tests/unit_store_redis.cc.
#include "lib/redis_connection.h"
#include "tests/scratch.h"

#include <doctest/doctest.h>
#include <hiredis/read.h>

#include <chrono>
#include <cstring>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

namespace {

// Listens on DIR/fake.sock; serve() accepts one client, reads until it has
// seen `expect` bytes, then writes each of `chunks` in its own write, with a
// short pause between, then waits `linger` and closes.
struct FakeServer {
    ScratchDir dir;
    std::string path = (dir.path / "fake.sock").string();
    int listener = -1;
    std::string received;
    std::thread thread;

    FakeServer()
    {
        listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::strcpy(a.sun_path, path.c_str());
        REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(listener, 4) == 0);
    }
    ~FakeServer()
    {
        if (thread.joinable()) thread.join();
        ::close(listener);
    }
    void serve(size_t expect, std::vector<std::string> chunks, int linger_ms = 0)
    {
        thread = std::thread([this, expect, chunks, linger_ms] {
            int c = ::accept(listener, nullptr, nullptr);
            if (c < 0) return;
            char buf[4096];
            while (received.size() < expect) {
                ssize_t n = ::read(c, buf, sizeof buf);
                if (n <= 0) break;
                received.append(buf, static_cast<size_t>(n));
            }
            for (const auto& chunk : chunks) {
                if (::write(c, chunk.data(), chunk.size()) < 0) break;
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(linger_ms));
            ::close(c);
        });
    }
    qs::RedisEndpoint endpoint() const
    {
        qs::RedisEndpoint e;
        e.unix_socket = true;
        e.path = path;
        return e;
    }
};

std::string resp(const qs::RedisCommand& c)
{
    std::string out;
    qs::redis_format(c, out);
    return out;
}

} // namespace

TEST_CASE("RESP: commands are formatted binary-safe")
{
    CHECK(resp({"PING"}) == "*1\r\n$4\r\nPING\r\n");
    CHECK(resp({"SET", "k", ""}) == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n");
    std::string binary("a\0\r\n$*b", 7);
    CHECK(resp({"GET", binary}) == std::string("*2\r\n$3\r\nGET\r\n$7\r\na\0\r\n$*b\r\n", 26));
    std::string big(5000, 'x');
    CHECK(resp({big}) == "*1\r\n$5000\r\n" + big + "\r\n");
}

TEST_CASE("Redis connection: replies split over many reads, pipelined, nested")
{
    FakeServer server;
    std::string answer = "+OK\r\n$5\r\nheXlo\r\n*3\r\n:42\r\n$-1\r\n*2\r\n-ERR no\r\n*0\r\n";
    answer[answer.find('X')] = '\0';
    std::vector<std::string> bytes;
    for (char c : answer) bytes.emplace_back(1, c);
    std::vector<qs::RedisCommand> commands{{"MULTI"}, {"GET", "k"}, {"EXEC"}};
    std::string sent;
    for (const auto& c : commands) qs::redis_format(c, sent);
    server.serve(sent.size(), bytes);

    std::string why;
    auto c = qs::RedisConnection::open(server.endpoint(), 250, 2000, why);
    REQUIRE(c);
    std::vector<qs::RedisReplyPtr> replies;
    REQUIRE(c->exchange(commands, replies));
    CHECK(server.received == sent);  // joined after the replies came back
    REQUIRE(replies.size() == 3);
    CHECK(replies[0]->type == REDIS_REPLY_STATUS);
    CHECK(replies[0]->str == "OK");
    CHECK(replies[1]->type == REDIS_REPLY_STRING);
    CHECK(replies[1]->str == std::string("he\0lo", 5));
    REQUIRE(replies[2]->type == REDIS_REPLY_ARRAY);
    REQUIRE(replies[2]->element.size() == 3);
    CHECK(replies[2]->element[0]->type == REDIS_REPLY_INTEGER);
    CHECK(replies[2]->element[0]->integer == 42);
    CHECK(replies[2]->element[1]->type == REDIS_REPLY_NIL);
    const auto& inner = replies[2]->element[2];
    REQUIRE(inner->type == REDIS_REPLY_ARRAY);
    REQUIRE(inner->element.size() == 2);
    CHECK(inner->element[0]->type == REDIS_REPLY_ERROR);
    CHECK(inner->element[0]->str == "ERR no");
    CHECK(inner->element[1]->type == REDIS_REPLY_ARRAY);
    CHECK(inner->element[1]->element.empty());
}

TEST_CASE("Redis connection: a silent server is a timeout, a hang-up and bad bytes are faults")
{
    std::string why;
    {
        FakeServer silent;
        silent.serve(14, {}, 400);
        auto c = qs::RedisConnection::open(silent.endpoint(), 250, 150, why);
        REQUIRE(c);
        auto start = std::chrono::steady_clock::now();
        CHECK_FALSE(c->command({"PING"}));
        double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        CHECK(c->error() == "no answer within 150 ms");
        CHECK(took >= 0.14);
        CHECK(took < 0.35);
        // the connection is unusable afterwards
        CHECK_FALSE(c->command({"PING"}));
    }
    {
        FakeServer hangup;
        hangup.serve(14, {"+PO"});
        auto c = qs::RedisConnection::open(hangup.endpoint(), 250, 1000, why);
        REQUIRE(c);
        CHECK_FALSE(c->command({"PING"}));
        CHECK(c->error() == "Server closed the connection");
    }
    {
        FakeServer junk;
        junk.serve(14, {"?what\r\n"});
        auto c = qs::RedisConnection::open(junk.endpoint(), 250, 1000, why);
        REQUIRE(c);
        CHECK_FALSE(c->command({"PING"}));
        CHECK(c->error().starts_with("Protocol error"));
    }
    ScratchDir dir;
    qs::RedisEndpoint nobody;
    nobody.unix_socket = true;
    nobody.path = (dir.path / "nobody.sock").string();
    CHECK_FALSE(qs::RedisConnection::open(nobody, 250, 1000, why));
    CHECK(why == "No such file or directory");
    qs::RedisEndpoint name;
    name.host = "redis.example";
    CHECK_FALSE(qs::RedisConnection::open(name, 250, 1000, why));
    CHECK(why == "not an IP address (names are not resolved)");
}
