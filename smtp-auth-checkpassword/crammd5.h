// HMAC-MD5 for CRAM-MD5 (RFC 2195) and MD5 for APOP (RFC 1939), including
// Dovecot's {CRAM-MD5} context: the MD5 states after absorbing key^opad and
// key^ipad, as 64 hex digits (outer A,B,C,D then inner, each a
// little-endian word). Such a context is password-equivalent for CRAM-MD5.
#ifndef QSEND_AUTH_CRAMMD5_H
#define QSEND_AUTH_CRAMMD5_H

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace qs::auth {

using Md5Digest = std::array<unsigned char, 16>;
using CramContext = std::array<unsigned char, 32>;  // outer state, inner state

std::string to_hex(const unsigned char* bytes, size_t len);
// Exactly 2*N hex digits (either case) into N bytes.
bool from_hex(std::string_view hex, unsigned char* out, size_t n);

CramContext cram_context(std::string_view password);
Md5Digest hmac_md5_from_context(const CramContext& ctx, std::string_view message);
Md5Digest hmac_md5(std::string_view key, std::string_view message);
Md5Digest md5(std::string_view a, std::string_view b = {});

} // namespace qs::auth

#endif
