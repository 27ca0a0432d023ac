// Regression test for Debian's libowfat headers, which declare fmt_* pure.
// Through lib/owfat.h the compiler must not assume the buffer unchanged;
// including <fmt.h> directly makes g++ -O2 read back 'x' here.
#include "lib/owfat.h"

#include <doctest/doctest.h>
#include <string>

TEST_CASE("fmt_ulong through lib/owfat.h writes the buffer the compiler then reads")
{
    char b[32];
    b[0] = 'x';
    size_t n = fmt_ulong(b, 7);
    CHECK(n == 1);
    CHECK(b[0] == '7');
}

TEST_CASE("fmt_ip4 and scan_ip6 results are seen by the caller")
{
    char ip[4] = {1, 2, 3, 4};
    char out[FMT_IP4];
    out[0] = 'x';
    size_t n = fmt_ip4(out, ip);
    CHECK(std::string(out, n) == "1.2.3.4");
    char v6[16] = {};
    CHECK(scan_ip6("::1", v6) == 3);
    CHECK(v6[15] == 1);
}
