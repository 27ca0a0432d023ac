// The Redis forms of a store spec (see lib/store.h and qsend-store(7)):
//   redis://[USER[:PASSWORD]@]HOST[:PORT][/DB]
//   redis+unix:///PATH[?db=N]
// several of them separated by spaces, tried in order. USER and PASSWORD
// are percent-decoded (%XX); HOST is an IPv4 address, [IPv6] or localhost
// (127.0.0.1): names are not resolved (the programs link statically, and
// glibc's getaddrinfo would need its shared NSS libraries at run time).
// A pure function, so that it is unit-tested and fuzzed on its own.
#ifndef QSEND_LIB_REDIS_SPEC_H
#define QSEND_LIB_REDIS_SPEC_H

#include "lib/result.h"

#include <string>
#include <string_view>
#include <vector>

namespace qs {

struct RedisEndpoint {
    bool unix_socket = false;
    std::string host;      // TCP: an address (IPv6 without brackets) or "localhost"
    int port = 6379;       // TCP
    std::string path;      // unix socket
    std::string user;      // empty: none (AUTH password, the default user)
    std::string password;  // meaningful when has_password
    bool has_password = false;
    long db = 0;
    // For messages: host:port ([v6]:port) or the socket path, never a
    // password; escaped for a log line.
    std::string label() const;
};

// At most this many endpoints in one spec.
constexpr size_t max_redis_endpoints = 16;

// The endpoints of a spec of one or more Redis forms. A fault's text says
// why the spec is malformed; it never quotes the part before a host (a
// password) nor names the variable (the caller does).
Result<std::vector<RedisEndpoint>> parse_redis_spec(std::string_view spec);

} // namespace qs

#endif
