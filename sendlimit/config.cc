// sendlimit's settings and what qmail-smtpd says about the sender, read
// from the environment once, here only; and the one place the store is
// chosen.
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

std::optional<std::string> non_empty(const char* name)
{
    auto v = env::get(name);
    if (!v || v->empty()) return std::nullopt;
    return std::string(*v);
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

Result<std::unique_ptr<Store>> open_account_store(const Config& c)
{
    return qs::open_store(c.store_spec, "SENDLIMIT_STORE", "sendlimit");
}

void log_warnings(const Config& c)
{
    for (const auto& w : c.warnings) log::warning(w);
}

// The client's address is TCPREMOTEIP only (sendlimit.8): qmail-smtpd runs
// under tcpserver (or proxy-remoteip), never behind a checkpassword
// driver's IP.
Session session_from_environment()
{
    Session s;
    for (const char* marker : {"SMTPAUTHUSER", "SMTP_AUTH_USER", "AUTHUSER"})
        if ((s.auth_marker = non_empty(marker))) break;
    s.remoteinfo = non_empty("TCPREMOTEINFO");
    s.relaylock_user = non_empty("RELAYLOCK_USER");
    if (s.relaylock_user == "-") s.relaylock_user.reset();
    s.relayclient = env::get("RELAYCLIENT").has_value();
    s.remoteip = non_empty("TCPREMOTEIP");
    return s;
}

} // namespace qs::sendlimit
