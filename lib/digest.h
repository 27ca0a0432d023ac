// MD5, HMAC-MD5 (RFC 2104) and a constant-time comparison, for the
// challenge-response and digest logins (CRAM-MD5, RFC 2195; APOP, RFC
// 1939) and for short fixed-size names of long keys. Programs that use this
// module link libcrypto (see smtp-auth-checkpassword/build.mk).
//
// HmacMd5Context is RFC 2104's precomputed form: the MD5 states after
// absorbing key^opad and key^ipad (outer A,B,C,D then inner, each a
// little-endian word). It is Dovecot's {CRAM-MD5} secret, and it is
// password-equivalent for HMAC-MD5.
#ifndef QSEND_LIB_DIGEST_H
#define QSEND_LIB_DIGEST_H

#include <array>
#include <cstddef>
#include <string_view>

namespace qs::digest {

using Md5 = std::array<unsigned char, 16>;
using HmacMd5Context = std::array<unsigned char, 32>;  // outer state, inner state

// MD5 of a followed by b.
Md5 md5(std::string_view a, std::string_view b = {});

HmacMd5Context hmac_md5_context(std::string_view key);
Md5 hmac_md5(const HmacMd5Context& context, std::string_view message);
Md5 hmac_md5(std::string_view key, std::string_view message);

// Equal bytes, in time that depends only on the lengths.
bool same_bytes(std::string_view a, std::string_view b);
bool same_bytes(const unsigned char* a, const unsigned char* b, std::size_t n);

// Overwrites n bytes in a way the compiler cannot elide.
void wipe(void* bytes, std::size_t n);

} // namespace qs::digest

#endif
