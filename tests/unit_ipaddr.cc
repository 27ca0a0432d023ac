#include "lib/ipaddr.h"

#include <doctest/doctest.h>

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
