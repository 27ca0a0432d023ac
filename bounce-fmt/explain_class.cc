// The reason class of one failure: what the failing server said decides
// first (servers use 5.7.1 and 5.5.0 for many things), then the enhanced
// status code (RFC 3463, RFC 7372). The phrases are those of qmail-remote
// and qmail-local (doc/reference/qmail-bounce.md) and of the servers
// whose notices tests/golden/explain holds.
#include "bounce-fmt/explain.h"

#include "lib/ascii.h"

#include <array>

namespace qs::bounce::explain {

namespace {

template <std::size_t N>
bool any_of(std::string_view text, const std::array<std::string_view, N>& phrases)
{
    for (std::string_view p : phrases)
        if (text.find(p) != std::string_view::npos) return true;
    return false;
}

// A refusal of the sender, not of the recipient: the stage Exim, Postfix
// and qmail-remote name.
constexpr std::array<std::string_view, 4> sender_stage_phrases{
    "after mail from", "in reply to mail from", "but sender was rejected",
    "but my name was rejected"};

// Said of the content, before any advice about SPF that may follow.
constexpr std::array<std::string_view, 8> spam_phrases{
    "due to spam", "as spam", "spam classification", "likely unsolicited", "considered spam",
    "looks like spam", "spam content", "spam detected"};

// The mailbox exists but cannot take mail (RFC 3463 x.2.1, x.7.13).
constexpr std::array<std::string_view, 7> disabled_phrases{
    "disabled", "account suspended", "account has been suspended", "mailbox suspended",
    "inactive", "deactivated", "is not active"};

// Sender authentication: SPF, DKIM, DMARC, or a server that wants SMTP AUTH.
constexpr std::array<std::string_view, 14> authentication_phrases{
    "dmarc", "spf ", "spf:", "spf=", "spf check", "spf record", "sender policy framework", "dkim",
    "unauthenticated", "authentication required", "not authenticated", "authentication failed",
    "must be authenticated", "does not pass dmarc"};

constexpr std::array<std::string_view, 16> mailbox_full_phrases{
    "mailbox full", "mailbox is full", "mailbox has exceeded", "mailbox size limit",
    "over quota", "overquota", "over its quota", "quota exceeded", "exceeded storage",
    "exceeds its quota", "disk quota", "mailbox is over", "insufficient storage", "quota full",
    "user is over", "account is full"};

constexpr std::array<std::string_view, 11> too_large_phrases{
    "message size", "size exceeds", "too large", "too big", "message length exceeds",
    "exceeds the maximum", "exceeded the maximum", "size limit", "line limit exceeded",
    "message file too big", "mail size"};

constexpr std::array<std::string_view, 34> user_unknown_phrases{
    "no mailbox here by that name", "user unknown", "unknown user", "no such user",
    "user not found", "user doesn't exist", "user does not exist", "recipient not found",
    "recipnotfound", "recipientnotfound", "unknown recipient", "recipient unknown",
    "no such recipient", "invalid recipient", "recipient name is not recognized",
    "recipient not found", "mailbox not found", "mailbox unavailable", "no such mailbox",
    "mailbox does not exist", "address does not exist", "account does not exist",
    "account that you tried to reach does not exist", "address couldn't be found",
    "address wasn't found", "address wasn\x92t found", "not a valid mailbox",
    "invalid mailbox", "unknown local part", "no mailbox", "unknown address",
    "user unknown in", "user not exist", "user doesn't have"};

constexpr std::array<std::string_view, 18> host_unknown_phrases{
    "domain is not reachable", "dns error", "does not accept mail",
    "couldn't find any host named", "host not found", "host unknown", "unknown host",
    "domain not found", "domain does not exist", "no such domain", "name service error",
    "couldn't find a mail exchanger", "no mx", "nxdomain", "must include host name",
    "domain name not found", "unrouteable address", "host or domain name not found"};

constexpr std::array<std::string_view, 19> timeout_phrases{
    "did not accept our requests to connect", "rate limit", "receiving mail at a rate", "too many connections", "try again later",
    "no smtp connection got far enough", "wasn't able to establish an smtp connection",
    "timed out", "timeout", "connection refused", "could not connect", "couldn't connect",
    "unable to connect", "network is unreachable", "no route to host", "host unreachable",
    "lost connection", "not responding", "retry time"};

// A message that stayed in a queue until it expired: what qmail-send
// appends to the last deferral of every such message, so it decides only
// when nothing else in the report does.
constexpr std::array<std::string_view, 6> expired_phrases{
    "failing for a long time",
    "been in the queue too long", "too long in the queue", "delivery time expired",
    "could not be delivered within", "expired"};

constexpr std::array<std::string_view, 37> policy_phrases{
    "refused to talk to me", "sender", "forbidden", "rdns", "invalid", "block list", "mismatch", "too many recipients", "violation", "ptr record", "ptr resource record", "reverse dns",
    "sender address rejected", "spam", "blocked", "blacklist", "blocklist", "black list", "listed", "rbl", "dnsbl",
    "policy", "reputation", "rejected", "denied", "refused", "not allowed", "not permitted",
    "relay", "virus", "malware", "content", "filter", "prohibited", "banned", "abuse",
    "not accepted"};

// Code subjects and details (RFC 3463, RFC 7372).
struct Code {
    int subject = -1;
    int detail = -1;
};

Code parse(std::string_view status)
{
    Code c;
    auto first = status.find('.');
    auto second = first == std::string_view::npos ? first : status.find('.', first + 1);
    if (second == std::string_view::npos) return c;
    auto number = [](std::string_view s) {
        int n = 0;
        if (s.empty() || s.size() > 3) return -1;
        for (char ch : s) {
            if (ch < '0' || ch > '9') return -1;
            n = n * 10 + (ch - '0');
        }
        return n;
    };
    c.subject = number(status.substr(first + 1, second - first - 1));
    c.detail = number(status.substr(second + 1));
    return c;
}

std::optional<Class> by_code(std::string_view status)
{
    Code c = parse(status);
    if (c.subject == 1 && (c.detail == 1 || c.detail == 10)) return Class::user_unknown;
    // x.1.3: qmail's "address must include host name".
    if (c.subject == 1 && (c.detail == 2 || c.detail == 3)) return Class::host_unknown;
    if (c.subject == 2 && c.detail == 2) return Class::mailbox_full;
    if ((c.subject == 2 && c.detail == 3) || (c.subject == 3 && c.detail == 4)) return Class::too_large;
    if (c.subject == 3 && c.detail == 2) return Class::timeout;  // not accepting messages now
    if (c.subject == 4 && c.detail == 4) return Class::host_unknown;
    if (c.subject == 4 && (c.detail == 1 || c.detail == 2 || c.detail == 7)) return Class::timeout;
    // A failing directory or routing server, a loop, a broken system: the
    // sender can do nothing about these, even when the message expired.
    if ((c.subject == 4 && (c.detail == 3 || c.detail == 6)) || (c.subject == 3 && c.detail != 4))
        return Class::other;
    if (c.subject == 6) return Class::policy;  // the content was refused
    if (c.subject == 7) {
        if ((c.detail >= 20 && c.detail <= 24) || c.detail == 26 || c.detail == 8 ||
            c.detail == 509 || c.detail == 515)
            return Class::authentication;
        return Class::policy;
    }
    return std::nullopt;
}

} // namespace

std::string_view class_name(Class c)
{
    switch (c) {
    case Class::user_unknown: return "user_unknown";
    case Class::host_unknown: return "host_unknown";
    case Class::mailbox_full: return "mailbox_full";
    case Class::policy: return "policy";
    case Class::authentication: return "authentication";
    case Class::too_large: return "too_large";
    case Class::timeout: return "timeout";
    case Class::other: return "other";
    }
    return "other";
}

Class classify(std::string_view status, std::string_view diagnostic)
{
    std::string text = ascii::lowered(diagnostic);
    Code c = parse(status);
    // The codes that only ever mean one thing decide before the words.
    if (c.subject == 7 && ((c.detail >= 20 && c.detail <= 24) || c.detail == 26))
        return Class::authentication;
    if (c.subject == 2 && c.detail == 2) return Class::mailbox_full;
    // The sender's address is refused (x.1.7 bad, x.1.8 bad system).
    if (c.subject == 1 && (c.detail == 7 || c.detail == 8)) return Class::policy;
    // Microsoft's directory-based edge blocking refuses unknown recipients so.
    if (text.find("recipient address rejected: access denied") != std::string::npos)
        return Class::user_unknown;
    if (c.subject == 7 && c.detail == 13) return Class::other;
    if (any_of(text, spam_phrases)) return Class::policy;
    if (any_of(text, authentication_phrases)) return Class::authentication;
    if (any_of(text, mailbox_full_phrases)) return Class::mailbox_full;
    if (any_of(text, too_large_phrases)) return Class::too_large;
    if (any_of(text, sender_stage_phrases)) return Class::policy;
    if (any_of(text, disabled_phrases)) return Class::other;
    if (any_of(text, user_unknown_phrases)) return Class::user_unknown;
    if (any_of(text, host_unknown_phrases)) return Class::host_unknown;
    if (auto by = by_code(status)) return *by;
    if (any_of(text, timeout_phrases)) return Class::timeout;
    if (any_of(text, policy_phrases)) return Class::policy;
    if (any_of(text, expired_phrases)) return Class::timeout;
    return Class::other;
}

} // namespace qs::bounce::explain
