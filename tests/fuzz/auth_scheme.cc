// libFuzzer target: smtp-auth-checkpassword's stored secrets, "{SCHEME}value"
// as a users-file record holds them: check_secret_syntax (classify, the
// {PLAIN.b64} base64 decoder, {CRAM-MD5}'s hex, libxcrypt's salt check),
// then a CRAM-MD5 response checked against the secret (verify_cram, cheap:
// no password hashing).
#include "smtp-auth-checkpassword/scheme.h"
#include "tests/fuzz/input.h"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string_view secret = fuzz::text(data, size);
    if (!qs::auth::check_secret_syntax(secret)) return 0;
    static const unsigned char digest[16] = {};
    qs::auth::verify_cram(secret, "<1896.697170952@postoffice.reston.mci.net>", digest);
    qs::auth::is_legacy_hash(secret);
    return 0;
}
