// The secret field of a users-file record: which scheme it is, and how a
// password, a CRAM-MD5 response or an APOP digest is checked against it.
// The stored scheme alone decides; input is never compared with a stored
// hash as if that were the plaintext.
#ifndef QSEND_AUTH_SCHEME_H
#define QSEND_AUTH_SCHEME_H

#include "lib/result.h"

#include <string>
#include <string_view>

namespace qs::auth {

enum class Scheme { crypt, plain, plain_b64, cram_md5, locked, empty, unsupported };

struct StoredSecret {
    Scheme scheme = Scheme::unsupported;
    std::string_view value;  // after any {PREFIX}
};

// Dovecot prefixes are matched without regard to case: {PLAIN}, {PLAIN.b64},
// {CRAM-MD5}, {CRYPT}, {SHA512-CRYPT}, {SHA256-CRYPT}, {BLF-CRYPT},
// {MD5-CRYPT}, {DES-CRYPT}; no prefix means crypt. '!' or '*' first: locked.
StoredSecret classify(std::string_view secret);
// For smtp-auth-mkdb: a fault says why the secret cannot be used.
Status check_secret_syntax(std::string_view secret);
// A crypt hash libxcrypt calls legacy: refused at login without CHKPW_LEGACY=1.
bool is_legacy_hash(std::string_view secret);

enum class Outcome { ok, bad, disabled, legacy, unsupported };

// A password (PLAIN, LOGIN, POP USER/PASS, Dovecot). Every refusal costs at
// least dummy_password_work: schemes other than yescrypt pay it on top.
Outcome verify_password(std::string_view secret, std::string_view password, bool legacy_ok);
// A CRAM-MD5 response: the 16 raw bytes the client sent.
Outcome verify_cram(std::string_view secret, std::string_view challenge, const unsigned char* response);
// An APOP response, MD5(timestamp secret) as 16 raw bytes; needs a {PLAIN} secret.
Outcome verify_apop(std::string_view secret, std::string_view timestamp, const unsigned char* response);
// The work a wrong password for a yescrypt user costs, for unknown, locked
// and disabled accounts and on top of cheaper schemes, so timing does not
// tell them apart.
void dummy_password_work(std::string_view password);
// How often this process has paid dummy_password_work: lets a test check
// that a refusal paid it without timing anything.
unsigned long dummy_password_work_done();

// For the refusal floor (smtp-auth-mkdb.8): the part of a crypt secret
// that decides its cost ("$2y$12$", "$y$j9T$", "$6$rounds=N$", "$5$"), ""
// for other schemes (cheaper than dummy_password_work).
std::string cost_setting(std::string_view secret);
// The cost setting of dummy_password_work ("$y$j9T$").
std::string dummy_cost_setting();
// A hash with the salt and cost of a crypt secret (or of the dummy setting
// when like is empty) for a random password nobody knows; "" when libcrypt
// refuses it.
std::string unknowable_hash(std::string_view like);

bool base64_decode(std::string_view in, std::string& out);

} // namespace qs::auth

#endif
