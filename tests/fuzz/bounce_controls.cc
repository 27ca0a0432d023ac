// libFuzzer target: bounce-fmt's read_controls, qmail's control files (me,
// bouncefrom, bouncehost, doublebouncehost, doublebounceto, bouncemaxbytes:
// first line, trailing blanks, leading_number), then envelope_for on the
// result. The input is the six files' contents, NUL-separated; a missing
// piece is a missing file. They live in one directory made once per
// process under TMPDIR (else /dev/shm, else /tmp) and removed at exit.
#include "bounce-fmt/bounce.h"
#include "tests/fuzz/input.h"

#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <unistd.h>

namespace {
const char* const names[] = {"me", "bouncefrom", "bouncehost", "doublebouncehost", "doublebounceto", "bouncemaxbytes"};
std::string dir;
void remove_dir()
{
    for (const char* n : names) unlink((dir + "/" + n).c_str());
    rmdir(dir.c_str());
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (dir.empty()) {
        const char* tmp = std::getenv("TMPDIR");
        dir = tmp && *tmp ? tmp : access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        dir += "/qsend-fuzz-controls.XXXXXX";
        fuzz::require(mkdtemp(dir.data()) != nullptr);
        std::atexit(remove_dir);
    }
    auto files = fuzz::split(fuzz::text(data, size), '\0', std::size(names));
    for (size_t i = 0; i < std::size(names); ++i) {
        std::string path = dir + "/" + names[i];
        if (i >= files.size()) {
            unlink(path.c_str());
            continue;
        }
        int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        fuzz::require(fd >= 0 && write(fd, files[i].data(), files[i].size()) == static_cast<ssize_t>(files[i].size()));
        close(fd);
    }
    auto controls = qs::bounce::read_controls(dir);
    if (!controls) return 0;
    qs::bounce::envelope_for("sender@example.net", *controls);
    qs::bounce::envelope_for("", *controls);
    return 0;
}
