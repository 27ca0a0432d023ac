#include "relaylock/line_sources.h"

#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace qs::relaylock {

bool TextLines::next(std::string_view& line)
{
    if (text_.empty()) return false;
    size_t newline = text_.find('\n');
    line = text_.substr(0, newline);
    text_.remove_prefix(newline == std::string_view::npos ? text_.size() : newline + 1);
    return true;
}

FdLines::FdLines(int fd) : fd_(fd) { grow(1 << 16); }

bool FdLines::next(std::string_view& line)
{
    for (;;) {
        if (take_buffered_line(line)) return true;
        if (eof_ || error_) {
            if (start_ == end_ || error_) return false;
            line = std::string_view(buffer_.get() + start_, end_ - start_);
            start_ = end_;
            return true;
        }
        read_more();
    }
}

bool FdLines::take_buffered_line(std::string_view& line)
{
    auto newline = static_cast<char*>(std::memchr(buffer_.get() + scanned_, '\n', end_ - scanned_));
    if (!newline) {
        scanned_ = end_;
        return false;
    }
    size_t at = static_cast<size_t>(newline - buffer_.get());
    line = std::string_view(buffer_.get() + start_, at - start_);
    start_ = scanned_ = at + 1;
    return true;
}

void FdLines::read_more()
{
    if (start_ > 0) {  // keep the unfinished line, at the front
        std::memmove(buffer_.get(), buffer_.get() + start_, end_ - start_);
        end_ -= start_;
        scanned_ = end_;
        start_ = 0;
    }
    if (end_ == capacity_) grow(2 * capacity_);
    ssize_t r = ::read(fd_, buffer_.get() + end_, capacity_ - end_);
    if (r < 0 && errno != EINTR) error_ = errno;
    if (r == 0) eof_ = true;
    if (r > 0) end_ += static_cast<size_t>(r);
}

void FdLines::grow(size_t capacity)
{
    auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
    if (end_) std::memcpy(bigger.get(), buffer_.get(), end_);
    buffer_ = std::move(bigger);
    capacity_ = capacity;
}

} // namespace qs::relaylock
