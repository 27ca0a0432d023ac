#include "smtp-auth-checkpassword/checkpassword.h"

#include "lib/digest.h"
#include "lib/exec.h"
#include "lib/fd.h"
#include "lib/hex.h"
#include "lib/log.h"
#include "lib/store.h"
#include "smtp-auth-checkpassword/request.h"
#include "smtp-auth-checkpassword/scheme.h"
#include "smtp-auth-checkpassword/secret.h"
#include "smtp-auth-checkpassword/throttle.h"

#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <grp.h>
#include <memory>
#include <optional>
#include <unistd.h>

namespace qs::auth {

namespace {
// What the one log line of an attempt says about it.
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

bool set(const char* name, std::string_view value)
{
    return ::setenv(name, std::string(value).c_str(), 1) == 0;
}

// Under Dovecot: checkpassword-reply turns HOME into userdb_home and
// passes the variables EXTRA names (its own uid and gid only when we do not).
int hand_identity_to_dovecot(const UserRecord& r, std::string_view user, const Config& config)
{
    if (!r.has_identity()) return 0;
    // Dovecot switches to userdb_uid itself: the same rule as our setuid
    if (*r.uid == 0 && !config.allow_root) {
        log::line("fail user=" + log::escape(user) + " reason=uid_0_refused");
        return 1;
    }
    std::string extra = config.extra.value_or("");
    if (!extra.empty()) extra += ' ';
    extra += "userdb_uid userdb_gid";
    if (!set("userdb_uid", std::to_string(*r.uid)) || !set("userdb_gid", std::to_string(*r.gid)) ||
        !set("HOME", r.home) || !set("EXTRA", extra))
        return 111;
    return 0;
}

int switch_to_user(const UserRecord& r)
{
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

// One login attempt, step by step. Each step returns 0 to go on, or the
// exit code after it logged why not.
class Login {
public:
    explicit Login(const Config& config) : config_(config)
    {
        if (config.client.variable) attempt_.ip = config.client.for_log();
    }
    int run(char** next);

private:
    int read_input();
    int parse_input();
    int admit();
    int find_user();
    int verify();
    int conclude(char** next);
    void release();
    int store_fault(const std::string& why);
    void check_password();

    const Config& config_;
    const std::optional<Address>& address_ = config_.client.address;
    Attempt attempt_;
    Secret input_;
    Request request_;
    std::string key_;  // the user as the database and the throttle know it
    std::unique_ptr<Store> store_;
    ThrottleConfig throttle_config_;
    std::optional<Throttle> throttle_;
    std::optional<UserRecord> record_;
    std::optional<RefusalFloor> floor_;  // from the database, when it has one
    struct timespec checked_from_ {};    // when the password step began
    bool checked_ = false;
    Outcome outcome_ = Outcome::bad;
};

int Login::run(char** next)
{
    for (auto step : {&Login::read_input, &Login::parse_input, &Login::admit, &Login::find_user, &Login::verify})
        if (int code = (this->*step)(); code != 0) return code;
    return conclude(next);
}

// Descriptor 3 to its end, refusing (never truncating) more than 512 bytes.
int Login::read_input()
{
    input_.str().resize(max_input + 1);
    long got = read_all(3, input_.str().data(), max_input + 1);
    if (got < 0) {
        const int err = errno;
        log::fatal(log::with_errno("unable to read descriptor 3", err));
        return err == EBADF ? 2 : 111;
    }
    ::close(3);
    input_.str().resize(static_cast<size_t>(got));
    return 0;
}

int Login::parse_input()
{
    std::string why;
    switch (parse_request(input_.view(), config_.caller, request_, why)) {
    case Parse::ok:
        break;
    case Parse::misuse:
        // the user only when it ends with its NUL: without one, the bytes
        // may run on into the password
        if (size_t end = input_.view().find('\0'); end != 0 && end != std::string_view::npos)
            attempt_.user = log::escape(input_.view().substr(0, end));
        report(attempt_, "fail", "malformed_" + why);
        return 2;
    case Parse::bad_config:
        log::fatal(why);
        return 111;
    }
    attempt_.user = request_.user.empty() ? "-" : log::escape(request_.user);
    attempt_.mech = request_.mech;
    if (request_.user.empty()) {
        report(attempt_, "fail", "empty_user");
        return 1;
    }
    if (request_.kind != Kind::cram && request_.password.empty() && !config_.lookup) {
        report(attempt_, "fail", "empty_password");
        return 1;
    }
    key_ = normalise_user(request_.user, config_.domain);
    return 0;
}

// The throttle answers before any password is looked at, and counts this
// attempt as a failure in advance (taken back on success).
int Login::admit()
{
    if (config_.state.empty() || config_.lookup) return 0;
    auto settings = throttle_config(config_.throttle);
    if (!settings) {
        log::fatal(settings.fault().text);
        return 111;
    }
    if (!config_.store_fault) {
        log::fatal("bad CHKPW_STORE_FAULT (open or tempfail)");
        return 111;
    }
    throttle_config_ = std::move(*settings);
    auto store = open_throttle_store(config_.state, config_.state_variable);
    if (!store) return store_fault(store.fault().text);
    store_ = std::move(*store);
    throttle_.emplace(*store_, throttle_config_, static_cast<long long>(::time(nullptr)));
    auto gate = throttle_->admit(address_, key_);
    if (!gate) {
        throttle_.reset();  // admit took back what it counted
        return store_fault("throttle store: " + gate.fault().text);
    }
    if (*gate == Gate::locked) {
        report(attempt_, "fail", "locked_out");
        return 1;
    }
    return 0;
}

// The throttle cannot count: CHKPW_STORE_FAULT=tempfail exits 111; open
// (the default) checks the password without counting, in one line saying so.
int Login::store_fault(const std::string& why)
{
    if (*config_.store_fault == StoreFault::tempfail) {
        log::fatal(why);
        return 111;
    }
    log::warning(why + ": the throttle could not count, checking without it (CHKPW_STORE_FAULT=open)");
    return 0;
}

// A temporary failure is no verdict: takes back the advance count.
void Login::release()
{
    if (!throttle_) return;
    if (Status s = throttle_->release(); !s) log::warning("throttle store: " + s.fault().text);
}

int Login::find_user()
{
    UserDb db;
    std::string fields;
    LookupResult found = LookupResult::fault;
    if (db.open(config_.users)) found = db.find(key_, fields);
    if (found != LookupResult::fault && !config_.lookup) {
        std::string floor;
        LookupResult has = db.find(refusal_floor_key, floor);
        if (has == LookupResult::fault) found = has;
        else if (has == LookupResult::found) floor_ = decode_refusal_floor(floor);  // a bad one: as without
    }
    if (found == LookupResult::fault) {
        log::fatal(db.error());
        release();
        return 111;
    }
    if (found == LookupResult::absent) return 0;
    auto record = parse_record(fields);
    digest::wipe(fields.data(), fields.size());
    if (!record) {
        log::fatal(config_.users + " holds a bad record (" + record.fault().text + "): rebuild it with smtp-auth-mkdb");
        release();
        return 111;
    }
    record_ = std::move(*record);
    return 0;
}

// A password, and under POP with CHKPW_APOP an APOP digest in its place.
void Login::check_password()
{
    outcome_ = verify_password(record_->secret, request_.password, config_.legacy);
    unsigned char response[16];
    if (outcome_ == Outcome::bad && request_.kind == Kind::pop && config_.apop &&
        hex::decode(request_.password, response, sizeof response)) {
        outcome_ = verify_apop(record_->secret, request_.challenge, response);
        if (outcome_ == Outcome::ok) attempt_.mech = "apop";
        else if (outcome_ != Outcome::disabled) outcome_ = Outcome::bad;
    }
    digest::wipe(response, sizeof response);
}

int Login::verify()
{
    ::clock_gettime(CLOCK_MONOTONIC, &checked_from_);
    checked_ = true;
    if (request_.kind == Kind::cram) {
        unsigned char response[16];
        if (!hex::decode(request_.digest, response, sizeof response)) {
            digest::wipe(response, sizeof response);
            report(attempt_, "fail", "malformed_digest");  // counted by admit
            return 1;
        }
        if (record_) outcome_ = verify_cram(record_->secret, request_.challenge, response);
        else (void)digest::hmac_md5(request_.user, request_.challenge);  // the cost of a known user
        digest::wipe(response, sizeof response);
    } else if (config_.lookup) {
        Scheme scheme = record_ ? classify(record_->secret).scheme : Scheme::empty;
        outcome_ = scheme == Scheme::locked || scheme == Scheme::empty ? Outcome::disabled : Outcome::ok;
    } else if (record_) {
        check_password();
    } else if (floor_) {
        // a wrong password for the costliest secret in the database: the
        // CPU an unknown user costs is a real check's (the hash is of a
        // random password; no user, so never a success either way)
        (void)verify_password(floor_->hash, request_.password, true);
    } else {
        dummy_password_work(request_.password);
    }
    input_.wipe();
    return 0;
}

int Login::conclude(char** next)
{
    std::string_view reason;
    if (!record_) reason = "unknown_user";
    else if (outcome_ != Outcome::ok) reason = reason_of(outcome_);
    else if (record_->nologin) reason = "disabled";
    else if (!config_.lookup && !record_->allowed_from(address_)) reason = "network_not_allowed";  // allow_nets (a passdb field)
    if (!reason.empty()) {
        report(attempt_, "fail", reason);  // counted by admit
        // Whether an account exists must not show in timing: a refusal
        // after the password step (unknown user, wrong password, locked or
        // disabled account) lasts at least the refusal floor, what a wrong
        // password costs for the costliest secret in the database. A
        // success is never delayed: its client knows the password.
        if (checked_ && floor_) sleep_until(deadline_after(checked_from_, floor_->micros));
        return 1;
    }
    if (throttle_)
        if (Status s = throttle_->settle_success(address_, key_); !s) log::warning("throttle store: " + s.fault().text);
    if (int code = prepare_process(*record_, key_, config_, request_.kind == Kind::pop); code != 0) return code;
    if (config_.lookup && !set("AUTHORIZED", "2")) return 111;
    report(attempt_, "ok");
    exec_next(next);
}
} // namespace

int prepare_process(const UserRecord& r, std::string_view user, const Config& config, bool pop)
{
    if (!set("USER", user)) return 111;
    if (config.dovecot) return hand_identity_to_dovecot(r, user, config);
    if (::geteuid() != 0) return 0;
    if (!r.has_identity()) {
        // qmail-popup's chain as root: PROG (qmail-pop3d) would run as root
        if (pop && !config.allow_root) {
            log::line("fail user=" + log::escape(user) + " reason=no_identity_as_root");
            return 1;
        }
        return 0;
    }
    if (*r.uid == 0 && !config.allow_root) {
        log::line("fail user=" + log::escape(user) + " reason=uid_0_refused");
        return 1;
    }
    return switch_to_user(r);
}

int check_and_exec(const Config& config, char** next) { return Login(config).run(next); }

} // namespace qs::auth
