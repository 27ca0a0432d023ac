// What the caller wrote on descriptor 3, taken apart according to who the
// caller is (doc/reference/checkpassword.md): the mechanism comes
// from SMTPAUTHMETHOD, else from SMTPAUTH with the s/qmail layout, else
// from indimail's trailing method byte, else the field layout of POP,
// Dovecot and qmail-smtpd-auth (CRAM-MD5 there only with CHKPW_CRAM).
// Challenge-response is chosen only when CRAM-MD5 is offered and the record
// has exactly the CRAM layout; anything ambiguous is a password or misuse.
#ifndef QSEND_AUTH_REQUEST_H
#define QSEND_AUTH_REQUEST_H

#include <optional>
#include <string>
#include <string_view>

namespace qs::auth {

constexpr size_t max_input = 512;

struct CallerEnv {
    std::optional<std::string_view> smtpauthmethod;  // SMTPAUTHMETHOD
    std::optional<std::string_view> smtpauth;        // SMTPAUTH (s/qmail, sagredo)
    std::optional<std::string_view> cram_order;      // CHKPW_CRAM
    std::optional<std::string_view> dovecot_mech;    // AUTH_MECH, under Dovecot
};

enum class Kind { password, cram, pop };

struct Request {
    Kind kind = Kind::password;
    std::string_view user;
    std::string_view password;   // password, or POP's PASS (maybe an APOP digest)
    std::string_view challenge;  // CRAM challenge, or POP's timestamp
    std::string_view digest;     // CRAM-MD5 response, hex as sent
    std::string mech;            // for the log: login, plain, cram-md5, pop, password
};

enum class Parse { ok, misuse, bad_config };

// bytes: everything read from descriptor 3 (at most max_input). reason
// says why on misuse or bad_config.
Parse parse_request(std::string_view bytes, const CallerEnv& env, Request& out, std::string& reason);

} // namespace qs::auth

#endif
