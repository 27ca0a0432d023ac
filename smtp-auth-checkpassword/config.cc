#include "smtp-auth-checkpassword/config.h"

#include "conf.h"
#include "lib/env.h"
#include "lib/log.h"
#include "lib/store.h"

namespace qs::auth {

namespace {
constexpr unsigned long max_seconds = 10L * 365 * 86400;

bool flag(const char* name)
{
    auto v = env::get(name);
    return v && *v == "1";
}

std::string text(const char* name) { return std::string(env::get(name).value_or("")); }

ThrottleVariables read_throttle_variables()
{
    const ThrottleConfig defaults;
    ThrottleVariables v;
    v.maxfail = env::number("CHKPW_MAXFAIL", defaults.maxfail, 1000000);
    v.window = env::number("CHKPW_WINDOW", defaults.window, max_seconds);
    v.lockout = env::number("CHKPW_LOCKOUT", defaults.lockout, max_seconds);
    v.user_budget = env::number("CHKPW_USER_BUDGET", 0, 1000000);
    v.user_window = env::number("CHKPW_USER_WINDOW", defaults.user_window, max_seconds);
    v.trusted = env::get("CHKPW_TRUSTED");
    return v;
}

std::optional<StoreFault> read_store_fault()
{
    std::string_view v = env::get("CHKPW_STORE_FAULT").value_or("");
    if (v.empty() || v == "open") return StoreFault::open;
    if (v == "tempfail") return StoreFault::tempfail;
    return std::nullopt;
}
} // namespace

std::string default_users_cdb() { return CONF_QMAIL "/control/smtp-auth.cdb"; }

Config load_config()
{
    Config c;
    c.dovecot = env::get("DOVECOT_VERSION").has_value();
    c.caller = CallerEnv{env::get("SMTPAUTHMETHOD"), env::get("SMTPAUTH"), env::get("CHKPW_CRAM"), std::nullopt};
    if (c.dovecot) c.caller.dovecot_mech = env::get("AUTH_MECH").value_or("password");
    // Dovecot's userdb lookup: no password, AUTHORIZED=1; the checker
    // answers whether the user exists and may log in, with AUTHORIZED=2
    c.lookup = c.dovecot && env::get("AUTHORIZED").value_or("") == "1";
    if (c.lookup) c.caller.dovecot_mech = "lookup";
    c.domain = text("CHKPW_DOMAIN");
    c.users = text("CHKPW_USERS");
    if (c.users.empty()) c.users = default_users_cdb();
    c.state = text("CHKPW_STORE");
    c.state_variable = "CHKPW_STORE";
    if (c.state.empty()) {
        c.state_variable = "CHKPW_STATE";
        std::string directory = text("CHKPW_STATE");
        if (!directory.empty()) c.state = directory_spec(directory);
    }
    c.throttle = read_throttle_variables();
    c.store_fault = read_store_fault();
    c.legacy = flag("CHKPW_LEGACY");
    c.apop = flag("CHKPW_APOP");
    c.allow_root = flag("CHKPW_ALLOWROOT");
    if (auto extra = env::get("EXTRA")) c.extra = std::string(*extra);
    c.client = client_address_from_env();
    return c;
}

Result<ThrottleConfig> throttle_config(const ThrottleVariables& v, ConfigUse use)
{
    const bool zero_ok = use == ConfigUse::pruning;
    if (!v.maxfail || *v.maxfail == 0) return temporary_fault("bad CHKPW_MAXFAIL");
    if (!v.window || (*v.window == 0 && !zero_ok)) return temporary_fault("bad CHKPW_WINDOW");    // 0 would count nothing
    if (!v.lockout || (*v.lockout == 0 && !zero_ok)) return temporary_fault("bad CHKPW_LOCKOUT");  // 0 would lock nobody
    ThrottleConfig c;
    c.maxfail = *v.maxfail;
    c.window = *v.window;
    c.lockout = *v.lockout;
    if (!v.user_budget) return temporary_fault("bad CHKPW_USER_BUDGET");
    if (!v.user_window || (*v.user_window == 0 && !zero_ok)) return temporary_fault("bad CHKPW_USER_WINDOW");
    c.user_budget = *v.user_budget;  // 0: 10 x maxfail
    c.user_window = *v.user_window;
    if (v.trusted) {
        std::string item;
        auto list = parse_prefix_list(*v.trusted, &item);
        if (!list) return temporary_fault("bad CHKPW_TRUSTED item " + log::escape(item));
        c.trusted = std::move(*list);
    }
    return c;
}

} // namespace qs::auth
