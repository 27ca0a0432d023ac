#include "proxy-remoteip/run.h"

#include "lib/exec.h"
#include "lib/log.h"
#include "proxy-remoteip/rules.h"

#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <poll.h>
#include <string_view>
#include <unistd.h>

namespace qs::proxy {

namespace {
long long now_ms()
{
    struct timespec t;
    ::clock_gettime(CLOCK_MONOTONIC, &t);
    return static_cast<long long>(t.tv_sec) * 1000 + t.tv_nsec / 1000000;
}

// What tcpserver, or a rule of tcpserver's for the front end, set about the
// front end: never to be taken for the client's.
constexpr const char* front_end_variables[] = {
    "TCPREMOTEHOST", "TCPREMOTEINFO", "RELAYCLIENT", "RBLSMTPD", "RELAYLOCK_USER",
    "TCP6REMOTEIP",  "TCP6REMOTEPORT", "TCP6REMOTEHOST", "TCP6LOCALIP", "TCP6LOCALPORT",
};

bool set(const char* name, const std::string& value) { return ::setenv(name, value.c_str(), 1) == 0; }
} // namespace

ReadResult read_header(int fd, unsigned long timeout_ms)
{
    const long long deadline = now_ms() + static_cast<long long>(timeout_ms);
    std::string bytes;
    ReadResult result;
    for (;;) {
        Parsed p = parse_header(bytes);
        if (p.kind == Parsed::complete) {
            result.kind = ReadResult::complete;
            result.header = p.header;
            return result;
        }
        if (p.kind == Parsed::refused) {
            result.kind = ReadResult::refused;
            result.reason = p.reason;
            return result;
        }
        long long left = deadline - now_ms();
        if (left <= 0) {
            result.kind = ReadResult::timeout;
            return result;
        }
        struct pollfd pfd {fd, POLLIN, 0};
        int ready = ::poll(&pfd, 1, static_cast<int>(left));
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) {
            result.reason = log::with_errno("unable to wait for the header", errno);
            return result;
        }
        if (ready == 0) continue;  // the deadline decides, above
        const size_t had = bytes.size();
        bytes.resize(had + p.more);
        ssize_t r = ::read(fd, bytes.data() + had, p.more);
        if (r < 0) {
            bytes.resize(had);
            if (errno == EINTR || errno == EAGAIN) continue;
            result.reason = log::with_errno("unable to read the header", errno);
            return result;
        }
        if (r == 0) {
            result.kind = ReadResult::closed;
            return result;
        }
        bytes.resize(had + static_cast<size_t>(r));
    }
}

bool rewrite_environment(const Header& h, const Address& frontend, bool proto)
{
    for (const char* name : front_end_variables) ::unsetenv(name);
    bool ok = set("TCPREMOTEIP", canonical(h.source)) && set("TCPREMOTEPORT", std::to_string(h.source_port)) &&
              set("TCPLOCALIP", canonical(h.destination)) &&
              set("TCPLOCALPORT", std::to_string(h.destination_port)) &&
              set("PROXY_FRONTENDIP", canonical(frontend));
    // ucspi-tcp-ipv6 names an IPv6 client's protocol TCP6
    if (ok && proto) ok = set("PROTO", h.source.v4 ? "TCP" : "TCP6");
    return ok;
}

namespace {
int refuse(const Config& c, std::string_view why)
{
    log::line("refused frontend=" + (c.peer ? canonical(*c.peer) : std::string("-")) + ": " + std::string(why));
    return 100;
}

// The header from descriptor 0; an exit code when there is none to use.
std::optional<int> take_header(const Config& c, Header& h)
{
    ReadResult r = read_header(0, c.timeout_ms);
    switch (r.kind) {
    case ReadResult::complete:
        h = r.header;
        return std::nullopt;
    case ReadResult::refused:
        return refuse(c, r.reason);
    case ReadResult::timeout:
        return refuse(c, "no complete header within " + std::to_string(c.timeout_ms) + " ms");
    case ReadResult::closed:
        return refuse(c, "connection closed before the header ended");
    case ReadResult::fault:
        break;
    }
    log::fatal(r.reason);
    return 111;
}

// PROXY_RULES for the client's address, as tcpserver applies its rules;
// an exit code when the connection ends here.
std::optional<int> apply_client_rules(const Config& c, const std::string& ip)
{
    RuleDecision d = apply_rules(c.rules, ip);
    if (d.kind == RuleDecision::fault) {
        log::fatal(d.error + "; closing");
        return 111;
    }
    if (d.kind == RuleDecision::deny) {
        log::line("deny ip=" + ip + " frontend=" + canonical(*c.peer) + " (PROXY_RULES)");
        return 100;
    }
    for (const auto& [name, value] : d.variables)
        if (::setenv(name.c_str(), value.c_str(), 1) != 0) {
            log::fatal("out of memory");
            return 111;
        }
    return std::nullopt;
}
} // namespace

int proxy_remoteip(char** program)
{
    auto config = load_config();
    if (!config) {
        log::fatal(config.fault().text + "; closing");
        return 111;
    }
    const Config& c = *config;
    if (!trusted(c)) {
        if (c.optional) exec_next(program);  // a direct client, as tcpserver saw it
        return refuse(c, "not in PROXY_TRUSTED");
    }
    Header h;
    if (auto code = take_header(c, h)) return *code;
    if (h.command == Command::local) {
        log::line("health check frontend=" + canonical(*c.peer) + " v" + std::to_string(h.version));
        return 0;
    }
    if (!rewrite_environment(h, *c.peer, c.proto)) {
        log::fatal("out of memory");
        return 111;
    }
    const std::string ip = canonical(h.source);
    if (!c.rules.empty())
        if (auto code = apply_client_rules(c, ip)) return *code;
    log::line("proxy ip=" + ip + " port=" + std::to_string(h.source_port) + " frontend=" + canonical(*c.peer) +
              " v" + std::to_string(h.version));
    exec_next(program);
}

} // namespace qs::proxy
