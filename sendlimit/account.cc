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

#include "lib/env.h"
#include "lib/ipaddr.h"

namespace qs::sendlimit {

namespace {
std::optional<std::string> non_empty(const char* name)
{
    auto v = env::get(name);
    if (!v || v->empty()) return std::nullopt;
    return std::string(*v);
}

std::string capped(std::string_view name) { return std::string(name.substr(0, max_account)); }
} // namespace

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

} // namespace qs::sendlimit
