#include "lib/ipaddr.h"

#include "lib/owfat.h"

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
    char buf[64];  // FMT_IP6 is 40; leave room
    size_t n = a.v4 ? fmt_ip4(buf, reinterpret_cast<const char*>(a.bytes.data()) + 12)
                    : fmt_ip6(buf, reinterpret_cast<const char*>(a.bytes.data()));
    return std::string(buf, n);
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
