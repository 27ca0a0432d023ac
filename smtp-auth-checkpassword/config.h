// The environment of the SMTP AUTH family, read once by load_config():
// what the caller says about itself, where the users database and the
// throttle store are, and the knobs of smtp-auth-checkpassword.8. Nothing
// else in the family reads the environment.
#ifndef QSEND_AUTH_CONFIG_H
#define QSEND_AUTH_CONFIG_H

#include "lib/client.h"
#include "lib/result.h"
#include "smtp-auth-checkpassword/request.h"
#include "smtp-auth-checkpassword/throttle.h"

#include <optional>
#include <string>
#include <string_view>

namespace qs::auth {

// The throttle's variables as set; throttle_config judges them, so that
// each program reports a bad one where it always has (the checker only
// once it knows a password will be looked at).
struct ThrottleVariables {
    std::optional<unsigned long> maxfail, window, lockout;  // nullopt: malformed
    std::optional<std::string_view> trusted;                 // CHKPW_TRUSTED
    // CHKPW_USER_BUDGET (unset or 0: 10 x maxfail), CHKPW_USER_WINDOW
    std::optional<unsigned long> user_budget = 0, user_window = 3600;
};

// CHKPW_STORE_FAULT: what a store fault (the throttle cannot count) does.
// open: the password is checked without counting; tempfail: exit 111.
enum class StoreFault { open, tempfail };

struct Config {
    bool dovecot = false;         // DOVECOT_VERSION set: Dovecot's checkpassword driver
    bool lookup = false;          // under Dovecot, AUTHORIZED=1: a userdb lookup, no password
    CallerEnv caller;             // SMTPAUTHMETHOD, SMTPAUTH, CHKPW_CRAM, AUTH_MECH
    std::string domain;           // CHKPW_DOMAIN
    std::string users;            // CHKPW_USERS, else default_users_cdb()
    // CHKPW_STORE (a store spec, lib/store.h), else CHKPW_STATE as
    // dir:PATH; "": no throttle.
    std::string state;
    std::string state_variable;   // which of them, for fault messages
    ThrottleVariables throttle;   // CHKPW_MAXFAIL, CHKPW_WINDOW, CHKPW_LOCKOUT, CHKPW_TRUSTED, CHKPW_USER_*
    std::optional<StoreFault> store_fault;  // CHKPW_STORE_FAULT, default open; nullopt: malformed
    bool legacy = false;          // CHKPW_LEGACY=1
    bool apop = false;            // CHKPW_APOP=1
    bool allow_root = false;      // CHKPW_ALLOWROOT=1
    std::optional<std::string> extra;  // EXTRA, which Dovecot's checkpassword-reply reads
    ClientAddress client;         // TCPREMOTEIP, else IP
};

Config load_config();

// Default users database when CHKPW_USERS is unset or empty.
std::string default_users_cdb();

// The checker refuses a window or lockout of 0, which would silently turn
// the throttle off; smtp-auth-throttle -p takes 0 as "prune all that is due".
enum class ConfigUse { checking, pruning };
// A fault names the bad variable: "bad CHKPW_WINDOW".
Result<ThrottleConfig> throttle_config(const ThrottleVariables& v, ConfigUse use = ConfigUse::checking);

} // namespace qs::auth

#endif
