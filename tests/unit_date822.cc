// lib/date822: the Date line of the notices qmail makes itself.
#include "lib/date822.h"

#include <doctest/doctest.h>

TEST_CASE("date822_line: qmail's date822fmt, UTC as -0000, the day not padded")
{
    CHECK(qs::date822_line(0) == "Date: 1 Jan 1970 00:00:00 -0000\n");
    CHECK(qs::date822_line(827034880) == "Date: 17 Mar 1996 03:54:40 -0000\n");
    CHECK(qs::date822_line(951782400) == "Date: 29 Feb 2000 00:00:00 -0000\n");
    CHECK(qs::date822_line(1795834805) == "Date: 28 Nov 2026 03:00:05 -0000\n");
    CHECK(qs::date822_line(253402300799) == "Date: 31 Dec 9999 23:59:59 -0000\n");
}
