// bounce-fmt: control files, streaming copies, qmail-queue's codes.
#include "bounce-fmt/bounce.h"
#include "tests/scratch.h"

#include <doctest/doctest.h>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

using namespace qs::bounce;
namespace fs = std::filesystem;
using namespace std::string_literals;

namespace {
struct ControlDir : ScratchDir {
    void put(const char* name, const std::string& text) const
    {
        std::ofstream(path / name, std::ios::binary) << text;
    }
    Controls read() const
    {
        auto controls = read_controls(path.string());
        CHECK(controls.ok());
        return controls ? *controls : Controls{};
    }
};

std::string read_fd(int fd)
{
    std::string out;
    char buf[4096];
    for (ssize_t r; (r = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(r));
    return out;
}
} // namespace

TEST_CASE("control files: qmail's defaults when nothing exists")
{
    ControlDir d;
    Controls c = d.read();
    CHECK(c.bouncefrom == "MAILER-DAEMON");
    CHECK(c.bouncehost == "bouncehost");
    CHECK(c.doublebounceto == "postmaster@doublebouncehost");
    CHECK(!c.discard_double);
    CHECK(c.maxbytes == 0);
}

TEST_CASE("control files: me stands in for bouncehost and doublebouncehost")
{
    ControlDir d;
    d.put("me", "mx.example \t\nsecond line\n");
    Controls c = d.read();
    CHECK(c.bouncehost == "mx.example");
    CHECK(c.doublebounceto == "postmaster@mx.example");
    d.put("bouncehost", "bounces.example");
    d.put("doublebouncehost", "db.example\n");
    d.put("doublebounceto", "hostmaster\n");
    d.put("bouncefrom", "daemon\r\n");  // qmail keeps a carriage return
    c = d.read();
    CHECK(c.bouncehost == "bounces.example");
    CHECK(c.doublebounceto == "hostmaster@db.example");
    CHECK(c.bouncefrom == "daemon\r");
}

TEST_CASE("control files: an empty file is an empty value, not the default")
{
    ControlDir d;
    d.put("me", "mx.example\n");
    d.put("bouncehost", "");
    d.put("bouncefrom", "\n");
    Controls c = d.read();
    CHECK(c.bouncehost == "");
    CHECK(c.bouncefrom == "");
    CHECK(!c.discard_double);
    d.put("doublebounceto", "  \n");
    CHECK(d.read().discard_double);
    d.put("me", "");
    fs::remove(d.path / "bouncehost");
    CHECK(d.read().bouncehost == "");  // control/me exists, empty
}

TEST_CASE("control files: bouncemaxbytes reads leading digits like control_readint")
{
    ControlDir d;
    d.put("bouncemaxbytes", "50000\n");
    CHECK(d.read().maxbytes == 50000);
    d.put("bouncemaxbytes", "123abc\n");
    CHECK(d.read().maxbytes == 123);
    d.put("bouncemaxbytes", "abc\n");
    CHECK(d.read().maxbytes == 0);
    d.put("bouncemaxbytes", "");
    CHECK(d.read().maxbytes == 0);
    d.put("bouncemaxbytes", "99999999999999999999999\n");
    CHECK(d.read().maxbytes == UINT64_MAX);
    CHECK(leading_number("0") == 0u);
    CHECK(!leading_number(" 5"));
}

TEST_CASE("control files: a directory that is missing or not one is a fault")
{
    ControlDir d;
    CHECK_FALSE(read_controls((d.path / "missing").string()));
    d.put("file", "x");
    CHECK_FALSE(read_controls((d.path / "file").string()));
    fs::create_directory(d.path / "me");  // exists but cannot be read as a file
    CHECK_FALSE(read_controls(d.path.string()));
}

TEST_CASE("copy_stream copies everything, or exactly limit bytes, through pipes and files")
{
    std::string data;
    for (int i = 0; i < 300000; ++i) data += static_cast<char>('a' + i % 26);
    ControlDir d;
    std::string in_path = (d.path / "in").string(), out_path = (d.path / "out").string();
    d.put("in", data);
    for (std::uint64_t limit : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{70000},
                                std::uint64_t{300000}, std::uint64_t{400000}}) {
        CAPTURE(limit);
        // file to file (copy_file_range)
        int in = ::open(in_path.c_str(), O_RDONLY | O_CLOEXEC);
        int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        CopyResult r = copy_stream(in, out, limit);
        ::close(in);
        ::close(out);
        std::uint64_t want = limit && limit < data.size() ? limit : data.size();
        CHECK(r.ok);
        CHECK(r.copied == want);
        CHECK(r.hit_limit == (limit != 0 && limit <= data.size()));
        std::ifstream f(out_path, std::ios::binary);
        std::string got((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        CHECK(got == data.substr(0, want));
        // file to pipe (splice), read back by a child-free drain after close
        int p[2];
        REQUIRE(::pipe(p) == 0);
        ::fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
        in = ::open(in_path.c_str(), O_RDONLY | O_CLOEXEC);
        r = copy_stream(in, p[1], limit);
        ::close(in);
        ::close(p[1]);
        CHECK(r.ok);
        CHECK(read_fd(p[0]) == data.substr(0, want));
        ::close(p[0]);
    }
}

TEST_CASE("copy_stream reports which side failed")
{
    int full = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
    int zero = ::open("/dev/zero", O_RDONLY | O_CLOEXEC);
    REQUIRE(full >= 0);
    REQUIRE(zero >= 0);
    CopyResult r = copy_stream(zero, full, 1000);
    CHECK(!r.ok);
    CHECK(!r.read_failed);
    CHECK(r.error == ENOSPC);
    int dir = ::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    r = copy_stream(dir, full, 0);
    CHECK(!r.ok);
    CHECK(r.read_failed);
    CHECK(r.error == EISDIR);
    ::close(dir);
    ::close(full);
    ::close(zero);
}

TEST_CASE("qmail-queue: envelope bytes and exit codes as qmail.c reads them")
{
    CHECK(queue_envelope("", "a@b") == "F\0Ta@b\0\0"s);
    CHECK(queue_envelope("#@[]", "postmaster@h") == "F#@[]\0Tpostmaster@h\0\0"s);
    auto exited = [](int code) { return code << 8; };
    CHECK(queue_exit_code(exited(0), true) == 0);
    CHECK(queue_exit_code(exited(0), false) == 111);
    for (int code : {11, 31, 40, 115}) CHECK(queue_exit_code(exited(code), true) == 100);
    for (int code : {1, 10, 41, 51, 53, 71, 81, 91, 120}) CHECK(queue_exit_code(exited(code), true) == 111);
    CHECK(queue_exit_code(9, true) == 111);  // killed by a signal
    CHECK(queue_exit_text(31) == "mail server permanently rejected message");
    CHECK(queue_exit_text(12) == "qq permanent problem");
    CHECK(queue_exit_text(99) == "qq temporary problem");
}
