// Client addresses, parsed strictly and written in one canonical form.
// Accepted: dotted-quad IPv4 and textual IPv6 (inet_pton's grammar);
// IPv4-mapped IPv6 (::ffff:a.b.c.d) is the IPv4 client. Refused: empty,
// over 45 bytes, zone ids, brackets, ports, spaces, host names, anything else.
#ifndef QSEND_LIB_IPADDR_H
#define QSEND_LIB_IPADDR_H

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qs {

struct Address {
    bool v4 = false;
    std::array<uint8_t, 16> bytes{};  // IPv4 lives in bytes[12..15] with the ::ffff: prefix
    bool operator==(const Address&) const = default;
};

std::optional<Address> parse_address(std::string_view text);
// IPv4 dotted quad; IPv6 as ucspi-tcp-ipv6's tcpserver writes TCPREMOTEIP
// (libowfat's fmt_ip6: lower case, compressed).
std::string canonical(const Address& a);

// An address block: base with all bits past len cleared.
struct Prefix {
    Address base;
    unsigned len = 0;  // 0..32 for IPv4, 0..128 for IPv6
    bool operator==(const Prefix&) const = default;
};

// "a.b.c.d", "a.b.c.d/n", "v6", "v6/n". nullopt when malformed.
std::optional<Prefix> parse_prefix(std::string_view text);
Prefix prefix_of(const Address& a, unsigned len);
bool contains(const Prefix& p, const Address& a);
// "1.2.3.4" for a full-length prefix, else "2001:db8::/64".
std::string canonical(const Prefix& p);

// A space-separated list of prefixes (RELAYLOCK_NEVER, CHKPW_TRUSTED).
// nullopt names the first bad item through bad_item.
std::optional<std::vector<Prefix>> parse_prefix_list(std::string_view text, std::string* bad_item);

} // namespace qs

#endif
