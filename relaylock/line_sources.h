// Where rules text comes from, line by line: a string in memory, or a
// descriptor (relaylock-rules' standard input, the RELAYLOCK_RULES file)
// read in big blocks, since a rules file may hold millions of lines.
#ifndef QSEND_RELAYLOCK_LINE_SOURCES_H
#define QSEND_RELAYLOCK_LINE_SOURCES_H

#include <cstddef>
#include <memory>
#include <string_view>

namespace qs::relaylock {

class LineSource {
public:
    virtual ~LineSource() = default;
    // The next line without its newline (the last one may lack it); it
    // stays valid until the next call. False at the end or on an error.
    virtual bool next(std::string_view& line) = 0;
    // errno of a read error that ended the lines, else 0.
    virtual int error() const = 0;
};

class TextLines : public LineSource {
public:
    explicit TextLines(std::string_view text) : text_(text) {}
    bool next(std::string_view& line) override;
    int error() const override { return 0; }

private:
    std::string_view text_;
};

class FdLines : public LineSource {
public:
    explicit FdLines(int fd);
    bool next(std::string_view& line) override;
    int error() const override { return error_; }

private:
    // A line the buffer holds whole, or false when more must be read.
    bool take_buffered_line(std::string_view& line);
    void read_more();
    void grow(size_t capacity);

    int fd_;
    std::unique_ptr<char[]> buffer_;
    size_t capacity_ = 0, start_ = 0, scanned_ = 0, end_ = 0;
    bool eof_ = false;
    int error_ = 0;
};

} // namespace qs::relaylock

#endif
