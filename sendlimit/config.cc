// sendlimit's settings, read from the environment once, and the store.
#include "sendlimit/sendlimit.h"

#include "conf.h"
#include "lib/env.h"
#include "lib/log.h"

namespace qs::sendlimit {

namespace {
constexpr const char* default_store = "dir:" CONF_QMAIL "/sendlimit";

std::uint64_t setting(Config& c, const char* name, std::uint64_t fallback, std::uint64_t max)
{
    auto v = env::number(name, fallback, max);
    if (v) return *v;
    c.warnings.push_back(std::string(name) + " is not a number up to " + std::to_string(max) +
                         "; using " + std::to_string(fallback));
    return fallback;
}
} // namespace

Config load_config()
{
    Config c;
    c.store_spec = std::string(env::get("SENDLIMIT_STORE").value_or(""));
    if (c.store_spec.empty()) c.store_spec = default_store;
    std::string bad;
    auto text = env::get("SENDLIMIT_RATES").value_or("");
    if (!text.empty()) {
        if (auto rates = parse_rates(text, &bad)) c.rates = std::move(*rates);
        else c.warnings.push_back("SENDLIMIT_RATES has a bad item " + log::escape(bad) + "; using the defaults");
    }
    if (c.rates.empty()) c.rates = *parse_rates(default_rates, nullptr);
    c.queue = std::string(env::get("SENDLIMIT_QUEUE").value_or(""));
    if (c.queue.empty()) c.queue = CONF_QMAIL "/bin/qmail-queue";
    c.controldir = std::string(env::get("CONTROLDIR").value_or(""));
    if (c.controldir.empty()) c.controldir = CONF_QMAIL "/control";
    c.postmaster = std::string(env::get("SENDLIMIT_POSTMASTER").value_or(""));
    c.surge_min = setting(c, "SENDLIMIT_SURGE", 1000, 100000000);
    c.surge_factor = setting(c, "SENDLIMIT_SURGE_FACTOR", 10, 1000);
    c.networks = static_cast<unsigned>(setting(c, "SENDLIMIT_NETWORKS", 8, 1000));
    auto senders = env::get("SENDLIMIT_SENDERS").value_or("");
    if (senders == "domain") c.senders = Config::Senders::domain;
    else if (senders == "exact") c.senders = Config::Senders::exact;
    else if (senders.starts_with("/")) c.senders = Config::Senders::file, c.senders_file = std::string(senders);
    else if (!senders.empty() && senders != "any")
        c.warnings.push_back("SENDLIMIT_SENDERS is not any, domain, exact or /PATH; using any");
    return c;
}

std::unique_ptr<Store> open_store(std::string_view spec, std::string& error)
{
    if (spec.starts_with("dir:") && spec.size() > 4 && spec[4] == '/') return open_directory_store(spec.substr(4));
    if (spec.starts_with("redis://") || spec.starts_with("redis+unix://")) {
        error = "SENDLIMIT_STORE: this build has no Redis store yet";
        return nullptr;
    }
    error = "SENDLIMIT_STORE is not dir:/PATH: " + log::escape(spec);
    return nullptr;
}

} // namespace qs::sendlimit
