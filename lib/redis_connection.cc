#include "lib/redis_connection.h"

// only the reply reader: nothing here may reference hiredis.o or net.o
#include <hiredis/read.h>

#include <arpa/inet.h>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <ctime>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <new>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

namespace qs {

namespace {

// The reply tree hiredis's reader builds through these. A child is owned
// by its parent from the moment it is made, so freeing the root (which
// the reader does on a protocol error) frees everything.
void* attach(const redisReadTask* task, RedisReply* r)
{
    if (!r) return nullptr;
    if (task->parent) {
        auto* parent = static_cast<RedisReply*>(task->parent->obj);
        size_t i = static_cast<size_t>(task->idx);
        if (i >= parent->element.size()) {
            delete r;
            return nullptr;
        }
        parent->element[i].reset(r);
    }
    return r;
}

void* create_string(const redisReadTask* task, char* str, size_t len)
{
    auto* r = new (std::nothrow) RedisReply;
    if (!r) return nullptr;
    r->type = task->type;
    try {
        r->str.assign(str, len);
    } catch (...) {
        delete r;
        return nullptr;
    }
    return attach(task, r);
}

void* create_array(const redisReadTask* task, int elements)
{
    auto* r = new (std::nothrow) RedisReply;
    if (!r) return nullptr;
    r->type = REDIS_REPLY_ARRAY;
    try {
        r->element.resize(elements > 0 ? static_cast<size_t>(elements) : 0);
    } catch (...) {
        delete r;
        return nullptr;
    }
    return attach(task, r);
}

void* create_integer(const redisReadTask* task, long long value)
{
    auto* r = new (std::nothrow) RedisReply;
    if (!r) return nullptr;
    r->type = REDIS_REPLY_INTEGER;
    r->integer = value;
    return attach(task, r);
}

void* create_nil(const redisReadTask* task)
{
    auto* r = new (std::nothrow) RedisReply;
    if (!r) return nullptr;
    r->type = REDIS_REPLY_NIL;
    return attach(task, r);
}

void free_object(void* r) { delete static_cast<RedisReply*>(r); }

redisReplyObjectFunctions reply_functions = {create_string, create_array, create_integer, create_nil,
                                             free_object};

long long now_ms()
{
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<long long>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// Waits for EVENTS on fd until deadline (monotonic ms). 1: ready, 0: timed
// out, -1: error (errno).
int wait_for(int fd, short events, long long deadline)
{
    while (true) {
        long long left = deadline - now_ms();
        if (left <= 0) return 0;
        pollfd p{fd, events, 0};
        int n = ::poll(&p, 1, left > 1000000 ? 1000000 : static_cast<int>(left));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        if (n > 0) return 1;
    }
}

std::string errno_text(int err) { return std::strerror(err); }

} // namespace

void redis_format(const RedisCommand& command, std::string& out)
{
    out += '*';
    out += std::to_string(command.size());
    out += "\r\n";
    for (auto a : command) {
        out += '$';
        out += std::to_string(a.size());
        out += "\r\n";
        out.append(a.data(), a.size());
        out += "\r\n";
    }
}

RedisConnection::RedisConnection(Fd fd, unsigned long command_ms) : fd_(std::move(fd)), command_ms_(command_ms) {}

RedisConnection::~RedisConnection()
{
    if (reader_) redisReaderFree(reader_);
}

std::unique_ptr<RedisConnection> RedisConnection::open(const RedisEndpoint& e, unsigned long connect_ms,
                                                       unsigned long command_ms, std::string& why)
{
    sockaddr_storage address{};
    socklen_t address_len = 0;
    int family = AF_INET;
    if (e.unix_socket) {
        family = AF_UNIX;
        auto* un = reinterpret_cast<sockaddr_un*>(&address);
        un->sun_family = AF_UNIX;
        if (e.path.empty() || e.path.size() >= sizeof un->sun_path) {
            why = errno_text(ENAMETOOLONG);
            return nullptr;
        }
        std::memcpy(un->sun_path, e.path.data(), e.path.size());
        address_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + e.path.size() + 1);
    } else {
        std::string host = e.host == "localhost" ? "127.0.0.1" : e.host;
        auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
        auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
        if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
            v4->sin_family = AF_INET;
            v4->sin_port = htons(static_cast<uint16_t>(e.port));
            address_len = sizeof *v4;
        } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
            family = AF_INET6;
            v6->sin6_family = AF_INET6;
            v6->sin6_port = htons(static_cast<uint16_t>(e.port));
            address_len = sizeof *v6;
        } else {
            why = "not an IP address (names are not resolved)";
            return nullptr;
        }
    }
    Fd fd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) {
        why = errno_text(errno);
        return nullptr;
    }
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), address_len) != 0) {
        if (errno != EINPROGRESS && errno != EINTR) {
            why = errno_text(errno);
            return nullptr;
        }
        int ready = wait_for(fd.get(), POLLOUT, now_ms() + static_cast<long long>(connect_ms));
        if (ready <= 0) {
            why = errno_text(ready == 0 ? ETIMEDOUT : errno);
            return nullptr;
        }
        int err = 0;
        socklen_t len = sizeof err;
        if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
        if (err != 0) {
            why = errno_text(err);
            return nullptr;
        }
    }
    if (family != AF_UNIX) {
        int one = 1;
        ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    std::unique_ptr<RedisConnection> c(new (std::nothrow) RedisConnection(std::move(fd), command_ms));
    if (c) c->reader_ = redisReaderCreateWithFunctions(&reply_functions);
    if (!c || !c->reader_) {
        why = "out of memory";
        return nullptr;
    }
    return c;
}

bool RedisConnection::fail(std::string why)
{
    error_ = std::move(why);
    fd_.reset();
    return false;
}

bool RedisConnection::exchange(const std::vector<RedisCommand>& commands, std::vector<RedisReplyPtr>& replies)
{
    replies.clear();
    if (!fd_) return fail(error_.empty() ? "not connected" : error_);
    long long deadline = now_ms() + static_cast<long long>(command_ms_);
    std::string out;
    for (const auto& c : commands) redis_format(c, out);
    std::string timeout = "no answer within " + std::to_string(command_ms_) + " ms";

    size_t sent = 0;
    while (sent < out.size()) {
        ssize_t n = ::send(fd_.get(), out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
        if (n >= 0) {
            sent += static_cast<size_t>(n);
            continue;
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return fail(errno_text(errno));
        int ready = wait_for(fd_.get(), POLLOUT, deadline);
        if (ready == 0) return fail(timeout);
        if (ready < 0) return fail(errno_text(errno));
    }

    char buf[16384];
    while (replies.size() < commands.size()) {
        void* reply = nullptr;
        if (redisReaderGetReply(reader_, &reply) != REDIS_OK) return fail(reader_->errstr);
        if (reply) {
            replies.emplace_back(static_cast<RedisReply*>(reply));
            continue;
        }
        ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
        if (n > 0) {
            if (redisReaderFeed(reader_, buf, static_cast<size_t>(n)) != REDIS_OK) return fail(reader_->errstr);
            continue;
        }
        if (n == 0) return fail("Server closed the connection");
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return fail(errno_text(errno));
        int ready = wait_for(fd_.get(), POLLIN, deadline);
        if (ready == 0) return fail(timeout);
        if (ready < 0) return fail(errno_text(errno));
    }
    return true;
}

RedisReplyPtr RedisConnection::command(const RedisCommand& command)
{
    std::vector<RedisReplyPtr> replies;
    if (!exchange({command}, replies)) return nullptr;
    return std::move(replies[0]);
}

} // namespace qs
