// lib/owfat.h: libowfat's cdb through the project's one include, with no
// compiler keyword redefined (Debian's headers declare fmt_* pure; the old
// workaround `#define __attribute__(x)` also stripped glibc's attributes
// and made clang builds misparse addresses or crash).
#include "lib/owfat.h"
#include "tests/cdb_make_free.h"

#include "tests/scratch.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <string>
#include <unistd.h>

#ifdef __attribute__
#error "lib/owfat.h must not redefine __attribute__"
#endif
#if defined(FMT_H) || defined(SCAN_H) || defined(IP6_H)
#error "lib/owfat.h must not bring in libowfat's fmt, scan or ip6 headers (declared pure although they write)"
#endif

TEST_CASE("libowfat's cdb reads what its cdb_make wrote, through lib/owfat.h")
{
    ScratchDir dir;
    std::string path = (dir.path / "t.cdb").string();
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    struct cdb_make maker;
    REQUIRE(cdb_make_start(&maker, fd) != -1);
    REQUIRE(cdb_make_add(&maker, reinterpret_cast<const unsigned char*>("key"), 3,
                         reinterpret_cast<const unsigned char*>("value"), 5) == 0);
    REQUIRE(cdb_make_finish(&maker) == 0);
    free_cdb_make(maker);
    struct cdb c{};  // cdb_init calls cdb_free first: it must start zeroed
    cdb_init(&c, fd);
    REQUIRE(cdb_find(&c, reinterpret_cast<const unsigned char*>("key"), 3) == 1);
    CHECK(cdb_datalen(&c) == 5);
    char buf[5] = {'x', 'x', 'x', 'x', 'x'};
    REQUIRE(cdb_read(&c, reinterpret_cast<unsigned char*>(buf), 5, cdb_datapos(&c)) == 0);
    CHECK(std::string(buf, 5) == "value");
    CHECK(cdb_find(&c, reinterpret_cast<const unsigned char*>("nokey"), 5) == 0);
    cdb_free(&c);
    ::close(fd);
}
