#include "smtp-auth-checkpassword/checkpassword.h"

#include "conf.h"
#include "lib/env.h"
#include "lib/exec.h"
#include "lib/fd.h"
#include "lib/ipaddr.h"
#include "lib/log.h"
#include "lib/store.h"
#include "smtp-auth-checkpassword/crammd5.h"
#include "smtp-auth-checkpassword/request.h"
#include "smtp-auth-checkpassword/scheme.h"
#include "smtp-auth-checkpassword/secret.h"
#include "smtp-auth-checkpassword/throttle.h"

#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <grp.h>
#include <unistd.h>

namespace qs::auth {

namespace {
struct Attempt {
    std::string user = "-";
    std::string ip = "-";
    std::string mech = "-";
};

void report(const Attempt& a, std::string_view result, std::string_view reason = {})
{
    std::string text(result);
    text += " user=" + a.user + " ip=" + a.ip + " mech=" + a.mech;
    if (!reason.empty()) {
        text += " reason=";
        text += reason;
    }
    log::line(text);
}

std::string_view reason_of(Outcome o)
{
    switch (o) {
    case Outcome::ok: return "ok";
    case Outcome::bad: return "bad_password";
    case Outcome::disabled: return "disabled";
    case Outcome::legacy: return "legacy_scheme";
    case Outcome::unsupported: return "unsupported_scheme";
    }
    return "bad_password";
}

bool flag(const char* name)
{
    auto v = env::get(name);
    return v && *v == "1";
}

bool set(const char* name, std::string_view value)
{
    return ::setenv(name, std::string(value).c_str(), 1) == 0;
}
} // namespace

std::string default_users_cdb() { return CONF_QMAIL "/control/smtp-auth.cdb"; }

int prepare_process(const UserRecord& r, std::string_view user, bool dovecot, bool allow_root, bool pop)
{
    if (!set("USER", user)) return 111;
    if (dovecot) {
        // checkpassword-reply turns HOME into userdb_home and passes the
        // variables EXTRA names (its own uid and gid only when we do not)
        if (!r.has_identity()) return 0;
        // Dovecot switches to userdb_uid itself: the same rule as our setuid
        if (*r.uid == 0 && !allow_root) {
            log::line("fail user=" + log::escape(user) + " reason=uid_0_refused");
            return 1;
        }
        std::string extra(env::get("EXTRA").value_or(""));
        if (!extra.empty()) extra += ' ';
        extra += "userdb_uid userdb_gid";
        if (!set("userdb_uid", std::to_string(*r.uid)) || !set("userdb_gid", std::to_string(*r.gid)) ||
            !set("HOME", r.home) || !set("EXTRA", extra))
            return 111;
        return 0;
    }
    if (::geteuid() != 0) return 0;
    if (!r.has_identity()) {
        // qmail-popup's chain as root: PROG (qmail-pop3d) would run as root
        if (pop && !allow_root) {
            log::line("fail user=" + log::escape(user) + " reason=no_identity_as_root");
            return 1;
        }
        return 0;
    }
    if (*r.uid == 0 && !allow_root) {
        log::line("fail user=" + log::escape(user) + " reason=uid_0_refused");
        return 1;
    }
    const gid_t gid = *r.gid;
    if (::setgroups(1, &gid) != 0 || ::setgid(gid) != 0 || ::setuid(*r.uid) != 0) {
        log::fatal(log::with_errno("unable to switch to uid " + std::to_string(*r.uid), errno));
        return 111;
    }
    if (::chdir(r.home.c_str()) != 0) {
        log::fatal(log::with_errno("unable to chdir to " + log::escape(r.home), errno));
        return 111;
    }
    if (!set("HOME", r.home) || !set("SHELL", r.shell.empty() ? "/bin/sh" : r.shell)) return 111;
    return 0;
}

int check_and_exec(int argc, char** argv)
{
    if (env::get("DOVECOT_VERSION")) log::use_dovecot_framing();  // before any line
    if (argc < 2) {
        log::fatal("usage: smtp-auth-checkpassword PROG [ARG...]");
        return 2;
    }
    Attempt attempt;
    auto ip_text = env::get("TCPREMOTEIP");
    if (!ip_text) ip_text = env::get("IP");
    std::optional<Address> address;
    if (ip_text) {
        attempt.ip = log::escape(*ip_text);
        address = parse_address(*ip_text);
        if (address) attempt.ip = canonical(*address);
    }

    // read descriptor 3 to its end, refusing (never truncating) more than 512 bytes
    Secret input;
    input.str().resize(max_input + 1);
    long got = read_all(3, input.str().data(), max_input + 1);
    if (got < 0) {
        const int err = errno;
        log::fatal(log::with_errno("unable to read descriptor 3", err));
        return err == EBADF ? 2 : 111;
    }
    ::close(3);
    input.str().resize(static_cast<size_t>(got));

    CallerEnv caller{env::get("SMTPAUTHMETHOD"), env::get("SMTPAUTH"), env::get("CHKPW_CRAM"), std::nullopt};
    const bool dovecot = env::get("DOVECOT_VERSION").has_value();
    if (dovecot) caller.dovecot_mech = env::get("AUTH_MECH").value_or("password");
    // Dovecot's userdb lookup: no password, AUTHORIZED=1; answer whether the
    // user exists and may log in, with AUTHORIZED=2
    const bool lookup = dovecot && env::get("AUTHORIZED").value_or("") == "1";
    if (lookup) caller.dovecot_mech = "lookup";
    Request req;
    std::string why;
    switch (parse_request(input.view(), caller, req, why)) {
    case Parse::ok:
        break;
    case Parse::misuse:
        // the user only when it ends with its NUL: without one, the bytes
        // may run on into the password
        if (size_t end = input.view().find('\0'); end != 0 && end != std::string_view::npos)
            attempt.user = log::escape(input.view().substr(0, end));
        report(attempt, "fail", "malformed_" + why);
        return 2;
    case Parse::bad_config:
        log::fatal(why);
        return 111;
    }
    attempt.user = log::escape(req.user);
    attempt.mech = req.mech;
    if (req.user.empty()) {
        attempt.user = "-";
        report(attempt, "fail", "empty_user");
        return 1;
    }
    if (req.kind != Kind::cram && req.password.empty() && !lookup) {
        report(attempt, "fail", "empty_password");
        return 1;
    }
    const std::string key = normalise_user(req.user, env::get("CHKPW_DOMAIN").value_or(""));

    // the throttle answers before any password is looked at, and counts
    // this attempt as a failure in advance (taken back on success)
    std::unique_ptr<Store> store;
    std::optional<ThrottleConfig> tconfig;
    std::optional<Throttle> throttle;
    if (auto state = env::get("CHKPW_STATE"); state && !state->empty() && !lookup) {
        std::string bad;
        tconfig = throttle_config_from_env(bad);
        if (!tconfig) {
            log::fatal("bad " + bad);
            return 111;
        }
        store = open_directory_store(*state);
        throttle.emplace(*store, *tconfig, static_cast<long long>(::time(nullptr)));
        switch (throttle->admit(address, key)) {
        case Gate::open:
            break;
        case Gate::locked:
            report(attempt, "fail", "locked_out");
            return 1;
        case Gate::fault:
            log::fatal("throttle store: " + throttle->error());
            return 111;
        }
    }

    UserDb db;
    std::string path(env::get("CHKPW_USERS").value_or(""));
    if (path.empty()) path = default_users_cdb();
    // a temporary failure is no verdict: take back the advance count
    auto release = [&throttle] {
        if (throttle && !throttle->release()) log::warning("throttle store: " + throttle->error());
    };
    if (!db.open(path)) {
        log::fatal(db.error());
        release();
        return 111;
    }
    std::string fields;
    LookupResult found = db.find(key, fields);
    if (found == LookupResult::fault) {
        log::fatal(db.error());
        release();
        return 111;
    }
    std::optional<UserRecord> record;
    if (found == LookupResult::found) {
        std::string bad;
        record = parse_record(fields, bad);
        OPENSSL_cleanse(fields.data(), fields.size());
        if (!record) {
            log::fatal(path + " holds a bad record (" + bad + "): rebuild it with smtp-auth-mkdb");
            release();
            return 111;
        }
    }

    Outcome outcome = Outcome::bad;
    unsigned char digest[16];
    if (req.kind == Kind::cram) {
        if (!from_hex(req.digest, digest, sizeof digest)) {
            report(attempt, "fail", "malformed_digest");  // counted by admit
            return 1;
        }
        if (record) outcome = verify_cram(record->secret, req.challenge, digest);
        else (void)hmac_md5(req.user, req.challenge);  // the cost of a known user
    } else if (lookup) {
        Scheme scheme = record ? classify(record->secret).scheme : Scheme::empty;
        outcome = scheme == Scheme::locked || scheme == Scheme::empty ? Outcome::disabled : Outcome::ok;
    } else if (record) {
        outcome = verify_password(record->secret, req.password, flag("CHKPW_LEGACY"));
        if (outcome == Outcome::bad && req.kind == Kind::pop && flag("CHKPW_APOP") &&
            from_hex(req.password, digest, sizeof digest)) {
            outcome = verify_apop(record->secret, req.challenge, digest);
            if (outcome == Outcome::ok) attempt.mech = "apop";
            else if (outcome != Outcome::disabled) outcome = Outcome::bad;
        }
    } else {
        dummy_password_work(req.password);
    }
    OPENSSL_cleanse(digest, sizeof digest);
    input.wipe();

    std::string_view reason;
    if (!record) reason = "unknown_user";
    else if (outcome != Outcome::ok) reason = reason_of(outcome);
    else if (record->nologin) reason = "disabled";
    else if (!lookup && !record->allowed_from(address)) reason = "network_not_allowed";  // allow_nets (a passdb field)
    if (!reason.empty()) {
        report(attempt, "fail", reason);  // counted by admit
        return 1;
    }
    if (throttle && !throttle->settle_success(address, key)) log::warning("throttle store: " + throttle->error());
    if (int code = prepare_process(*record, key, dovecot, flag("CHKPW_ALLOWROOT"), req.kind == Kind::pop); code != 0) return code;
    if (lookup && !set("AUTHORIZED", "2")) return 111;
    report(attempt, "ok");
    exec_next(argv + 1);
}

} // namespace qs::auth
