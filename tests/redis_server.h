// A real redis-server for the unit tests (never a mock): started in a
// scratch directory on a Unix socket (and a TCP port on 127.0.0.1 when
// asked), with ACL users "default" (password "secret", only the commands
// the store uses, only qsend:* keys) and "admin" (password "adminpw",
// everything), stopped by its PID. A missing redis-server is a failed
// test, not a skipped one: tests/setup installs it.
#ifndef QSEND_TESTS_REDIS_SERVER_H
#define QSEND_TESTS_REDIS_SERVER_H

#include "tests/scratch.h"

#include <doctest/doctest.h>
#include <hiredis/hiredis.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <fstream>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

// The commands the store sends, for the ACL of the "default" user.
inline const char* const redis_store_commands[] = {"+get",  "+set",  "+del",  "+watch", "+unwatch", "+multi", "+exec",
                                                   "+scan", "+mget", "+role", "+auth",  "+select",  "+ping"};

// A TCP port on 127.0.0.1 nobody listened on a moment ago.
inline int free_tcp_port()
{
    int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(s);
    return ntohs(a.sin_port);
}

class RedisServer {
public:
    ScratchDir dir;
    std::string socket;
    int port = 0;
    pid_t pid = -1;

    // tcp: also listen on 127.0.0.1:port (a replica needs it to reach its
    // primary); replica_of: the primary's port.
    explicit RedisServer(bool tcp = false, int replica_of = 0)
        : socket((dir.path / "redis.sock").string()), port(tcp ? free_tcp_port() : 0), owner_(::getpid())
    {
        std::ofstream(dir.path / "key") << std::string(40, 'k');
        std::ofstream(dir.path / "pass") << "secret\n";
        start(replica_of);
    }
    RedisServer(const RedisServer&) = delete;
    RedisServer& operator=(const RedisServer&) = delete;
    // Only the process that started it stops it (not a forked child).
    ~RedisServer()
    {
        if (::getpid() == owner_) stop();
    }

    std::string keyfile() const { return (dir.path / "key").string(); }
    std::string passfile() const { return (dir.path / "pass").string(); }
    std::string unix_spec() const { return "redis+unix://" + socket; }
    std::string tcp_spec(const std::string& userinfo = "admin:adminpw@") const
    {
        return "redis://" + userinfo + "127.0.0.1:" + std::to_string(port);
    }

    void start(int replica_of = 0)
    {
        ::unlink(socket.c_str());
        std::vector<std::string> args = {"redis-server", "--port", std::to_string(port), "--bind", "127.0.0.1",
                                         "--unixsocket", socket, "--save", "", "--appendonly", "no", "--dir",
                                         dir.path.string(), "--logfile", (dir.path / "log").string(),
                                         "--user", "default", "on", ">secret", "~qsend:*", "-@all"};
        for (const char* c : redis_store_commands) args.push_back(c);
        for (const char* a : {"--user", "admin", "on", ">adminpw", "~*", "+@all"}) args.push_back(a);
        if (replica_of) {
            for (const char* a : {"--masteruser", "admin", "--masterauth", "adminpw", "--replicaof", "127.0.0.1"})
                args.push_back(a);
            args.push_back(std::to_string(replica_of));
        }
        pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            std::vector<char*> argv;
            for (auto& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            ::execvp("redis-server", argv.data());
            ::_exit(127);
        }
        // a bounded wait for it to answer
        for (int i = 0; i < 500; ++i) {
            if (admin("PING") == "PONG") return;
            int status = 0;
            if (::waitpid(pid, &status, WNOHANG) == pid) {
                pid = -1;
                FAIL("redis-server did not start (is it installed? tests/setup installs it)");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        FAIL("redis-server did not answer within 5 seconds");
    }

    void stop()
    {
        if (pid <= 0) return;
        ::kill(pid, SIGCONT);
        ::kill(pid, SIGTERM);
        int status = 0;
        ::waitpid(pid, &status, 0);
        pid = -1;
    }

    // One command as the admin user over the socket; its reply as text
    // ("(nil)", an integer's digits, an error's text, "*N" for an array).
    std::string admin(std::initializer_list<std::string> args) const
    {
        timeval tv{1, 0};
        redisContext* c = redisConnectUnixWithTimeout(socket.c_str(), tv);
        if (!c || c->err) {
            if (c) redisFree(c);
            return "(no connection)";
        }
        redisSetTimeout(c, tv);
        std::string out = "(no reply)";
        auto text = [](redisReply* r) -> std::string {
            if (!r) return "(no reply)";
            switch (r->type) {
            case REDIS_REPLY_NIL: return "(nil)";
            case REDIS_REPLY_INTEGER: return std::to_string(r->integer);
            case REDIS_REPLY_ARRAY: return "*" + std::to_string(r->elements);
            default: return std::string(r->str, r->len);
            }
        };
        auto* a = static_cast<redisReply*>(redisCommand(c, "AUTH admin adminpw"));
        if (a) freeReplyObject(a);
        std::vector<const char*> argv;
        std::vector<size_t> lens;
        for (const auto& s : args) {
            argv.push_back(s.data());
            lens.push_back(s.size());
        }
        auto* r = static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data()));
        out = text(r);
        if (r) freeReplyObject(r);
        redisFree(c);
        return out;
    }
    std::string admin(const std::string& one) const { return admin({one}); }

private:
    pid_t owner_;
};

#endif
