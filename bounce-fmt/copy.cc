// Copying the original message: as fast as cat, in constant memory, and
// exact to the byte when bouncemaxbytes cuts it.
#include "bounce-fmt/bounce.h"

#include "lib/log.h"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qs::bounce {

namespace {

constexpr std::size_t kernel_chunk = std::size_t{1} << 30;
constexpr std::size_t buffer_size = std::size_t{128} << 10;

bool is_type(int fd, mode_t type)
{
    struct stat st;
    return ::fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == type;
}

} // namespace

CopyResult copy_stream(int in, int out, std::uint64_t limit)
{
    CopyResult result;
    // The kernel paths: any error just means "not here"; the read/write
    // loop then meets the real error (if any) and says which side it was.
    bool try_range = is_type(in, S_IFREG) && is_type(out, S_IFREG);
    bool try_splice = !try_range && (is_type(in, S_IFIFO) || is_type(out, S_IFIFO));
    auto want = [&](std::size_t most) {
        if (!limit) return most;
        return static_cast<std::size_t>(std::min<std::uint64_t>(most, limit - result.copied));
    };
    while (!limit || result.copied < limit) {
        if (try_range || try_splice) {
            ssize_t n = try_range
                            ? ::copy_file_range(in, nullptr, out, nullptr, want(kernel_chunk), 0)
                            : ::splice(in, nullptr, out, nullptr, want(kernel_chunk), SPLICE_F_MOVE);
            if (n > 0) {
                result.copied += static_cast<std::uint64_t>(n);
                continue;
            }
            if (n == 0) break;
            if (errno == EINTR) continue;
            try_range = try_splice = false;
            continue;
        }
        alignas(4096) static char buf[buffer_size];
        ssize_t r = ::read(in, buf, want(buffer_size));
        if (r < 0) {
            if (errno == EINTR) continue;
            result.ok = false;
            result.read_failed = true;
            result.error = errno;
            return result;
        }
        if (r == 0) break;
        const char* p = buf;
        std::size_t left = static_cast<std::size_t>(r);
        while (left > 0) {
            ssize_t w = ::write(out, p, left);
            if (w < 0) {
                if (errno == EINTR) continue;
                result.ok = false;
                result.error = errno;
                return result;
            }
            p += w;
            left -= static_cast<std::size_t>(w);
        }
        result.copied += static_cast<std::uint64_t>(r);
    }
    result.hit_limit = limit && result.copied == limit;
    return result;
}

Result<std::string> read_up_to(int in, std::size_t max, std::string_view failure_text)
{
    std::string data;
    char buf[buffer_size];
    while (data.size() < max) {
        ssize_t r = ::read(in, buf, std::min(sizeof buf, max - data.size()));
        if (r < 0) {
            if (errno == EINTR) continue;
            return temporary_fault(log::with_errno(failure_text, errno));
        }
        if (r == 0) break;
        data.append(buf, static_cast<std::size_t>(r));
    }
    return data;
}

} // namespace qs::bounce
