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
// (lower case, no leading zeros, the longest run of zero groups as "::",
// even a single one). Formatted from a's 16 bytes alone.
std::string canonical(const Address& a);
// False for what can never be one client's address: unspecified (0.0.0.0/8,
// ::), multicast (224.0.0.0/4, ff00::/8), reserved and broadcast (240.0.0.0/4).
bool is_client_address(const Address& a);

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
// True when some address lies in both.
bool overlaps(const Prefix& a, const Prefix& b);
// The block that stands for one client: IPv4 exactly; IPv6 by v6_len bits,
// except where one prefix of that size holds unrelated clients. Those get
// the exact address: Teredo (2001::/32, every client of a Teredo server
// shares a /64), NAT64 (64:ff9b::/96, 64:ff9b:1::/48: every IPv4 host behind
// the translator), 6to4 (2002::/16, a site named by its IPv4 router),
// IPv4-compatible (::/96) and link-local (fe80::/10).
Prefix client_block(const Address& a, unsigned v6_len);
// "1.2.3.4" for a full-length prefix, else "2001:db8::/64".
std::string canonical(const Prefix& p);

// A space-separated list of prefixes (RELAYLOCK_NEVER, CHKPW_TRUSTED).
// nullopt names the first bad item through bad_item.
std::optional<std::vector<Prefix>> parse_prefix_list(std::string_view text, std::string* bad_item);

} // namespace qs

#endif
