#include "lib/sha256.h"

#include <cstdint>
#include <string>

namespace qs {

namespace {

constexpr std::uint32_t round_constants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

constexpr std::uint32_t rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

void compress(std::uint32_t state[8], const unsigned char block[64])
{
    std::uint32_t w[64];
    for (int i = 0; i < 16; ++i)
        w[i] = std::uint32_t(block[4 * i]) << 24 | std::uint32_t(block[4 * i + 1]) << 16 |
               std::uint32_t(block[4 * i + 2]) << 8 | std::uint32_t(block[4 * i + 3]);
    for (int i = 16; i < 64; ++i) {
        std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
        std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    std::uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    std::uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    for (int i = 0; i < 64; ++i) {
        std::uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + round_constants[i] + w[i];
        std::uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
    }
    state[0] += a, state[1] += b, state[2] += c, state[3] += d;
    state[4] += e, state[5] += f, state[6] += g, state[7] += h;
}

} // namespace

Sha256Digest sha256(std::string_view bytes)
{
    std::uint32_t state[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                              0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    auto data = reinterpret_cast<const unsigned char*>(bytes.data());
    std::size_t whole = bytes.size() / 64 * 64;
    for (std::size_t i = 0; i < whole; i += 64) compress(state, data + i);

    // the tail, the 0x80 byte and the length in bits, in one or two blocks
    unsigned char tail[128] = {};
    std::size_t rest = bytes.size() - whole;
    for (std::size_t i = 0; i < rest; ++i) tail[i] = data[whole + i];
    tail[rest] = 0x80;
    std::size_t tail_size = rest + 9 <= 64 ? 64 : 128;
    std::uint64_t bits = std::uint64_t(bytes.size()) * 8;
    for (int i = 0; i < 8; ++i) tail[tail_size - 1 - i] = static_cast<unsigned char>(bits >> (8 * i));
    compress(state, tail);
    if (tail_size == 128) compress(state, tail + 64);

    Sha256Digest out;
    for (int i = 0; i < 8; ++i)
        for (int j = 0; j < 4; ++j) out[4 * i + j] = static_cast<unsigned char>(state[i] >> (24 - 8 * j));
    return out;
}

namespace {
// A store the compiler cannot drop, for key material (lib/digest's wipe
// would drag libcrypto into the programs that use the store).
void wipe_bytes(void* p, std::size_t n)
{
    volatile unsigned char* b = static_cast<volatile unsigned char*>(p);
    while (n--) *b++ = 0;
}
} // namespace

Sha256Digest hmac_sha256(std::string_view key, std::string_view message)
{
    constexpr std::size_t inner_size = 32;
    unsigned char block[64] = {};
    Sha256Digest hashed_key{};
    if (key.size() > 64) {
        hashed_key = sha256(key);
        for (std::size_t i = 0; i < hashed_key.size(); ++i) block[i] = hashed_key[i];
    } else {
        for (std::size_t i = 0; i < key.size(); ++i) block[i] = static_cast<unsigned char>(key[i]);
    }
    // one allocation, reserved up front, so that no copy of the key is
    // left in freed memory
    std::string pad;
    pad.reserve(64 + (message.size() > inner_size ? message.size() : inner_size));
    pad.resize(64);
    for (int i = 0; i < 64; ++i) pad[static_cast<std::size_t>(i)] = static_cast<char>(block[i] ^ 0x36);
    pad += message;
    Sha256Digest inner = sha256(pad);
    pad.resize(64 + inner.size());
    for (int i = 0; i < 64; ++i) pad[static_cast<std::size_t>(i)] = static_cast<char>(block[i] ^ 0x5c);
    for (std::size_t i = 0; i < inner.size(); ++i) pad[64 + i] = static_cast<char>(inner[i]);
    Sha256Digest out = sha256(pad);
    wipe_bytes(pad.data(), pad.size());
    wipe_bytes(block, sizeof block);
    wipe_bytes(hashed_key.data(), hashed_key.size());
    wipe_bytes(inner.data(), inner.size());
    return out;
}

} // namespace qs
