#include "smtp-auth-checkpassword/passwd.h"

#include "lib/base64.h"

#include "smtp-auth-checkpassword/crammd5.h"
#include "smtp-auth-checkpassword/secret.h"

#include <cerrno>
#include <crypt.h>
#include <cstring>
#include <memory>

namespace qs::auth {


std::optional<std::string> make_secret(std::string_view scheme, std::string_view password, std::string& reason)
{
    if (password.empty()) {
        reason = "empty password";
        return std::nullopt;
    }
    if (scheme == "plain") {
        // APOP needs the plaintext. A password that the users file cannot
        // hold as it is (its field separator, blanks, control or 8-bit
        // bytes) is stored as {PLAIN.b64}.
        bool as_is = true;
        for (unsigned char c : password)
            if (c <= ' ' || c >= 127 || c == ':') as_is = false;
        if (as_is) return "{PLAIN}" + std::string(password);
        return "{PLAIN.b64}" + base64::encode(password);
    }
    if (scheme == "cram-md5") {
        CramContext ctx = cram_context(password);
        std::string out = "{CRAM-MD5}" + to_hex(ctx.data(), ctx.size());
        OPENSSL_cleanse(ctx.data(), ctx.size());
        return out;
    }
    const char* prefix = nullptr;
    unsigned long cost = 0;
    if (scheme == "yescrypt") prefix = "$y$";
    else if (scheme == "bcrypt") prefix = "$2b$", cost = 10;
    else if (scheme == "sha512") prefix = "$6$";
    if (!prefix) {
        reason = "unknown scheme (yescrypt, bcrypt, sha512, cram-md5, plain)";
        return std::nullopt;
    }
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    // no random bytes given: libxcrypt takes them from the kernel
    if (!crypt_gensalt_rn(prefix, cost, nullptr, 0, setting, sizeof setting) || setting[0] == '*') {
        reason = std::string("unable to make a salt: ") + std::strerror(errno);
        return std::nullopt;
    }
    auto data = std::make_unique<crypt_data>();
    Secret pw(password);
    const char* hash = crypt_r(pw.str().c_str(), setting, data.get());
    if (!hash || hash[0] == '*') {
        reason = "crypt failed";
        return std::nullopt;
    }
    std::string out(hash);
    OPENSSL_cleanse(data.get(), sizeof(crypt_data));
    return out;
}

} // namespace qs::auth
