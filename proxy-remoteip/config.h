// proxy-remoteip's settings, read from the environment once.
#ifndef QSEND_PROXY_CONFIG_H
#define QSEND_PROXY_CONFIG_H

#include "lib/ipaddr.h"
#include "lib/result.h"

#include <optional>
#include <string>
#include <vector>

namespace qs::proxy {

constexpr unsigned long default_timeout_ms = 2000;
constexpr unsigned long max_timeout_ms = 60000;

struct Config {
    std::optional<Address> peer;  // tcpserver's TCPREMOTEIP: the front end, or a direct client
    std::vector<Prefix> trusted;  // PROXY_TRUSTED; empty trusts nobody
    unsigned long timeout_ms = default_timeout_ms;  // PROXY_TIMEOUT
    bool optional = false;        // PROXY_OPTIONAL=1
    std::string rules;            // PROXY_RULES: a tcprules cdb, or empty
    bool proto = false;           // PROTO set (tcpserver's): rewritten for the client
};

// Reads the environment once. A malformed setting is a fault: nothing may
// run (the last one found is named).
Result<Config> load_config();
bool trusted(const Config& config);

} // namespace qs::proxy

#endif
