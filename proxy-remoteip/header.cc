#include "proxy-remoteip/header.h"

#include <charconv>
#include <optional>
#include <vector>

namespace qs::proxy {

namespace {
constexpr std::string_view v1_start = "PROXY ";
constexpr std::string_view v2_signature{"\r\n\r\n\0\r\nQUIT\n", 12};
constexpr size_t v2_fixed = 16;

Parsed refuse(std::string reason)
{
    Parsed p;
    p.kind = Parsed::refused;
    p.reason = std::move(reason);
    return p;
}

Parsed need(size_t n)
{
    Parsed p;
    p.more = n;
    return p;
}

Parsed done(const Header& h)
{
    Parsed p;
    p.kind = Parsed::complete;
    p.header = h;
    return p;
}

// "0" to "65535", no sign, no leading zero.
bool parse_port(std::string_view text, uint16_t& out)
{
    if (text.empty() || text.size() > 5 || (text[0] == '0' && text.size() > 1)) return false;
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value > 65535) return false;
    out = static_cast<uint16_t>(value);
    return true;
}

bool parse_v1_address(std::string_view text, bool v6, Address& out)
{
    // TCP4 carries dotted quads, TCP6 textual IPv6: the family must match
    if ((text.find(':') != std::string_view::npos) != v6) return false;
    auto a = parse_address(text);
    if (!a) return false;
    out = *a;
    return true;
}

std::vector<std::string_view> split_spaces(std::string_view line)
{
    std::vector<std::string_view> out;
    for (size_t start = 0;;) {
        size_t space = line.find(' ', start);
        out.push_back(line.substr(start, space - start));
        if (space == std::string_view::npos) return out;
        start = space + 1;
    }
}

Parsed parse_v1(std::string_view bytes)
{
    const size_t n = bytes.size();
    const unsigned char last = static_cast<unsigned char>(bytes[n - 1]);
    if (n <= v1_start.size() && bytes != v1_start.substr(0, n)) return refuse("not a PROXY header");
    if (last == '\n') {
        if (n < 2 || bytes[n - 2] != '\r') return refuse("v1 line without CR before LF");
    } else if (last == '\r') {
        if (n >= max_v1) return refuse("oversized v1 header");
        return need(1);
    } else {
        if (n >= 2 && bytes[n - 2] == '\r') return refuse("v1 line with CR inside");
        if (last < ' ' || last > '~') return refuse("v1 line with a byte outside printable ASCII");
        if (n >= max_v1) return refuse("oversized v1 header");
        return need(1);
    }
    auto f = split_spaces(bytes.substr(0, n - 2));
    Header h;
    h.version = 1;
    if (f.size() >= 2 && f[1] == "UNKNOWN") {
        h.command = Command::local;  // the front end's own connection
        return done(h);
    }
    if (f.size() != 6) return refuse("v1 line without exactly four fields after the protocol");
    if (f[1] != "TCP4" && f[1] != "TCP6") return refuse("v1 protocol neither TCP4, TCP6 nor UNKNOWN");
    const bool v6 = f[1] == "TCP6";
    if (!parse_v1_address(f[2], v6, h.source) || !parse_v1_address(f[3], v6, h.destination))
        return refuse("v1 address malformed or of the wrong family");
    if (!parse_port(f[4], h.source_port) || !parse_port(f[5], h.destination_port)) return refuse("v1 port malformed");
    return done(h);
}

Address from_v4(const unsigned char* p)
{
    Address a;
    a.v4 = true;
    a.bytes[10] = a.bytes[11] = 0xff;
    for (int i = 0; i < 4; ++i) a.bytes[12 + i] = p[i];
    return a;
}

Address from_v6(const unsigned char* p)
{
    Address a;
    for (int i = 0; i < 16; ++i) a.bytes[i] = p[i];
    // an IPv4-mapped address is the IPv4 client, as lib/ipaddr parses it
    bool mapped = a.bytes[10] == 0xff && a.bytes[11] == 0xff;
    for (int i = 0; i < 10; ++i) mapped = mapped && a.bytes[i] == 0;
    a.v4 = mapped;
    return a;
}

uint16_t be16(const unsigned char* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

// A v2 header's address family and protocol (byte 13): TCP over IPv4
// (0x11) or over IPv6 (0x21), each address so many bytes.
struct V2Family {
    size_t address_size;
    Address (*read)(const unsigned char*);
};
std::optional<V2Family> v2_family(unsigned char family_and_protocol)
{
    if (family_and_protocol == 0x11) return V2Family{4, from_v4};
    if (family_and_protocol == 0x21) return V2Family{16, from_v6};
    return std::nullopt;
}

// Type, 16-bit length, value; the lengths must add up to the rest exactly.
bool tlvs_well_formed(const unsigned char* p, size_t len)
{
    while (len > 0) {
        if (len < 3) return false;
        size_t value = be16(p + 1);
        if (value > len - 3) return false;
        p += 3 + value;
        len -= 3 + value;
    }
    return true;
}

Parsed parse_v2(std::string_view bytes)
{
    const size_t n = bytes.size();
    const size_t compared = n < v2_signature.size() ? n : v2_signature.size();
    if (bytes.substr(0, compared) != v2_signature.substr(0, compared)) return refuse("not a PROXY header");
    if (n < v2_fixed) return need(v2_fixed - n);
    const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
    if ((b[12] >> 4) != 2) return refuse("v2 header of another version");
    const unsigned command = b[12] & 15;
    if (command > 1) return refuse("v2 command neither LOCAL nor PROXY");
    const size_t len = be16(b + 14);
    if (len > max_v2_payload) return refuse("oversized v2 header");
    if (n < v2_fixed + len) return need(v2_fixed + len - n);
    Header h;
    h.version = 2;
    if (command == 0) {
        h.command = Command::local;  // addresses, if any, are to be ignored
        return done(h);
    }
    auto family = v2_family(b[13]);
    if (!family) return refuse("v2 family or protocol other than TCP over IPv4 or IPv6");
    const size_t addresses = 2 * family->address_size + 4;  // two addresses, two ports
    if (len < addresses) return refuse("v2 length shorter than its addresses");
    const unsigned char* p = b + v2_fixed;
    h.source = family->read(p);
    h.destination = family->read(p + family->address_size);
    h.source_port = be16(p + 2 * family->address_size);
    h.destination_port = be16(p + 2 * family->address_size + 2);
    if (!tlvs_well_formed(p + addresses, len - addresses)) return refuse("v2 TLVs malformed");
    return done(h);
}
} // namespace

Parsed parse_header(std::string_view bytes)
{
    if (bytes.empty()) return need(1);
    if (bytes[0] == 'P') return parse_v1(bytes);
    if (bytes[0] == '\r') return parse_v2(bytes);
    return refuse("not a PROXY header");
}

} // namespace qs::proxy
