// lib/digest: MD5 and HMAC-MD5 against their RFCs' test vectors, and the
// constant-time comparison.
#include "lib/digest.h"
#include "lib/hex.h"

#include <doctest/doctest.h>
#include <string>

namespace {
std::string hex(const qs::digest::Md5& d) { return qs::hex::encode(d.data(), d.size()); }
} // namespace

TEST_CASE("MD5: RFC 1321's test suite, and a message given in two parts")
{
    CHECK(hex(qs::digest::md5("")) == "d41d8cd98f00b204e9800998ecf8427e");
    CHECK(hex(qs::digest::md5("abc")) == "900150983cd24fb0d6963f7d28e17f72");
    CHECK(hex(qs::digest::md5("message digest")) == "f96b697d7cb7938d525a2f31aaf161d0");
    CHECK(hex(qs::digest::md5("message ", "digest")) == "f96b697d7cb7938d525a2f31aaf161d0");
}

TEST_CASE("HMAC-MD5: RFC 2104's test vectors, from the key and from the precomputed context")
{
    const std::string key1(16, '\x0b');
    CHECK(hex(qs::digest::hmac_md5(key1, "Hi There")) == "9294727a3638bb1c13f48ef8158bfc9d");
    CHECK(hex(qs::digest::hmac_md5("Jefe", "what do ya want for nothing?")) == "750c783e6ab0b503eaa86e310a5db738");
    const qs::digest::HmacMd5Context ctx = qs::digest::hmac_md5_context("Jefe");
    CHECK(hex(qs::digest::hmac_md5(ctx, "what do ya want for nothing?")) == "750c783e6ab0b503eaa86e310a5db738");
    // a key longer than the block is hashed first (RFC 2202's test 6)
    const std::string long_key(80, '\xaa');
    CHECK(hex(qs::digest::hmac_md5(long_key, "Test Using Larger Than Block-Size Key - Hash Key First")) ==
          "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd");
}

TEST_CASE("same_bytes compares bytes and lengths")
{
    CHECK(qs::digest::same_bytes("secret", "secret"));
    CHECK_FALSE(qs::digest::same_bytes("secret", "secreT"));
    CHECK_FALSE(qs::digest::same_bytes("secret", "secrets"));
    CHECK(qs::digest::same_bytes("", ""));
    const unsigned char a[] = {1, 2, 3}, b[] = {1, 2, 4};
    CHECK(qs::digest::same_bytes(a, a, 3));
    CHECK_FALSE(qs::digest::same_bytes(a, b, 3));
    unsigned char w[] = {9, 9, 9};
    qs::digest::wipe(w, sizeof w);
    CHECK((w[0] == 0 && w[1] == 0 && w[2] == 0));
}
