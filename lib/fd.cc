#include "lib/fd.h"

#include <cerrno>

namespace qs {

bool write_all(int fd, const void* data, size_t len)
{
    auto p = static_cast<const char*>(data);
    while (len > 0) {
        ssize_t w = ::write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        p += w;
        len -= static_cast<size_t>(w);
    }
    return true;
}

long read_all(int fd, void* data, size_t max)
{
    auto p = static_cast<char*>(data);
    size_t got = 0;
    while (got < max) {
        ssize_t r = ::read(fd, p + got, max - got);
        if (r < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (r == 0) break;
        got += static_cast<size_t>(r);
    }
    return static_cast<long>(got);
}

bool pread_exactly(int fd, void* data, size_t len, off_t offset)
{
    auto* p = static_cast<char*>(data);
    while (len > 0) {
        ssize_t n = ::pread(fd, p, len, offset);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n, len -= static_cast<size_t>(n), offset += n;
    }
    return true;
}

} // namespace qs
