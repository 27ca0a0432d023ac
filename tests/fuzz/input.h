// Helpers for the libFuzzer targets in tests/fuzz: the input as text,
// taken apart at a separator, and a file that holds it for parsers that
// read a path (an anonymous memfd reopened through /proc/self/fd, made
// once per process: the file system is never touched).
#ifndef QSEND_TESTS_FUZZ_INPUT_H
#define QSEND_TESTS_FUZZ_INPUT_H

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

namespace fuzz {

inline std::string_view text(const uint8_t* data, size_t size)
{
    return {reinterpret_cast<const char*>(data), size};
}

// At most max pieces; the last one keeps any further separators.
inline std::vector<std::string_view> split(std::string_view in, char sep, size_t max = SIZE_MAX)
{
    std::vector<std::string_view> out;
    while (out.size() + 1 < max) {
        size_t at = in.find(sep);
        if (at == std::string_view::npos) break;
        out.push_back(in.substr(0, at));
        in.remove_prefix(at + 1);
    }
    out.push_back(in);
    return out;
}

// A property of the parser does not hold: stop with a crash libFuzzer keeps.
inline void require(bool ok)
{
    if (!ok) std::abort();
}

class MemFile {
public:
    MemFile() : fd_(memfd_create("qsend-fuzz", MFD_CLOEXEC)) { require(fd_ >= 0); }
    // Replaces the contents; returns the path that opens them.
    std::string hold(std::string_view bytes)
    {
        require(ftruncate(fd_, 0) == 0);
        for (size_t done = 0; done < bytes.size();) {
            ssize_t w = pwrite(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
            require(w > 0);
            done += static_cast<size_t>(w);
        }
        return "/proc/self/fd/" + std::to_string(fd_);
    }

private:
    int fd_;
};

} // namespace fuzz

#endif
