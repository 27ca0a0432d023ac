#include "lib/ipaddr.h"

#include "lib/hex.h"

#include <arpa/inet.h>
#include <charconv>
#include <cstring>

namespace qs {

namespace {
constexpr uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool allowed_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '.' ||
           c == ':';
}
} // namespace

std::optional<Address> parse_address(std::string_view text)
{
    if (text.empty() || text.size() > 45) return std::nullopt;
    for (char c : text)
        if (!allowed_char(c)) return std::nullopt;
    char buf[46];
    std::memcpy(buf, text.data(), text.size());
    buf[text.size()] = 0;

    Address a;
    if (text.find(':') == std::string_view::npos) {
        if (::inet_pton(AF_INET, buf, a.bytes.data() + 12) != 1) return std::nullopt;
        std::memcpy(a.bytes.data(), v4mapped, 12);
        a.v4 = true;
        return a;
    }
    if (::inet_pton(AF_INET6, buf, a.bytes.data()) != 1) return std::nullopt;
    a.v4 = std::memcmp(a.bytes.data(), v4mapped, 12) == 0;
    return a;
}

std::string canonical(const Address& a)
{
    // Formatted from our own 16 bytes only. libowfat's fmt_ip6 reads a 17th
    // byte when the address ends in a zero group (for an optional<Address>
    // that byte is the engaged flag), so it is not used.
    const auto& b = a.bytes;
    std::string out;
    if (a.v4) {
        for (int i = 12; i < 16; ++i) {
            if (i > 12) out += '.';
            char num[4];
            auto r = std::to_chars(num, num + sizeof num, static_cast<unsigned>(b[i]));
            out.append(num, r.ptr);
        }
        return out;
    }
    unsigned groups[8];
    for (int i = 0; i < 8; ++i) groups[i] = (unsigned{b[2 * i]} << 8) | b[2 * i + 1];
    // ucspi-tcp-ipv6's tcpserver spelling, which TCPREMOTEIP and tcprules
    // keys use: the longest run of zero groups (the first of equal runs,
    // a single group too) becomes "::"; hex in lower case, no leading zeros.
    int best = -1, best_len = 0;
    for (int i = 0; i < 8;) {
        if (groups[i] != 0) {
            ++i;
            continue;
        }
        int j = i;
        while (j < 8 && groups[j] == 0) ++j;
        if (j - i > best_len) best = i, best_len = j - i;
        i = j;
    }
    for (int i = 0; i < 8;) {
        if (i == best) {
            out += "::";
            i += best_len;
            continue;
        }
        if (!out.empty() && out.back() != ':') out += ':';
        unsigned g = groups[i++];
        bool started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            unsigned digit = (g >> shift) & 15;
            if (digit || started || shift == 0) out += hex::digits[digit], started = true;
        }
    }
    return out;
}

Prefix prefix_of(const Address& a, unsigned len)
{
    unsigned max = a.v4 ? 32 : 128;
    if (len > max) len = max;
    unsigned bit_len = a.v4 ? len + 96 : len;
    Prefix p{a, len};
    for (unsigned i = 0; i < 16; ++i) {
        unsigned first = i * 8;
        if (first >= bit_len) p.base.bytes[i] = 0;
        else if (first + 8 > bit_len)
            p.base.bytes[i] &= static_cast<uint8_t>(0xff << (8 - (bit_len - first)));
    }
    return p;
}

bool contains(const Prefix& p, const Address& a)
{
    if (p.base.v4 != a.v4) return false;
    return prefix_of(a, p.len) == p;
}

bool overlaps(const Prefix& a, const Prefix& b)
{
    if (a.base.v4 != b.base.v4) return false;
    return a.len <= b.len ? contains(a, b.base) : contains(b, a.base);
}

namespace {
// An IPv6 block given as its first bytes and its length in bits.
struct Block {
    std::array<uint8_t, 6> head;
    unsigned len;
};
constexpr Block single_address_blocks[] = {
    {{0x20, 0x01, 0x00, 0x00}, 32},        // Teredo
    {{0x20, 0x02}, 16},                    // 6to4
    {{0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48},  // local-use NAT64
    {{0xfe, 0x80}, 10},                    // link-local
};

bool in_block(const Address& a, const Block& b)
{
    Prefix p = prefix_of(a, b.len);
    Address want;
    std::memcpy(want.bytes.data(), b.head.data(), b.head.size());
    return prefix_of(want, b.len).base == p.base;
}

bool zero_bytes(const Address& a, int from, int to)
{
    for (int i = from; i < to; ++i)
        if (a.bytes[i]) return false;
    return true;
}
} // namespace

bool is_client_address(const Address& a)
{
    const auto& b = a.bytes;
    if (a.v4) return b[12] != 0 && b[12] < 224;
    if (b[0] == 0xff) return false;
    return !zero_bytes(a, 0, 16);
}

Prefix client_block(const Address& a, unsigned v6_len)
{
    if (a.v4) return prefix_of(a, 32);
    bool exact = zero_bytes(a, 0, 12);  // IPv4-compatible
    // 64:ff9b::/96, the well-known NAT64 prefix.
    static constexpr uint8_t nat64[12] = {0x00, 0x64, 0xff, 0x9b};
    exact = exact || std::memcmp(a.bytes.data(), nat64, 12) == 0;
    for (const auto& block : single_address_blocks) exact = exact || in_block(a, block);
    return prefix_of(a, exact ? 128 : v6_len);
}

std::string canonical(const Prefix& p)
{
    std::string s = canonical(p.base);
    if (p.len != (p.base.v4 ? 32u : 128u)) {
        char num[4];
        auto r = std::to_chars(num, num + sizeof num, p.len);
        s += '/';
        s.append(num, r.ptr);
    }
    return s;
}

std::optional<Prefix> parse_prefix(std::string_view text)
{
    auto slash = text.find('/');
    auto a = parse_address(text.substr(0, slash));
    if (!a) return std::nullopt;
    unsigned max = a->v4 ? 32 : 128;
    if (slash == std::string_view::npos) return prefix_of(*a, max);
    auto digits = text.substr(slash + 1);
    // A mapped address with a v6-style length (::ffff:10.0.0.0/104) keeps its meaning.
    bool mapped_v6_length = a->v4 && text.find(':') != std::string_view::npos;
    unsigned len = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), len);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
    if (mapped_v6_length) {
        if (len < 96 || len > 128) return std::nullopt;
        len -= 96;
    }
    if (len > max) return std::nullopt;
    return prefix_of(*a, len);
}

std::optional<std::vector<Prefix>> parse_prefix_list(std::string_view text, std::string* bad_item)
{
    std::vector<Prefix> out;
    size_t i = 0;
    while (i < text.size()) {
        if (text[i] == ' ' || text[i] == '\t' || text[i] == '\n') {
            ++i;
            continue;
        }
        size_t j = i;
        while (j < text.size() && text[j] != ' ' && text[j] != '\t' && text[j] != '\n') ++j;
        auto item = text.substr(i, j - i);
        auto p = parse_prefix(item);
        if (!p) {
            if (bad_item) *bad_item = std::string(item);
            return std::nullopt;
        }
        out.push_back(*p);
        i = j;
    }
    return out;
}

} // namespace qs
