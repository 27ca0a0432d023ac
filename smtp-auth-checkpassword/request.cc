#include "smtp-auth-checkpassword/request.h"

#include "lib/ascii.h"

#include <vector>

namespace qs::auth {

namespace {

enum class Order { digest_challenge, challenge_digest };

bool cram_fields(const std::vector<std::string_view>& f, Order order, Request& out)
{
    if (f.size() != 3 || f[1].empty() || f[2].empty()) return false;
    out.kind = Kind::cram;
    out.mech = "cram-md5";
    out.digest = order == Order::digest_challenge ? f[1] : f[2];
    out.challenge = order == Order::digest_challenge ? f[2] : f[1];
    return true;
}

// user\0pass\0 or user\0pass\0\0: nothing else is a password record.
bool password_fields(const std::vector<std::string_view>& f, Request& out)
{
    if (f.size() == 3 && !f[2].empty()) return false;
    if (f.size() != 2 && f.size() != 3) return false;
    out.kind = Kind::password;
    out.password = f[1];
    return true;
}
} // namespace

Parse parse_request(std::string_view bytes, const CallerEnv& env, Request& out, std::string& reason)
{
    out = Request{};
    if (bytes.size() > max_input) {
        reason = "more_than_512_bytes";
        return Parse::misuse;
    }
    if (bytes.empty() || bytes.back() != '\0') {
        reason = "no_final_nul";
        return Parse::misuse;
    }
    std::vector<std::string_view> f;
    for (std::string_view rest = bytes; !rest.empty();) {
        size_t nul = rest.find('\0');
        f.push_back(rest.substr(0, nul));
        rest.remove_prefix(nul + 1);
    }
    if (f.size() < 2) {
        reason = "one_field";
        return Parse::misuse;
    }
    out.user = f[0];

    std::optional<Order> configured;
    if (env.cram_order) {
        if (*env.cram_order == "digest-challenge") configured = Order::digest_challenge;
        else if (*env.cram_order == "challenge-digest") configured = Order::challenge_digest;
        else if (!env.cram_order->empty()) {
            reason = "CHKPW_CRAM must be digest-challenge or challenge-digest";
            return Parse::bad_config;
        }
    }
    const bool cram_configured = configured.has_value();
    reason = "layout";

    if (env.smtpauthmethod) {
        std::string m = ascii::lowered(*env.smtpauthmethod);
        if (m == "login" || m == "plain") {
            out.mech = m;
            return password_fields(f, out) ? Parse::ok : Parse::misuse;
        }
        if (m == "cram-md5")
            return cram_fields(f, configured.value_or(Order::digest_challenge), out) ? Parse::ok : Parse::misuse;
        reason = "unknown_SMTPAUTHMETHOD";
        return Parse::misuse;
    }
    if (env.smtpauth) {
        // s/qmail, sagredo: with CRAM offered a password record has an
        // empty third field and a CRAM record never does; without it a
        // password record has two fields. The caller's own statement of
        // what it offers wins over CHKPW_CRAM, which only orders the
        // fields here: a shared envdir must not turn a LOGIN-only
        // service's user name into a replayable CRAM-MD5 exchange.
        const bool offered = ascii::lowered(*env.smtpauth).find("cram") != std::string::npos;
        out.mech = "password";
        if (f.size() == 3 && !f[2].empty()) {
            if (!offered) return Parse::misuse;
            return cram_fields(f, configured.value_or(Order::digest_challenge), out) ? Parse::ok : Parse::misuse;
        }
        if (f.size() == 3 && !offered) return Parse::misuse;
        return password_fields(f, out) ? Parse::ok : Parse::misuse;
    }
    if (env.dovecot_mech) {
        out.mech = ascii::lowered(*env.dovecot_mech);
        return password_fields(f, out) ? Parse::ok : Parse::misuse;
    }
    // indimail: the caller appends its own method byte as the last field
    if (f.size() == 4 && f[3].size() == 1 && f[3][0] >= 1 && f[3][0] <= 3) {
        if (f[3][0] == 3) {
            // A client whose LOGIN user name carries NULs can write this
            // byte too (a 2-field caller appends only "\0pass\0"): a
            // challenge-response is verified only when CHKPW_CRAM says
            // this caller offers CRAM-MD5.
            if (!cram_configured) return Parse::misuse;
            std::vector<std::string_view> three(f.begin(), f.begin() + 3);
            return cram_fields(three, *configured, out) ? Parse::ok : Parse::misuse;
        }
        out.mech = f[3][0] == 1 ? "login" : "plain";
        if (!f[2].empty()) return Parse::misuse;
        out.kind = Kind::password;
        out.password = f[1];
        return Parse::ok;
    }
    // qmail-popup, Dovecot, qmail-smtpd-auth 0.31, cmd5checkpw
    if (f.size() == 3 && !f[2].empty()) {
        if (cram_configured) return cram_fields(f, *configured, out) ? Parse::ok : Parse::misuse;
        out.kind = Kind::pop;
        out.mech = "pop";
        out.password = f[1];
        out.challenge = f[2];
        return Parse::ok;
    }
    out.mech = "password";
    return password_fields(f, out) ? Parse::ok : Parse::misuse;
}

} // namespace qs::auth
