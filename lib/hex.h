// Lower-case hexadecimal, as the log, the store's file names and the
// digests write it.
#ifndef QSEND_LIB_HEX_H
#define QSEND_LIB_HEX_H

#include <cstddef>
#include <string>
#include <string_view>

namespace qs::hex {

inline constexpr char digits[] = "0123456789abcdef";

// 0..15 for 0-9, a-f and (when upper_too) A-F; -1 otherwise.
constexpr int value(char c, bool upper_too = true)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (upper_too && c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string encode(const unsigned char* bytes, std::size_t len);
inline std::string encode(std::string_view bytes)
{
    return encode(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}
// Exactly 2*n hex digits (either case) into n bytes; false otherwise.
bool decode(std::string_view text, unsigned char* out, std::size_t n);

} // namespace qs::hex

#endif
