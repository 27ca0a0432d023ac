// An owned file descriptor, closed on destruction. Every descriptor we open
// is O_CLOEXEC: these programs exec the next program in the chain.
#ifndef QSEND_LIB_FD_H
#define QSEND_LIB_FD_H

#include <unistd.h>
#include <utility>

namespace qs {

class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept
    {
        if (this != &other) reset(std::exchange(other.fd_, -1));
        return *this;
    }
    ~Fd() { reset(); }

    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }
    int release() { return std::exchange(fd_, -1); }
    void reset(int fd = -1)
    {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }

private:
    int fd_ = -1;
};

// Writes all of data, retrying on EINTR and short writes. False on error.
bool write_all(int fd, const void* data, size_t len);
// Reads until EOF or max bytes. Returns bytes read, or -1 on error.
long read_all(int fd, void* data, size_t max);
// Reads exactly len bytes at offset, retrying EINTR and short reads. False
// on error or end of file first.
bool pread_exactly(int fd, void* data, size_t len, off_t offset);

} // namespace qs

#endif
