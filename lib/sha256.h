// SHA-256 (FIPS 180-4), for names that must not collide: the directory
// store names an entry whose key would make an overlong file name by the
// key's hash. Our own few lines rather than libcrypto's, so that programs
// that use the store (relaylock, which runs at every POP login) link no
// libcrypto and start as fast as before.
#ifndef QSEND_LIB_SHA256_H
#define QSEND_LIB_SHA256_H

#include <array>
#include <string_view>

namespace qs {

using Sha256Digest = std::array<unsigned char, 32>;
Sha256Digest sha256(std::string_view bytes);

// HMAC-SHA256 (RFC 2104, RFC 4231), for the signatures a shared store puts
// on its values (lib/store_redis.cc). The key's copies are wiped.
Sha256Digest hmac_sha256(std::string_view key, std::string_view message);

} // namespace qs

#endif
