// libFuzzer target: smtp-auth-checkpassword's parse_request, the bytes a
// caller writes on descriptor 3, then the CRAM-MD5 and APOP digests in
// them as the checker takes them (hex::decode, verify_cram). The first byte
// picks the caller's environment (SMTPAUTHMETHOD, SMTPAUTH, CHKPW_CRAM,
// AUTH_MECH) from the values callers set; the rest is descriptor 3.
#include "lib/hex.h"
#include "smtp-auth-checkpassword/request.h"
#include "smtp-auth-checkpassword/scheme.h"
#include "tests/fuzz/input.h"

#include <optional>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size == 0) return 0;
    using opt = std::optional<std::string_view>;
    static const opt methods[] = {std::nullopt, "login", "plain", "cram-md5"};
    static const opt smtpauths[] = {std::nullopt, "", "+cram", "cram"};
    static const opt orders[] = {std::nullopt, "digest-challenge", "challenge-digest", "bogus"};
    static const opt mechs[] = {std::nullopt, "PLAIN", "CRAM-MD5", "LOGIN"};
    const unsigned s = data[0];
    qs::auth::CallerEnv env{methods[s & 3], smtpauths[s >> 2 & 3], orders[s >> 4 & 3], mechs[s >> 6 & 3]};
    std::string_view bytes = fuzz::text(data + 1, size - 1);
    qs::auth::Request r;
    std::string reason;
    if (qs::auth::parse_request(bytes, env, r, reason) != qs::auth::Parse::ok) return 0;
    // every field is a piece of what was read
    for (std::string_view f : {r.user, r.password, r.challenge, r.digest})
        fuzz::require(f.empty() || (f.data() >= bytes.data() && f.data() + f.size() <= bytes.data() + bytes.size()));
    unsigned char digest[16];
    if (r.kind == qs::auth::Kind::cram && qs::hex::decode(r.digest, digest, sizeof digest))
        qs::auth::verify_cram("{PLAIN}secret", r.challenge, digest);
    if (r.kind == qs::auth::Kind::pop && qs::hex::decode(r.password, digest, sizeof digest))
        qs::auth::verify_apop("{PLAIN}secret", r.challenge, digest);
    return 0;
}
