#include "lib/ipaddr.h"

#include <arpa/inet.h>
#include <cstring>
#include <doctest/doctest.h>
#include <optional>

using qs::parse_address;

static std::string canon(const char* text)
{
    auto a = parse_address(text);
    return a ? qs::canonical(*a) : std::string("(refused)");
}

TEST_CASE("IPv4, IPv6 and mapped addresses have one canonical form")
{
    CHECK(canon("1.2.3.4") == "1.2.3.4");
    CHECK(canon("::ffff:1.2.3.4") == "1.2.3.4");
    CHECK(canon("::FFFF:1.2.3.4") == "1.2.3.4");
    CHECK(canon("::ffff:102:304") == "1.2.3.4");
    CHECK(canon("2001:DB8:0:0:0:0:0:1") == "2001:db8::1");
    CHECK(canon("::1") == "::1");
    CHECK(canon("0.0.0.0") == "0.0.0.0");
    CHECK(parse_address("::ffff:1.2.3.4")->v4);
    CHECK_FALSE(parse_address("::1")->v4);
}

TEST_CASE("anything but an address is refused")
{
    const char* bad[] = {"", " 1.2.3.4", "1.2.3.4 ", "1.2.3", "1.2.3.4.5", "1.2.3.256", "01.2.3.4",
                         "1.2.3.4x", "fe80::1%eth0", "[::1]", "::1/128", "../../etc", "1.2.3.4/32",
                         "localhost", "1.2.3.4:25", "::g", ":::", "1..2.3",
                         "0000:0000:0000:0000:0000:0000:0000:0000:1",
                         "1111:2222:3333:4444:5555:6666:7777:8888:9999"};
    for (const char* b : bad) {
        INFO("input: ", b);
        CHECK_FALSE(parse_address(b).has_value());
    }
    CHECK_FALSE(parse_address(std::string_view("1.2.3.4\0", 8)).has_value());
    CHECK_FALSE(parse_address(std::string(100, '1')).has_value());
}

TEST_CASE("prefixes")
{
    auto p = qs::parse_prefix("2001:db8:1:2:aaaa:bbbb:cccc:dddd/64");
    REQUIRE(p);
    CHECK(qs::canonical(*p) == "2001:db8:1:2::/64");
    CHECK(qs::contains(*p, *parse_address("2001:db8:1:2::99")));
    CHECK_FALSE(qs::contains(*p, *parse_address("2001:db8:1:3::99")));
    auto lo = qs::parse_prefix("127.0.0.0/8");
    REQUIRE(lo);
    CHECK(qs::contains(*lo, *parse_address("127.9.9.9")));
    CHECK(qs::contains(*lo, *parse_address("::ffff:127.0.0.2")));
    CHECK_FALSE(qs::contains(*lo, *parse_address("128.0.0.1")));
    CHECK(qs::canonical(*qs::parse_prefix("192.0.2.10")) == "192.0.2.10");
    CHECK(qs::canonical(*qs::parse_prefix("::ffff:10.0.0.0/104")) == "10.0.0.0/8");
    CHECK_FALSE(qs::parse_prefix("1.2.3.4/33"));
    CHECK_FALSE(qs::parse_prefix("1.2.3.4/"));
    CHECK_FALSE(qs::parse_prefix("::1/129"));
    CHECK_FALSE(qs::parse_prefix("1.2.3.4/8x"));
    std::string bad;
    auto list = qs::parse_prefix_list(" 127.0.0.0/8  ::1/128 192.0.2.10 ", &bad);
    REQUIRE(list);
    CHECK(list->size() == 3);
    CHECK_FALSE(qs::parse_prefix_list("127.0.0.0/8 nonsense", &bad));
    CHECK(bad == "nonsense");
}

// tcpserver's spelling, derived by hand from ucspi-tcp-ipv6's rule (the
// longest run of zero groups, the first of equal runs, even a single one)
// and confirmed against the real tcpserver in tests/e2e-ipv6.sh.
TEST_CASE("IPv6 shapes are spelled as tcpserver spells them")
{
    const char* cases[][2] = {
        {"2001:db8:1:2:3:4:5:0", "2001:db8:1:2:3:4:5::"},  // a trailing zero group
        {"2001:db8:1:2::5:0", "2001:db8:1:2::5:0"},
        {"fe80::1:0", "fe80::1:0"},
        {"2001:db8:1:2:3:4:0:0", "2001:db8:1:2:3:4::"},
        {"::", "::"},
        {"0:0:0:0:0:0:0:1", "::1"},
        {"1::", "1::"},
        {"1:0:0:2:0:0:3:4", "1::2:0:0:3:4"},          // equal runs: the first
        {"1:0:2:0:0:3:0:0", "1:0:2::3:0:0"},          // the longest, not the first
        {"2001:db8:0:1:1:1:1:1", "2001:db8::1:1:1:1:1"},  // a single group too
        {"0:1:2:3:4:5:6:7", "::1:2:3:4:5:6:7"},
        {"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
        {"ABCD:EF01:0023:0004:0500:0:0:0", "abcd:ef01:23:4:500::"},
        {"::1.2.3.4", "::102:304"},                    // IPv4-compatible stays IPv6
        {"::ffff:1.2.3.4", "1.2.3.4"},                 // IPv4-mapped is the IPv4 client
        {"::ffff:0.0.0.0", "0.0.0.0"},
        {"64:ff9b::198.51.100.1", "64:ff9b::c633:6401"},
        {"2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001::4136:e378:8000:63bf:3fff:fdd2"},
    };
    for (auto& c : cases) {
        INFO("input: ", c[0]);
        CHECK(canon(c[0]) == c[1]);
    }
}

namespace {
std::array<uint8_t, 16> pton6(const std::string& text)
{
    std::array<uint8_t, 16> out{};
    REQUIRE(::inet_pton(AF_INET6, text.c_str(), out.data()) == 1);
    return out;
}
} // namespace

// Every pattern of zero and non-zero groups (256), with several values for
// the non-zero ones: the spelling reads back as the same 16 bytes through
// inet_pton, inet_ntop's spelling of those bytes gives the same canonical
// form, and nothing but the address's own bytes decides it (an address
// inside std::optional is followed by the optional's flag byte).
TEST_CASE("every IPv6 shape round-trips through inet_pton and inet_ntop")
{
    const uint16_t values[] = {1, 0x10, 0xffff, 0xa0b, 0x8000};
    unsigned checked = 0;
    for (unsigned pattern = 0; pattern < 256; ++pattern)
        for (uint16_t v : values) {
            qs::Address a;
            for (int g = 0; g < 8; ++g) {
                uint16_t group = (pattern >> g) & 1 ? static_cast<uint16_t>(v + g) : 0;
                a.bytes[2 * g] = static_cast<uint8_t>(group >> 8);
                a.bytes[2 * g + 1] = static_cast<uint8_t>(group);
            }
            static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
            a.v4 = std::memcmp(a.bytes.data(), mapped, 12) == 0;
            std::optional<qs::Address> held = a;
            std::string text = qs::canonical(*held);
            INFO("canonical: ", text);
            if (a.v4) {
                std::array<uint8_t, 4> v4{};
                REQUIRE(::inet_pton(AF_INET, text.c_str(), v4.data()) == 1);
                CHECK(std::memcmp(v4.data(), a.bytes.data() + 12, 4) == 0);
            } else {
                CHECK(pton6(text) == a.bytes);
            }
            char ntop[INET6_ADDRSTRLEN];
            REQUIRE(::inet_ntop(AF_INET6, a.bytes.data(), ntop, sizeof ntop));
            auto back = parse_address(ntop);
            REQUIRE(back);
            CHECK(*back == a);
            CHECK(qs::canonical(*back) == text);
            CHECK(text.find(":::") == std::string::npos);
            CHECK(text.find("::") == text.rfind("::"));
            ++checked;
        }
    CHECK(checked == 256 * 5);
}

TEST_CASE("addresses that are never one client")
{
    for (const char* bad : {"::", "0.0.0.0", "0.1.2.3", "224.0.0.1", "239.1.1.1", "240.0.0.1", "255.255.255.255",
                            "ff02::1", "ff05::2", "::ffff:0.0.0.0"}) {
        INFO("address: ", bad);
        CHECK_FALSE(qs::is_client_address(*parse_address(bad)));
    }
    for (const char* good : {"192.0.2.1", "1.0.0.0", "223.255.255.255", "::1", "2001:db8::", "fe80::1", "::102:304"}) {
        INFO("address: ", good);
        CHECK(qs::is_client_address(*parse_address(good)));
    }
}

TEST_CASE("one client's block: /64 natively, the exact address behind translators")
{
    auto block = [](const char* text) { return qs::canonical(qs::client_block(*parse_address(text), 64)); };
    CHECK(block("192.0.2.7") == "192.0.2.7");
    CHECK(block("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64");
    CHECK(block("2001:db8::1") == "2001:db8::/64");  // 2001:db8::/32 is not Teredo
    CHECK(block("2001:0:4136:e378:8000:63bf:3fff:fdd2") == "2001::4136:e378:8000:63bf:3fff:fdd2");
    CHECK(block("2001:0:ffff:ffff:ffff:ffff:ffff:ffff") == "2001::ffff:ffff:ffff:ffff:ffff:ffff");
    CHECK(block("2001:1::1") == "2001:1::/64");
    CHECK(block("64:ff9b::198.51.100.1") == "64:ff9b::c633:6401");
    CHECK(block("64:ff9b:0:0:1::1") == "64:ff9b::/64");  // outside the /96
    CHECK(block("64:ff9b:1:2::5") == "64:ff9b:1:2::5");        // local-use NAT64 /48
    CHECK(block("2002:c000:201::1") == "2002:c000:201::1");
    CHECK(block("2003:c000:201::1") == "2003:c000:201::/64");
    CHECK(block("fe80::1:0") == "fe80::1:0");
    CHECK(block("febf::1") == "febf::1");
    CHECK(block("fec0::1") == "fec0::/64");
    CHECK(block("::102:304") == "::102:304");
    CHECK(qs::canonical(qs::client_block(*parse_address("2001:db8:1:2:3:4:5:6"), 48)) == "2001:db8:1::/48");
}

TEST_CASE("prefix overlap")
{
    auto p = [](const char* text) { return *qs::parse_prefix(text); };
    CHECK(qs::overlaps(p("2001:db8:1:2::/64"), p("2001:db8:1:2::10")));
    CHECK(qs::overlaps(p("2001:db8:1:2::10"), p("2001:db8:1:2::/64")));
    CHECK(qs::overlaps(p("2001:db8::/32"), p("2001:db8:1:2::/64")));
    CHECK_FALSE(qs::overlaps(p("2001:db8:1:2::/64"), p("2001:db8:1:3::10")));
    CHECK(qs::overlaps(p("10.0.0.0/8"), p("::ffff:0:0/96")));  // 0.0.0.0/0, mapped
    CHECK(qs::overlaps(p("10.0.0.0/8"), p("0.0.0.0/0")));
    CHECK_FALSE(qs::overlaps(p("10.0.0.0/8"), p("::/0")));
}
