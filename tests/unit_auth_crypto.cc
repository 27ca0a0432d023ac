// CRAM-MD5, APOP and the stored schemes of smtp-auth-checkpassword.
#include "lib/digest.h"
#include "lib/hex.h"
#include "smtp-auth-checkpassword/passwd.h"
#include "smtp-auth-checkpassword/scheme.h"

#include <algorithm>
#include <crypt.h>
#include <doctest/doctest.h>
#include <string>

using namespace qs::auth;

namespace {
const std::string rfc2195_challenge = "<1896.697170952@postoffice.reston.mci.net>";
const std::string rfc2195_digest = "b913a602c7eda7a495b4e6e7334d3890";

std::string hex(const qs::digest::Md5& d) { return qs::hex::encode(d.data(), d.size()); }

Outcome cram(const std::string& secret, const std::string& challenge, const std::string& digest_hex)
{
    unsigned char d[16];
    REQUIRE(qs::hex::decode(digest_hex, d, 16));
    return verify_cram(secret, challenge, d);
}
} // namespace

TEST_CASE("RFC 2195's CRAM-MD5 example, from the plaintext and from a {CRAM-MD5} context")
{
    CHECK(hex(qs::digest::hmac_md5("tanstaaftanstaaf", rfc2195_challenge)) == rfc2195_digest);
    qs::digest::HmacMd5Context ctx = qs::digest::hmac_md5_context("tanstaaftanstaaf");
    CHECK(hex(qs::digest::hmac_md5(ctx, rfc2195_challenge)) == rfc2195_digest);
    std::string stored = "{CRAM-MD5}" + qs::hex::encode(ctx.data(), ctx.size());
    CHECK(cram(stored, rfc2195_challenge, rfc2195_digest) == Outcome::ok);
    CHECK(cram("{PLAIN}tanstaaftanstaaf", rfc2195_challenge, rfc2195_digest) == Outcome::ok);
    CHECK(cram("{PLAIN}tanstaaftanstaaf", rfc2195_challenge, "B913A602C7EDA7A495B4E6E7334D3890") == Outcome::ok);
    CHECK(cram(stored, rfc2195_challenge, "b913a602c7eda7a495b4e6e7334d3891") == Outcome::bad);
    CHECK(cram(stored, "<other@host>", rfc2195_digest) == Outcome::bad);
    // a one-way hash cannot answer a challenge; a locked account never does
    CHECK(cram("$6$salt$abc", rfc2195_challenge, rfc2195_digest) == Outcome::unsupported);
    CHECK(cram("!{PLAIN}tanstaaftanstaaf", rfc2195_challenge, rfc2195_digest) == Outcome::disabled);
}

TEST_CASE("the captured CRAM-MD5 and APOP exchanges verify with secret")
{
    CHECK(cram("{PLAIN}secret", "<15429.1795829999@realqmail.test>", "b79b273149c0d57d89a03e76f7dabffa") ==
          Outcome::ok);
    unsigned char d[16];
    REQUIRE(qs::hex::decode("6f0f944a0e683bd4ad08da85121fe4ce", d, 16));
    CHECK(verify_apop("{PLAIN}secret", "<15523.1795830017@realqmail.test>", d) == Outcome::ok);
    CHECK(verify_apop("{PLAIN}secreT", "<15523.1795830017@realqmail.test>", d) == Outcome::bad);
    CHECK(verify_apop("$y$j9T$abc$def", "<15523.1795830017@realqmail.test>", d) == Outcome::unsupported);
}

TEST_CASE("hex digests: wrong length or not hex are refused")
{
    unsigned char d[16];
    CHECK_FALSE(qs::hex::decode("b79b273149c0d57d89a03e76f7dabff", d, 16));
    CHECK_FALSE(qs::hex::decode("b79b273149c0d57d89a03e76f7dabffaa", d, 16));
    CHECK_FALSE(qs::hex::decode("g79b273149c0d57d89a03e76f7dabffa", d, 16));
    CHECK_FALSE(qs::hex::decode("", d, 16));
}

TEST_CASE("password schemes: the stored scheme decides")
{
    CHECK(verify_password("{PLAIN}secret", "secret", false) == Outcome::ok);
    CHECK(verify_password("{plain}secret", "secret", false) == Outcome::ok);
    CHECK(verify_password("{PLAIN}secret", "secret2", false) == Outcome::bad);
    CHECK(verify_password("{PLAIN}secret", "Secret", false) == Outcome::bad);
    CHECK(verify_password("{PLAIN.b64}c2VjcmV0", "secret", false) == Outcome::ok);
    CHECK(verify_password("{PLAIN.b64}YTpi", "a:b", false) == Outcome::ok);
    auto ctx = make_secret("cram-md5", "secret");
    REQUIRE(ctx);
    CHECK(verify_password(*ctx, "secret", false) == Outcome::ok);
    CHECK(verify_password(*ctx, "secreu", false) == Outcome::bad);
    // the stored value typed as the password never logs in
    CHECK(verify_password(*ctx, *ctx, false) == Outcome::bad);
    CHECK(verify_password(*ctx, ctx->substr(10), false) == Outcome::bad);
    for (auto scheme : {"yescrypt", "sha512"}) {
        auto hash = make_secret(scheme, "secret");
        REQUIRE(hash);
        CHECK(verify_password(*hash, "secret", false) == Outcome::ok);
        CHECK(verify_password("{CRYPT}" + *hash, "secret", false) == Outcome::ok);
        CHECK(verify_password(*hash, "secrets", false) == Outcome::bad);
        CHECK(verify_password(*hash, *hash, false) == Outcome::bad);
        CHECK(verify_password("!" + *hash, "secret", false) == Outcome::disabled);
        CHECK(verify_password("*" + *hash, "secret", false) == Outcome::disabled);
    }
    CHECK(make_secret("sha512", "x")->starts_with("$6$"));
    CHECK(make_secret("yescrypt", "x")->starts_with("$y$"));
    CHECK_FALSE(make_secret("md5", "x"));
    CHECK_FALSE(make_secret("yescrypt", ""));
    CHECK(verify_password("", "", false) == Outcome::disabled);
    CHECK(verify_password("{SSHA}abc", "abc", false) == Outcome::unsupported);
}

TEST_CASE("bcrypt and SHA512-CRYPT prefixes; legacy schemes only when allowed")
{
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    REQUIRE(crypt_gensalt_rn("$2b$", 4, nullptr, 0, setting, sizeof setting));
    struct crypt_data data = {};
    std::string bcrypt = crypt_r("secret", setting, &data);
    CHECK(verify_password("{BLF-CRYPT}" + bcrypt, "secret", false) == Outcome::ok);
    REQUIRE(crypt_gensalt_rn("$1$", 0, nullptr, 0, setting, sizeof setting));
    std::string md5crypt = crypt_r("secret", setting, &data);
    CHECK(verify_password("{MD5-CRYPT}" + md5crypt, "secret", false) == Outcome::legacy);
    CHECK(verify_password(md5crypt, "secret", true) == Outcome::ok);
    CHECK(verify_password(md5crypt, "secreT", true) == Outcome::bad);
}

TEST_CASE("the dummy hash for unknown users costs what a default yescrypt user costs")
{
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    REQUIRE(crypt_gensalt_rn("$y$", 0, nullptr, 0, setting, sizeof setting));
    CHECK(std::string(setting).substr(0, 7) == "$y$j9T$");
}

TEST_CASE("a wrong password for a scheme cheaper than yescrypt costs at least the dummy work")
{
    // Counted, not timed: the property is that the refusal paid the dummy
    // yescrypt on top of its own cheap check (timings belong in make bench).
    for (std::string secret : {std::string("{PLAIN}secret"), std::string("{PLAIN.b64}c2VjcmV0"),
                               *make_secret("cram-md5", "secret"), *make_secret("sha512", "secret"),
                               *make_secret("bcrypt", "secret"), std::string("!"), std::string("")}) {
        CAPTURE(secret);
        const unsigned long before = dummy_password_work_done();
        (void)verify_password(secret, "wrong", false);
        CHECK(dummy_password_work_done() == before + 1);
        if (secret.size() > 1) {
            CHECK(verify_password(secret, "secret", false) == Outcome::ok);
            CHECK(dummy_password_work_done() == before + 1);  // a success pays nothing extra
        }
    }
    // a yescrypt user pays its own hash, which is the dummy's cost
    const std::string yescrypt = *make_secret("yescrypt", "secret");
    const unsigned long before = dummy_password_work_done();
    CHECK(verify_password(yescrypt, "wrong", false) == Outcome::bad);
    CHECK(dummy_password_work_done() == before);
}

TEST_CASE("secret syntax checks for smtp-auth-mkdb")
{
    CHECK(check_secret_syntax("{PLAIN}x"));
    CHECK(check_secret_syntax("!"));
    CHECK(check_secret_syntax(""));
    CHECK(check_secret_syntax("$6$salt$hash"));
    CHECK_FALSE(check_secret_syntax("{CRAM-MD5}abc"));
    CHECK_FALSE(check_secret_syntax("{PLAIN.b64}abc"));
    CHECK_FALSE(check_secret_syntax("{SSHA}abc"));
    CHECK_FALSE(check_secret_syntax("{PLAIN"));
}
