#include "lib/redis_spec.h"

#include "lib/log.h"

#include <arpa/inet.h>
#include <charconv>
#include <netinet/in.h>

namespace qs {

namespace {

constexpr long max_db = 1000000;  // Redis's databases setting is far below this

int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// %XX decoding; false on a bad escape.
bool percent_decode(std::string_view in, std::string& out)
{
    out.clear();
    for (size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out += in[i];
            continue;
        }
        if (i + 2 >= in.size()) return false;
        int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
        if (hi < 0 || lo < 0) return false;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return true;
}

bool decimal(std::string_view s, long max, long& n)
{
    if (s.empty() || s.size() > 9) return false;
    long v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || v < 0 || v > max) return false;
    n = v;
    return true;
}

bool host_byte(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
}

// An address inet_pton takes (dotted quad, or IPv6 text for AF_INET6).
bool numeric(int family, const std::string& host)
{
    unsigned char bytes[sizeof(in6_addr)];
    return ::inet_pton(family, host.c_str(), bytes) == 1;
}

// Nothing of this endpoint is quoted in a message: a password written with
// a bare '/' or without its '@' would land in the host or the port.
Result<RedisEndpoint> parse_tcp(std::string_view rest)
{
    RedisEndpoint e;
    // the last '@' ends the user information (a password may hold '@' or
    // '/' unencoded; neither can appear in HOST:PORT/DB)
    size_t at = rest.rfind('@');
    if (at != std::string_view::npos) {
        std::string_view userinfo = rest.substr(0, at);
        rest.remove_prefix(at + 1);
        size_t colon = userinfo.find(':');
        if (!percent_decode(userinfo.substr(0, colon), e.user)) return temporary_fault("bad %XX escape in the user");
        if (colon != std::string_view::npos) {
            if (!percent_decode(userinfo.substr(colon + 1), e.password))
                return temporary_fault("bad %XX escape in the password");
            e.has_password = true;
        }
        if (e.user.find_first_of(std::string_view("\0 \r\n", 4)) != std::string::npos)
            return temporary_fault("the user holds a space, a NUL or a line break");
        if (e.has_password && e.password.empty()) return temporary_fault("empty password");
    }
    size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    std::string_view port;
    bool has_port = false;
    if (authority.starts_with("[")) {
        size_t close = authority.find(']');
        if (close == std::string_view::npos) return temporary_fault("no ] after an IPv6 address");
        std::string_view v6 = authority.substr(1, close - 1);
        if (v6.empty() || v6.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos ||
            v6.find(':') == std::string_view::npos || !numeric(AF_INET6, std::string(v6)))
            return temporary_fault("not an IPv6 address in brackets");
        e.host = v6;
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (!after.starts_with(":")) return temporary_fault("junk after ]");
            port = after.substr(1);
            has_port = true;
        }
    } else {
        size_t colon = authority.find(':');
        e.host = authority.substr(0, colon);
        if (colon != std::string_view::npos) {
            port = authority.substr(colon + 1);
            has_port = true;
        }
        if (e.host.empty()) return temporary_fault("no host");
        for (char c : e.host)
            if (!host_byte(c)) return temporary_fault("not a host name or address");
    }
    if (has_port) {
        long p = 0;
        if (!decimal(port, 65535, p) || p == 0) return temporary_fault("not a port number");
        e.port = static_cast<int>(p);
    }
    if (slash != std::string_view::npos) {
        std::string_view db = rest.substr(slash + 1);
        if (!db.empty() && !decimal(db, max_db, e.db)) return temporary_fault("not a database number");
    }
    // the programs are static: no getaddrinfo, so no names but this one
    if (e.host != "localhost" && e.host.find(':') == std::string::npos && !numeric(AF_INET, e.host))
        return temporary_fault("host must be an IP address or localhost (names are not resolved)");
    return e;
}

Result<RedisEndpoint> parse_unix(std::string_view rest)
{
    // rest follows "redis+unix://": an empty authority, then /PATH
    RedisEndpoint e;
    e.unix_socket = true;
    if (!rest.starts_with("/")) return temporary_fault("redis+unix:// takes ///PATH (no host)");
    size_t q = rest.find('?');
    e.path = rest.substr(0, q);
    if (e.path.size() < 2) return temporary_fault("no socket path");
    if (e.path.find('\0') != std::string::npos) return temporary_fault("a NUL in the socket path");
    if (e.path.size() > 107) return temporary_fault("socket path longer than 107 bytes");
    if (q != std::string_view::npos) {
        std::string_view query = rest.substr(q + 1);
        if (!query.starts_with("db=") || !decimal(query.substr(3), max_db, e.db))
            return temporary_fault("redis+unix:// takes only ?db=N");
    }
    return e;
}

} // namespace

std::string RedisEndpoint::label() const
{
    if (unix_socket) return log::escape(path);
    std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    return log::escape(h) + ":" + std::to_string(port);
}

Result<std::vector<RedisEndpoint>> parse_redis_spec(std::string_view spec)
{
    std::vector<RedisEndpoint> out;
    while (true) {
        size_t start = spec.find_first_not_of(' ');
        if (start == std::string_view::npos) break;
        spec.remove_prefix(start);
        std::string_view one = spec.substr(0, spec.find(' '));
        spec.remove_prefix(one.size());
        std::string which = " (endpoint " + std::to_string(out.size() + 1) + ")";
        if (out.size() == max_redis_endpoints)
            return temporary_fault("more than " + std::to_string(max_redis_endpoints) + " endpoints");
        Result<RedisEndpoint> e = temporary_fault("not redis:// or redis+unix://");
        if (one.starts_with("redis://"))
            e = parse_tcp(one.substr(8));
        else if (one.starts_with("redis+unix://"))
            e = parse_unix(one.substr(13));
        if (!e) return temporary_fault(e.fault().text + which);
        out.push_back(std::move(*e));
    }
    if (out.empty()) return temporary_fault("no endpoint");
    return out;
}

} // namespace qs
