// The PROXY protocol header parser (proxy-remoteip/header.cc) and the
// tcprules lookup of proxy-remoteip/rules.cc.
#include "proxy-remoteip/header.h"
#include "proxy-remoteip/rules.h"

#include <doctest/doctest.h>
#include <string>

using namespace qs::proxy;
using namespace std::string_literals;

namespace {
// Feeds bytes the way read_header does: exactly what the parser asks for.
// consumed says how much of the input it took.
Parsed feed(const std::string& input, size_t& consumed)
{
    std::string got;
    for (;;) {
        Parsed p = parse_header(got);
        if (p.kind != Parsed::need_more) {
            consumed = got.size();
            return p;
        }
        REQUIRE(p.more > 0);
        if (got.size() + p.more > input.size()) {
            consumed = input.size();
            return p;  // would wait for more: a truncated header
        }
        got += input.substr(got.size(), p.more);
    }
}

Parsed feed(const std::string& input)
{
    size_t consumed = 0;
    return feed(input, consumed);
}

const std::string v2_signature = "\r\n\r\n\0\r\nQUIT\n"s;

std::string v2(unsigned char ver_cmd, unsigned char family, const std::string& payload)
{
    std::string h = v2_signature;
    h += static_cast<char>(ver_cmd);
    h += static_cast<char>(family);
    h += static_cast<char>(payload.size() >> 8);
    h += static_cast<char>(payload.size() & 255);
    return h + payload;
}

const std::string inet_payload = "\xc0\x00\x02\x07\xc6\x33\x64\x01\x30\x39\x00\x19"s;  // 192.0.2.7:12345 -> 198.51.100.1:25
} // namespace

TEST_CASE("PROXY v1: TCP4, TCP6 and UNKNOWN, and not one byte of the session")
{
    size_t consumed = 0;
    const std::string line = "PROXY TCP4 192.0.2.7 198.51.100.1 12345 25\r\n";
    Parsed p = feed(line + "EHLO client\r\n", consumed);
    REQUIRE(p.kind == Parsed::complete);
    CHECK(consumed == line.size());
    CHECK(p.header.version == 1);
    CHECK(p.header.command == Command::proxy);
    CHECK(qs::canonical(p.header.source) == "192.0.2.7");
    CHECK(qs::canonical(p.header.destination) == "198.51.100.1");
    CHECK(p.header.source_port == 12345);
    CHECK(p.header.destination_port == 25);

    p = feed("PROXY TCP6 2001:db8::7 2001:db8::1 65535 0\r\n\x16\x03\x01");
    REQUIRE(p.kind == Parsed::complete);
    CHECK(qs::canonical(p.header.source) == "2001:db8::7");
    CHECK(p.header.source_port == 65535);
    CHECK(p.header.destination_port == 0);

    p = feed("PROXY UNKNOWN\r\n");
    REQUIRE(p.kind == Parsed::complete);
    CHECK(p.header.command == Command::local);
    p = feed("PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n");
    REQUIRE(p.kind == Parsed::complete);
    CHECK(p.header.command == Command::local);
}

TEST_CASE("PROXY v1: hostile lines are refused")
{
    for (const std::string& bad : {
             "GET / HTTP/1.0\r\n"s, "EHLO x\r\n"s, "PROXY  TCP4 192.0.2.7 198.51.100.1 1 2\r\n"s,
             "PROXY TCP4 192.0.2.7 198.51.100.1 1 2\n"s,        // LF alone
             "PROXY TCP4 192.0.2.7 198.51.100.1 1 2\r\r\n"s,    // CR inside
             "PROXY TCP4 192.0.2.7 198.51.100.1 1\r\n"s,        // a field short
             "PROXY TCP4 192.0.2.7 198.51.100.1 1 2 3\r\n"s,    // one too many
             "PROXY TCP4 2001:db8::7 198.51.100.1 1 2\r\n"s,    // wrong family
             "PROXY TCP6 192.0.2.7 2001:db8::1 1 2\r\n"s,       // wrong family
             "PROXY TCP4 192.0.2.256 198.51.100.1 1 2\r\n"s, "PROXY TCP4 192.0.2.7 198.51.100.1 65536 2\r\n"s,
             "PROXY TCP4 192.0.2.7 198.51.100.1 01 2\r\n"s, "PROXY TCP4 192.0.2.7 198.51.100.1 -1 2\r\n"s,
             "PROXY TCP4 192.0.2.7 198.51.100.1 +1 2\r\n"s, "PROXY UDP4 192.0.2.7 198.51.100.1 1 2\r\n"s,
             "PROXY TCP4 192.0.2.7 198.51.100.1 1 2\0\r\n"s, "PROXY TCP4 192.0.2.7%eth0 198.51.100.1 1 2\r\n"s,
             "PROXY TCP4 \xc0.0.2.7 198.51.100.1 1 2\r\n"s}) {
        CAPTURE(bad);
        CHECK(feed(bad).kind == Parsed::refused);
    }
    // an endless line is refused at 107 bytes, without reading further
    size_t consumed = 0;
    Parsed p = feed("PROXY TCP4 " + std::string(500, '1'), consumed);
    CHECK(p.kind == Parsed::refused);
    CHECK(consumed <= max_v1);
    // a truncated one waits for more
    CHECK(feed("PROXY TCP4 192.0.2.7").kind == Parsed::need_more);
}

TEST_CASE("PROXY v2: IPv4, IPv6, LOCAL and TLVs; exactly the header is read")
{
    size_t consumed = 0;
    const std::string h = v2(0x21, 0x11, inet_payload);
    Parsed p = feed(h + "\x16\x03\x01 TLS", consumed);
    REQUIRE(p.kind == Parsed::complete);
    CHECK(consumed == h.size());
    CHECK(p.header.version == 2);
    CHECK(qs::canonical(p.header.source) == "192.0.2.7");
    CHECK(p.header.source.v4);
    CHECK(qs::canonical(p.header.destination) == "198.51.100.1");
    CHECK(p.header.source_port == 12345);
    CHECK(p.header.destination_port == 25);

    std::string v6payload = "\x20\x01\x0d\xb8"s + std::string(11, '\0') + "\x07"s;
    v6payload += "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\xc6\x33\x64\x01"s;  // v4-mapped
    v6payload += "\x01\xbb\x01\xd1"s;
    p = feed(v2(0x21, 0x21, v6payload));
    REQUIRE(p.kind == Parsed::complete);
    CHECK(qs::canonical(p.header.source) == "2001:db8::7");
    CHECK_FALSE(p.header.source.v4);
    CHECK(qs::canonical(p.header.destination) == "198.51.100.1");
    CHECK(p.header.destination.v4);
    CHECK(p.header.source_port == 443);
    CHECK(p.header.destination_port == 465);

    // TLVs after the addresses (HAProxy's unique id, stunnel's nothing)
    p = feed(v2(0x21, 0x11, inet_payload + "\x05\x00\x03" "abc" "\x04\x00\x00"s));
    CHECK(p.kind == Parsed::complete);
    // LOCAL: a health check; its addresses (even UNIX ones) are ignored
    p = feed(v2(0x20, 0x00, ""));
    REQUIRE(p.kind == Parsed::complete);
    CHECK(p.header.command == Command::local);
    p = feed(v2(0x20, 0x31, std::string(216, 'x')));
    REQUIRE(p.kind == Parsed::complete);
    CHECK(p.header.command == Command::local);
}

TEST_CASE("PROXY v2: hostile headers are refused")
{
    std::string wrong_signature = v2(0x21, 0x11, inet_payload);
    wrong_signature[5] = 'X';
    CHECK(feed(wrong_signature).kind == Parsed::refused);
    CHECK(feed(v2(0x11, 0x11, inet_payload)).kind == Parsed::refused);    // version 1 in a v2 header
    CHECK(feed(v2(0x22, 0x11, inet_payload)).kind == Parsed::refused);    // command 2
    CHECK(feed(v2(0x21, 0x31, std::string(216, 'x'))).kind == Parsed::refused);  // UNIX stream
    CHECK(feed(v2(0x21, 0x12, inet_payload)).kind == Parsed::refused);    // UDP
    CHECK(feed(v2(0x21, 0x00, "")).kind == Parsed::refused);              // UNSPEC with PROXY
    CHECK(feed(v2(0x21, 0x11, inet_payload.substr(0, 11))).kind == Parsed::refused);  // too short
    CHECK(feed(v2(0x21, 0x21, std::string(35, '\0'))).kind == Parsed::refused);
    CHECK(feed(v2(0x21, 0x11, inet_payload + "\x05\x00\x09" "abc"s)).kind == Parsed::refused);  // TLV lies
    CHECK(feed(v2(0x21, 0x11, inet_payload + "\x05\x00"s)).kind == Parsed::refused);
    // a length past the limit is refused before anything more is read
    std::string oversized = v2(0x21, 0x11, inet_payload).substr(0, 14) + "\xff\xff"s;
    size_t consumed = 0;
    CHECK(feed(oversized + std::string(100, 'x'), consumed).kind == Parsed::refused);
    CHECK(consumed == 16);
    // a length that promises more than is sent waits (the deadline ends it)
    std::string lying = v2(0x21, 0x11, inet_payload);
    lying[15] = 100;
    CHECK(feed(lying).kind == Parsed::need_more);
}

TEST_CASE("PROXY parser: every prefix of a valid header asks only for header bytes")
{
    for (const std::string& h : {"PROXY TCP4 192.0.2.7 198.51.100.1 12345 25\r\n"s, v2(0x21, 0x11, inet_payload)}) {
        for (size_t n = 0; n < h.size(); ++n) {
            Parsed p = parse_header(h.substr(0, n));
            REQUIRE(p.kind == Parsed::need_more);
            CHECK(n + p.more <= h.size());
        }
        CHECK(parse_header(h).kind == Parsed::complete);
    }
}

TEST_CASE("tcprules lookup order, as tcpserver -x")
{
    CHECK(rule_keys("192.0.2.7") == std::vector<std::string>{"192.0.2.7", "192.0.2.", "192.0.", "192.", ""});
    CHECK(rule_keys("2001:db8::7") ==
          std::vector<std::string>{"2001:db8::7", "2001:db8::", "2001:db8:", "2001:", ""});
    RuleDecision d = decide("D\0"s);
    CHECK(d.kind == RuleDecision::deny);
    d = decide("+RELAYCLIENT=\0+GREETING=hi=there\0+NOEQUALS\0"s);
    REQUIRE(d.kind == RuleDecision::allow);
    REQUIRE(d.variables.size() == 2);
    CHECK(d.variables[0] == std::pair<std::string, std::string>{"RELAYCLIENT", ""});
    CHECK(d.variables[1] == std::pair<std::string, std::string>{"GREETING", "hi=there"});
    CHECK(decide("+X=unterminated"s).variables.empty());
    CHECK(decide(""s).kind == RuleDecision::allow);
}
