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

// TMP as the directory that holds it and its name there.
bool split_path(const std::string& path, std::string& dir, std::string& name)
{
    size_t slash = path.rfind('/');
    if (slash == std::string::npos) {
        dir = ".";
        name = path;
    } else {
        dir = slash == 0 ? "/" : path.substr(0, slash);
        name = path.substr(slash + 1);
    }
    return !name.empty() && name != "." && name != "..";
}

// Creates TMP, a new file nobody else has open, in a directory that only
// we, root, or (when sticky) nobody else for our files can change. dir
// stays open for the rename. Errors are one line.
Fd create_tmp(const std::string& tmp_path, Fd& dir, std::string& name, std::string& error)
{
    const std::string shown = log::escape(tmp_path);
    auto refuse = [&](const std::string& why) {
        error = "refusing " + shown + " as the temporary file: " + why;
        return Fd();
    };
    std::string dir_path;
    if (!split_path(tmp_path, dir_path, name)) return refuse("not a file name");
    dir.reset(::open(dir_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    struct stat st;
    if (!dir || ::fstat(dir.get(), &st) != 0) {
        error = log::with_errno("unable to create " + shown, errno);
        return Fd();
    }
    const uid_t me = ::geteuid();
    const std::string shown_dir = log::escape(dir_path);
    if (st.st_uid != me && st.st_uid != 0)
        return refuse("its directory " + shown_dir + " is owned by uid " + std::to_string(st.st_uid) +
                      ", neither us nor root");
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (st.st_mode & S_ISVTX) == 0)
        return refuse("its directory " + shown_dir + " is writable by others and not sticky");
    for (int attempt = 0;; ++attempt) {
        Fd fd(::openat(dir.get(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (fd) return fd;
        if (errno != EEXIST || attempt > 0) {
            error = log::with_errno("unable to create " + shown, errno);
            return Fd();
        }
        // Something is there: remove it only when it is a temporary file
        // we left behind. Nobody else can replace it between the look and
        // the removal: the directory is ours or root's, or sticky.
        if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno == ENOENT) continue;
            error = log::with_errno("unable to create " + shown, errno);
            return Fd();
        }
        if (S_ISLNK(st.st_mode)) return refuse("it is a symbolic link");
        if (!S_ISREG(st.st_mode)) return refuse("it exists and is not a regular file");
        if (st.st_uid != me)
            return refuse("it exists and belongs to uid " + std::to_string(st.st_uid) +
                          " (only a stale temporary file of our own is removed)");
        if (st.st_nlink != 1)
            return refuse("it exists with " + std::to_string(st.st_nlink) + " names (a hard link)");
        if (::unlinkat(dir.get(), name.c_str(), 0) != 0 && errno != ENOENT) {
            error = log::with_errno("unable to remove the stale " + shown, errno);
            return Fd();
        }
    }
}

bool write_cdb(std::string_view cdb, std::string_view tmp, const std::function<bool(const CdbAdd& add)>& fill,
               std::string& error, mode_t new_mode, size_t expected)
{
    const std::string cdb_path(cdb), tmp_path(tmp);
    struct stat old;
    const bool have_old = ::stat(cdb_path.c_str(), &old) == 0;
    Fd dir;
    std::string name;
    Fd fd = create_tmp(tmp_path, dir, name, error);
    if (!fd) return false;
    auto fail = [&](std::string_view what, int err) {
        if (!what.empty()) error = log::with_errno(std::string(what) + " " + log::escape(tmp_path), err);
        fd.reset();
        ::unlinkat(dir.get(), name.c_str(), 0);
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
    // Only we could have given it another name (it was new, in a directory
    // nobody else may change our files in): never install a file that has one.
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) return fail("unable to stat", errno);
    if (st.st_nlink != 1) {
        error = "refusing " + log::escape(tmp_path) + " as the temporary file: it gained another name while written";
        return fail("", 0);
    }
    if (::close(fd.release()) != 0) return fail("unable to close", errno);
    if (::renameat(dir.get(), name.c_str(), AT_FDCWD, cdb_path.c_str()) != 0) {
        int err = errno;
        ::unlinkat(dir.get(), name.c_str(), 0);
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
