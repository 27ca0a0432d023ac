#include "relaylock/config.h"

#include "conf.h"
#include "lib/env.h"
#include "lib/log.h"

namespace qs::relaylock {

namespace {
constexpr const char* default_directory = CONF_QMAIL "/relaylock";
constexpr const char* default_never = "127.0.0.0/8 ::1/128";
constexpr unsigned long min_v6prefix = 48;
constexpr unsigned long max_expiry = 10UL * 365 * 86400;

std::string text_of(const char* variable) { return std::string(env::get(variable).value_or("")); }
} // namespace

Config load_config()
{
    Config c;
    c.store = text_of("RELAYLOCK_STORE");
    c.store_variable = "RELAYLOCK_STORE";
    if (c.store.empty()) {
        std::string directory = text_of("RELAYLOCK_DIR");
        c.store_variable = directory.empty() ? "default RELAYLOCK_DIR" : "RELAYLOCK_DIR";
        c.store = directory_spec(directory.empty() ? default_directory : directory);
    }
    if (auto e = env::number("RELAYLOCK_EXPIRY", 600, max_expiry)) c.expiry = *e;
    else c.warnings.push_back("RELAYLOCK_EXPIRY is not a number of seconds; using 600");
    c.relayclient = text_of("RELAYLOCK_RELAYCLIENT");
    // Shorter than a /48 (one customer site) would let one login open
    // relay for a whole provider, or with 0 for every IPv6 client.
    auto v6 = env::number("RELAYLOCK_V6PREFIX", 64, 128);
    if (v6 && *v6 >= min_v6prefix) c.v6prefix = static_cast<unsigned>(*v6);
    else c.warnings.push_back("RELAYLOCK_V6PREFIX is not a prefix length 48-128; using 64");
    std::string bad;
    if (auto list = parse_prefix_list(env::get("RELAYLOCK_NEVER").value_or(default_never), &bad)) {
        c.never = std::move(*list);
    } else {
        c.warnings.push_back("RELAYLOCK_NEVER has a bad item " + log::escape(bad) + "; locking nothing");
        c.never_list_broken = true;
    }
    c.rules = text_of("RELAYLOCK_RULES");
    c.cdb = text_of("RELAYLOCK_CDB");
    return c;
}

Config load_config_and_warn()
{
    Config c = load_config();
    for (const auto& w : c.warnings) log::warning(w);
    return c;
}

} // namespace qs::relaylock
