// One connection to a Redis server, for lib/store_redis.cc: our own socket
// code, so that the static programs link none of hiredis's connect code
// (net.o, whose getaddrinfo needs glibc's shared NSS libraries at run
// time). Only hiredis's reply reader (read.o, with sds.o) is used.
//
// The host is a numeric IPv4 or IPv6 address, or "localhost" (127.0.0.1);
// names are not resolved. The connect is bounded by connect_ms; each
// exchange (all its writes and reads together) by command_ms. Writes use
// MSG_NOSIGNAL: a server that closed the connection is a fault, never a
// SIGPIPE. The descriptor is close-on-exec.
#ifndef QSEND_LIB_REDIS_CONNECTION_H
#define QSEND_LIB_REDIS_CONNECTION_H

#include "lib/fd.h"
#include "lib/redis_spec.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct redisReader;

namespace qs {

// A reply. type is one of hiredis's REDIS_REPLY_* numbers (<hiredis/read.h>):
// STRING, STATUS and ERROR hold str; INTEGER holds integer; ARRAY holds
// element; NIL nothing.
struct RedisReply {
    int type = 0;
    std::string str;
    long long integer = 0;
    std::vector<std::unique_ptr<RedisReply>> element;
};
using RedisReplyPtr = std::unique_ptr<RedisReply>;

using RedisCommand = std::vector<std::string_view>;

// Appends COMMAND in RESP: *N\r\n, then $LEN\r\nBYTES\r\n per argument
// (binary-safe).
void redis_format(const RedisCommand& command, std::string& out);

class RedisConnection {
public:
    // A connection, or nullptr with why set to one line ("Connection
    // refused", "Connection timed out", "No such file or directory").
    static std::unique_ptr<RedisConnection> open(const RedisEndpoint& e, unsigned long connect_ms,
                                                 unsigned long command_ms, std::string& why);
    ~RedisConnection();
    RedisConnection(const RedisConnection&) = delete;
    RedisConnection& operator=(const RedisConnection&) = delete;

    // Sends every command in one write, then reads one reply for each,
    // within command_ms in all. False on an I/O or protocol fault (error()
    // says which; the connection is then unusable).
    bool exchange(const std::vector<RedisCommand>& commands, std::vector<RedisReplyPtr>& replies);
    // One command; nullptr on a fault.
    RedisReplyPtr command(const RedisCommand& command);

    // The last fault: an errno text, "Server closed the connection", a
    // protocol error, or "no answer within N ms".
    const std::string& error() const { return error_; }

private:
    RedisConnection(Fd fd, unsigned long command_ms);
    bool fail(std::string why);

    Fd fd_;
    unsigned long command_ms_;
    redisReader* reader_ = nullptr;
    std::string error_;
};

} // namespace qs

#endif
