#include "smtp-auth-checkpassword/request.h"

#include "lib/ascii.h"

#include <vector>

namespace qs::auth {

namespace {
enum class Order { digest_challenge, challenge_digest };
using Fields = std::vector<std::string_view>;

Parse verdict(bool layout_ok) { return layout_ok ? Parse::ok : Parse::misuse; }

bool cram_fields(const Fields& f, Order order, Request& out)
{
    if (f.size() != 3 || f[1].empty() || f[2].empty()) return false;
    out.kind = Kind::cram;
    out.mech = "cram-md5";
    out.digest = order == Order::digest_challenge ? f[1] : f[2];
    out.challenge = order == Order::digest_challenge ? f[2] : f[1];
    return true;
}

// user\0pass\0 or user\0pass\0\0: nothing else is a password record.
bool password_fields(const Fields& f, Request& out)
{
    if (f.size() == 3 && !f[2].empty()) return false;
    if (f.size() != 2 && f.size() != 3) return false;
    out.kind = Kind::password;
    out.password = f[1];
    return true;
}
// The NUL-terminated fields, at least two; false with the reason of misuse.
bool split_fields(std::string_view bytes, Fields& f, std::string& reason)
{
    if (bytes.size() > max_input) {
        reason = "more_than_512_bytes";
        return false;
    }
    if (bytes.empty() || bytes.back() != '\0') {
        reason = "no_final_nul";
        return false;
    }
    for (std::string_view rest = bytes; !rest.empty();) {
        size_t nul = rest.find('\0');
        f.push_back(rest.substr(0, nul));
        rest.remove_prefix(nul + 1);
    }
    if (f.size() < 2) {
        reason = "one_field";
        return false;
    }
    return true;
}

// CHKPW_CRAM: nullopt when unset or empty; false with the reason when bad.
bool cram_order(std::optional<std::string_view> text, std::optional<Order>& out, std::string& reason)
{
    if (!text || text->empty()) return true;
    if (*text == "digest-challenge") out = Order::digest_challenge;
    else if (*text == "challenge-digest") out = Order::challenge_digest;
    else {
        reason = "CHKPW_CRAM must be digest-challenge or challenge-digest";
        return false;
    }
    return true;
}

Parse by_smtpauthmethod(std::string_view method, const Fields& f, std::optional<Order> configured, Request& out,
                        std::string& reason)
{
    std::string m = ascii::lowered(method);
    if (m == "login" || m == "plain") {
        out.mech = m;
        return verdict(password_fields(f, out));
    }
    if (m == "cram-md5") return verdict(cram_fields(f, configured.value_or(Order::digest_challenge), out));
    reason = "unknown_SMTPAUTHMETHOD";
    return Parse::misuse;
}

// s/qmail, sagredo: with CRAM offered a password record has an empty
// third field and a CRAM record never does; without it a password record
// has two fields. The caller's own statement of what it offers wins over
// CHKPW_CRAM, which only orders the fields here: a shared envdir must not
// turn a LOGIN-only service's user name into a replayable CRAM-MD5 exchange.
Parse by_smtpauth(std::string_view smtpauth, const Fields& f, std::optional<Order> configured, Request& out)
{
    const bool offered = ascii::lowered(smtpauth).find("cram") != std::string::npos;
    out.mech = "password";
    if (f.size() == 3 && !f[2].empty()) {
        if (!offered) return Parse::misuse;
        return verdict(cram_fields(f, configured.value_or(Order::digest_challenge), out));
    }
    if (f.size() == 3 && !offered) return Parse::misuse;
    return verdict(password_fields(f, out));
}

// indimail: the caller appends its own method byte as the last field.
bool indimail_layout(const Fields& f) { return f.size() == 4 && f[3].size() == 1 && f[3][0] >= 1 && f[3][0] <= 3; }

Parse by_indimail(const Fields& f, std::optional<Order> configured, Request& out)
{
    if (f[3][0] == 3) {
        // A client whose LOGIN user name carries NULs can write this
        // byte too (a 2-field caller appends only "\0pass\0"): a
        // challenge-response is verified only when CHKPW_CRAM says
        // this caller offers CRAM-MD5.
        if (!configured) return Parse::misuse;
        Fields three(f.begin(), f.begin() + 3);
        return verdict(cram_fields(three, *configured, out));
    }
    out.mech = f[3][0] == 1 ? "login" : "plain";
    if (!f[2].empty()) return Parse::misuse;
    out.kind = Kind::password;
    out.password = f[1];
    return Parse::ok;
}

// qmail-popup, Dovecot, qmail-smtpd-auth 0.31, cmd5checkpw
Parse by_field_layout(const Fields& f, std::optional<Order> configured, Request& out)
{
    if (f.size() == 3 && !f[2].empty()) {
        if (configured) return verdict(cram_fields(f, *configured, out));
        out.kind = Kind::pop;
        out.mech = "pop";
        out.password = f[1];
        out.challenge = f[2];
        return Parse::ok;
    }
    out.mech = "password";
    return verdict(password_fields(f, out));
}
} // namespace

Parse parse_request(std::string_view bytes, const CallerEnv& env, Request& out, std::string& reason)
{
    out = Request{};
    Fields f;
    if (!split_fields(bytes, f, reason)) return Parse::misuse;
    out.user = f[0];
    std::optional<Order> configured;
    if (!cram_order(env.cram_order, configured, reason)) return Parse::bad_config;
    reason = "layout";
    if (env.smtpauthmethod) return by_smtpauthmethod(*env.smtpauthmethod, f, configured, out, reason);
    if (env.smtpauth) return by_smtpauth(*env.smtpauth, f, configured, out);
    if (env.dovecot_mech) {
        out.mech = ascii::lowered(*env.dovecot_mech);
        return verdict(password_fields(f, out));
    }
    if (indimail_layout(f)) return by_indimail(f, configured, out);
    return by_field_layout(f, configured, out);
}

} // namespace qs::auth
