#include "lib/hex.h"

namespace qs::hex {

std::string encode(const unsigned char* bytes, std::size_t len)
{
    std::string out;
    out.reserve(2 * len);
    for (std::size_t i = 0; i < len; ++i) {
        out += digits[bytes[i] >> 4];
        out += digits[bytes[i] & 15];
    }
    return out;
}

bool decode(std::string_view text, unsigned char* out, std::size_t n)
{
    if (text.size() != 2 * n) return false;
    for (std::size_t i = 0; i < n; ++i) {
        int hi = value(text[2 * i]), lo = value(text[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i] = static_cast<unsigned char>(hi << 4 | lo);
    }
    return true;
}

} // namespace qs::hex
