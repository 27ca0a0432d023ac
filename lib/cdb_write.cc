#include "lib/cdb_write.h"

#include "lib/fd.h"
#include "lib/log.h"

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qs {

namespace {

// djb's layout: 256 (position, slots) pairs, the records (key length, data
// length, key, data), then 256 hash tables of (hash, position) slots.
// Every position is 32 bits, so the whole file stays below 4 GiB.
constexpr uint64_t header_size = 2048;
constexpr uint64_t max_file_size = 0xffffffffu;
constexpr size_t buffer_size = 64 * 1024;

uint32_t cdb_hash(std::string_view bytes)
{
    uint32_t h = 5381;
    for (unsigned char c : bytes) h = ((h << 5) + h) ^ c;
    return h;
}

void pack(unsigned char* p, uint32_t v)
{
    p[0] = static_cast<unsigned char>(v);
    p[1] = static_cast<unsigned char>(v >> 8);
    p[2] = static_cast<unsigned char>(v >> 16);
    p[3] = static_cast<unsigned char>(v >> 24);
}

bool pwrite_all(int fd, const unsigned char* data, size_t len, off_t at)
{
    while (len > 0) {
        ssize_t w = ::pwrite(fd, data, len, at);
        if (w < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        data += w;
        len -= static_cast<size_t>(w);
        at += w;
    }
    return true;
}

// Writes the records to a new, empty file, the same bytes as libowfat's
// cdb_make (slots filled in the order the records came, linear probing
// from (hash >> 8) % slots): tests/unit_cdb_write.cc compares the two.
// Every function returns 0 or an errno value.
class CdbBuilder {
public:
    CdbBuilder(int fd, size_t expected) : fd_(fd)
    {
        entries_.reserve(expected);
        buffer_.resize(buffer_size);
    }

    int add(std::string_view key, std::string_view data)
    {
        if (key.size() > max_file_size || data.size() > max_file_size ||
            pos_ + 8 + key.size() + data.size() > max_file_size)
            return EFBIG;
        unsigned char lengths[8];
        pack(lengths, static_cast<uint32_t>(key.size()));
        pack(lengths + 4, static_cast<uint32_t>(data.size()));
        if (int err = put(lengths, 8)) return err;
        if (int err = put(key.data(), key.size())) return err;
        if (int err = put(data.data(), data.size())) return err;
        entries_.push_back({cdb_hash(key), static_cast<uint32_t>(pos_)});
        pos_ += 8 + key.size() + data.size();
        return 0;
    }

    int finish()
    {
        // two slots of 8 bytes for each record
        if (pos_ + 16 * uint64_t(entries_.size()) > max_file_size) return EFBIG;
        std::array<uint32_t, 256> count{}, start{};
        for (const auto& e : entries_) ++count[e.hash & 255];
        uint32_t sum = 0;
        for (size_t i = 0; i < 256; ++i) {
            start[i] = sum;
            sum += count[i];
        }
        // the records by table, each table's in the order they came
        std::vector<Entry> by_table(entries_.size());
        std::array<uint32_t, 256> next = start;
        for (const auto& e : entries_) by_table[next[e.hash & 255]++] = e;
        entries_ = {};
        unsigned char header[header_size];
        std::vector<Entry> table;
        for (size_t i = 0; i < 256; ++i) {
            const uint32_t slots = 2 * count[i];
            pack(header + 8 * i, static_cast<uint32_t>(pos_));
            pack(header + 8 * i + 4, slots);
            table.assign(slots, Entry{0, 0});  // position 0 (inside the header): an empty slot
            for (uint32_t k = start[i]; k < start[i] + count[i]; ++k) {
                uint32_t where = (by_table[k].hash >> 8) % slots;
                while (table[where].pos != 0)
                    if (++where == slots) where = 0;
                table[where] = by_table[k];
            }
            for (const auto& slot : table) {
                unsigned char bytes[8];
                pack(bytes, slot.hash);
                pack(bytes + 4, slot.pos);
                if (int err = put(bytes, 8)) return err;
            }
            pos_ += 8 * uint64_t(slots);
        }
        if (int err = flush()) return err;
        return pwrite_all(fd_, header, sizeof header, 0) ? 0 : errno;
    }

private:
    struct Entry {
        uint32_t hash;
        uint32_t pos;
    };

    int put(const void* data, size_t len)
    {
        if (len > buffer_.size() - used_)
            if (int err = flush()) return err;
        if (len >= buffer_.size()) return pwrite_all(fd_, static_cast<const unsigned char*>(data), len, written_at(len)) ? 0 : errno;
        std::memcpy(buffer_.data() + used_, data, len);
        used_ += len;
        return 0;
    }
    // where len bytes written directly go (the buffer is empty then)
    off_t written_at(size_t len)
    {
        off_t at = static_cast<off_t>(file_end_);
        file_end_ += len;
        return at;
    }
    int flush()
    {
        if (used_ == 0) return 0;
        if (!pwrite_all(fd_, buffer_.data(), used_, static_cast<off_t>(file_end_))) return errno;
        file_end_ += used_;
        used_ = 0;
        return 0;
    }

    const int fd_;
    std::vector<Entry> entries_;
    std::vector<unsigned char> buffer_;
    size_t used_ = 0;
    uint64_t pos_ = header_size;       // where the next record or slot begins
    uint64_t file_end_ = header_size;  // what has reached the file
};

bool write_cdb(std::string_view cdb, std::string_view tmp, const std::function<bool(const CdbAdd& add)>& fill,
               std::string& error, mode_t new_mode, size_t expected)
{
    const std::string cdb_path(cdb), tmp_path(tmp);
    struct stat old;
    const bool have_old = ::stat(cdb_path.c_str(), &old) == 0;
    Fd fd(::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) {
        error = log::with_errno("unable to create " + log::escape(tmp_path), errno);
        return false;
    }
    auto fail = [&](std::string_view what, int err) {
        if (!what.empty()) error = log::with_errno(std::string(what) + " " + log::escape(tmp_path), err);
        fd.reset();
        ::unlink(tmp_path.c_str());
        return false;
    };
    // The final permissions before any secret is written.
    if (have_old) {
        if (::fchown(fd.get(), old.st_uid, old.st_gid) != 0 && errno != EPERM) return fail("unable to chown", errno);
        if (::fchmod(fd.get(), old.st_mode & 07777) != 0) return fail("unable to chmod", errno);
    } else if (::fchmod(fd.get(), new_mode) != 0) {
        return fail("unable to chmod", errno);
    }
    int write_errno = 0;
    {
        CdbBuilder builder(fd.get(), expected);
        CdbAdd add = [&](std::string_view key, std::string_view data) {
            write_errno = builder.add(key, data);
            return write_errno == 0;
        };
        if (!fill(add)) return write_errno ? fail("unable to write", write_errno) : fail("", 0);
        if (int err = builder.finish()) return fail("unable to write", err);
    }
    if (::fsync(fd.get()) != 0) return fail("unable to fsync", errno);
    if (::close(fd.release()) != 0) return fail("unable to close", errno);
    if (::rename(tmp_path.c_str(), cdb_path.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp_path.c_str());
        error = log::with_errno("unable to rename " + log::escape(tmp_path) + " to " + log::escape(cdb_path), err);
        return false;
    }
    return true;
}

} // namespace

bool write_cdb_atomically(std::string_view cdb, std::string_view tmp,
                          const std::function<bool(const CdbAdd& add)>& fill, std::string& error,
                          mode_t new_mode)
{
    return write_cdb(cdb, tmp, fill, error, new_mode, 0);
}

bool write_cdb_atomically(std::string_view cdb, std::string_view tmp, const std::vector<CdbRecord>& records,
                          std::string& error, mode_t new_mode)
{
    return write_cdb(
        cdb, tmp,
        [&](const CdbAdd& add) {
            for (const auto& r : records)
                if (!add(r.key, r.value)) return false;
            return true;
        },
        error, new_mode, records.size());
}

} // namespace qs
