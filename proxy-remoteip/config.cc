// proxy-remoteip's settings, read from the environment once, here only.
#include "proxy-remoteip/config.h"

#include "lib/env.h"
#include "lib/log.h"

namespace qs::proxy {

Result<Config> load_config()
{
    Config c;
    std::string error;
    if (auto ip = env::get("TCPREMOTEIP")) {
        c.peer = parse_address(*ip);
        if (!c.peer) error = "TCPREMOTEIP is not an address: " + log::escape(*ip);
    } else {
        error = "TCPREMOTEIP is not set (run me under tcpserver)";
    }
    if (auto list = env::get("PROXY_TRUSTED")) {
        std::string bad;
        if (auto parsed = parse_prefix_list(*list, &bad)) c.trusted = std::move(*parsed);
        else error = "PROXY_TRUSTED has a bad item " + log::escape(bad);
    }
    if (auto t = env::number("PROXY_TIMEOUT", default_timeout_ms, max_timeout_ms); t && *t > 0)
        c.timeout_ms = *t;
    else
        error = "PROXY_TIMEOUT is not a number of milliseconds from 1 to 60000";
    c.optional = env::get("PROXY_OPTIONAL").value_or("") == "1";
    c.rules = std::string(env::get("PROXY_RULES").value_or(""));
    c.proto = env::get("PROTO").has_value();
    if (!error.empty()) return temporary_fault(error);
    return c;
}

bool trusted(const Config& config)
{
    if (!config.peer) return false;
    for (const auto& p : config.trusted)
        if (contains(p, *config.peer)) return true;
    return false;
}

} // namespace qs::proxy
