// Who sends a message, from qmail-smtpd's environment.
//
// What the AUTH patches leave in the environment qmail-queue sees (read in
// their qmail-smtpd.c):
// - Erwin Hoffmann's qmail-authentication (sagredo's qmail, netqmail
//   based): TCPREMOTEINFO, SMTPAUTHUSER and SMTP_AUTH_USER set to the
//   user, RELAYCLIENT="" exported;
// - s/qmail: TCPREMOTEINFO and AUTHUSER (with AUTHPROTOCOL) set; its
//   relaying is internal, RELAYCLIENT is not exported;
// - qmail-toaster style patches: TCPREMOTEINFO and SMTP_AUTH_USER;
// - the plain netqmail/notqmail AUTH patch: TCPREMOTEINFO and an exported
//   RELAYCLIENT, no marker of its own.
// Every one of them also copies MAIL FROM's AUTH=... parameter into
// TCPREMOTEINFO when no AUTH happened (and TCPREMOTEINFO was unset), and
// tcpserver without -R puts the client's own ident answer there. So
// TCPREMOTEINFO alone names whoever the client says, and is believed only
// for relayed mail and only after the user relaylock recorded.
#include "sendlimit/sendlimit.h"

#include "lib/ascii.h"
#include "lib/ipaddr.h"

namespace qs::sendlimit {

namespace {
std::string capped(std::string_view name) { return std::string(name.substr(0, max_account)); }
} // namespace

Sender identify(const Session& s)
{
    Sender out;
    std::optional<Address> client;
    if (s.remoteip) client = parse_address(*s.remoteip);
    if (client) out.network = canonical(prefix_of(*client, client->v4 ? 24 : 48));
    if (s.auth_marker) {
        out.counted = true;
        out.account = capped(*s.auth_marker);
        out.source = "auth";
        return out;
    }
    if (!s.relayclient) return out;  // inbound: qmail-smtpd did not relay it
    out.counted = true;
    if (s.relaylock_user) {
        out.account = capped(*s.relaylock_user);
        out.source = "relaylock";
    } else if (s.remoteinfo) {
        out.account = capped(*s.remoteinfo);
        out.source = "remoteinfo";
    } else if (client) {
        out.account = "[" + canonical(client_block(*client, 64)) + "]";
        out.source = "address";
    } else {
        out.account = "[unknown]";
        out.source = "address";
    }
    return out;
}

namespace {
std::string_view domain_of(std::string_view address)
{
    auto at = address.rfind('@');
    return at == std::string_view::npos ? std::string_view() : address.substr(at);
}
} // namespace

bool sender_allowed(Config::Senders mode, const Sender& who, std::string_view sender, std::string_view file_text)
{
    if (mode == Config::Senders::any || sender.empty() || who.source == "address") return true;
    const std::string_view own_domain = domain_of(who.account);
    if (own_domain.empty()) return true;  // a bare user name names no domain
    const std::string from = ascii::lowered(sender);
    if (from == ascii::lowered(who.account)) return true;
    if (mode == Config::Senders::exact) return false;
    if (ascii::lowered(domain_of(from)) == ascii::lowered(own_domain) && !domain_of(from).empty()) return true;
    if (mode == Config::Senders::domain) return false;
    const std::string account = ascii::lowered(who.account);
    while (!file_text.empty()) {
        size_t end = file_text.find('\n');
        std::string_view line = file_text.substr(0, end);
        file_text.remove_prefix(end == std::string_view::npos ? file_text.size() : end + 1);
        const std::vector<std::string_view> words = words_of(line, " \t\r");
        if (words.empty() || words[0].starts_with("#") || ascii::lowered(words[0]) != account) continue;
        for (size_t i = 1; i < words.size(); ++i) {
            const std::string allowed = ascii::lowered(words[i]);
            if (allowed == from || (allowed.starts_with("@") && allowed == domain_of(from))) return true;
        }
    }
    return false;
}

} // namespace qs::sendlimit
