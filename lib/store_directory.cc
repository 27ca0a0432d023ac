#include "lib/store_directory.h"

#include "lib/hex.h"
#include "lib/sha256.h"

#include "lib/fd.h"
#include "lib/log.h"

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <ctime>
#include <time.h>

namespace qs {

namespace {

bool plain_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
           c == '@' || c == '+' || c == '=' || c == ',' || c == '_' || c == '-' || c == '.';
}

// Longer names fail with ENAMETOOLONG on every Linux file system.
constexpr std::size_t max_name = 255;

// A hashed entry's file begins with "LEN:KEY", so that scan can name its
// key and get can tell its own entry from another key's.
bool hashed_name(std::string_view name) { return !name.empty() && name[0] == '#'; }

std::string hashed_header(std::string_view key) { return std::to_string(key.size()) + ":" + std::string(key); }

// Splits a hashed entry's contents; false when the header is malformed.
bool split_hashed(std::string_view contents, std::string& key, std::string_view& value)
{
    std::size_t colon = contents.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 3) return false;
    std::size_t len = 0;
    for (char c : contents.substr(0, colon)) {
        if (c < '0' || c > '9') return false;
        len = len * 10 + static_cast<std::size_t>(c - '0');
    }
    if (len == 0 || len > Store::max_key || contents.size() - colon - 1 < len) return false;
    key.assign(contents.substr(colon + 1, len));
    value = contents.substr(colon + 1 + len);
    return true;
}

class DirectoryStore final : public Store {
public:
    explicit DirectoryStore(std::string_view directory) : path_(directory)
    {
        dir_.reset(::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!dir_) open_errno_ = errno;
    }

    StoreResult get(std::string_view key, std::string& value) override
    {
        std::string name;
        if (!ready(key, name)) return StoreResult::fault;
        return read_entry(name, key, value);
    }

    StoreResult put(std::string_view key, std::string_view value, long) override
    {
        std::string name;
        if (!ready(key, name) || !check_value(value)) return StoreResult::fault;
        Fd lock = lock_exclusive();
        if (!lock) return StoreResult::fault;
        return write_entry(name, key, value);
    }

    StoreResult remove(std::string_view key) override
    {
        std::string name;
        if (!ready(key, name)) return StoreResult::fault;
        Fd lock = lock_exclusive();
        if (!lock) return StoreResult::fault;
        return remove_entry(name);
    }

    StoreResult update(std::string_view key,
                       const std::function<StoreChange(const std::string* current)>& fn) override
    {
        std::string name;
        if (!ready(key, name)) return StoreResult::fault;
        Fd lock = lock_exclusive();
        if (!lock) return StoreResult::fault;
        std::string current;
        StoreResult found = read_entry(name, key, current);
        if (found == StoreResult::fault) return found;
        StoreChange change = fn(found == StoreResult::ok ? &current : nullptr);
        switch (change.action) {
        case StoreChange::keep: return found;
        case StoreChange::replace:
            if (!check_value(change.value)) return StoreResult::fault;
            return write_entry(name, key, change.value);
        case StoreChange::erase:
            return found == StoreResult::ok ? remove_entry(name) : StoreResult::absent;
        }
        return StoreResult::fault;
    }

    StoreResult scan(const std::function<void(std::string_view, std::string_view)>& fn) override
    {
        DIR* d = open_listing();
        if (!d) return StoreResult::fault;
        std::string key, value;
        for (;;) {
            errno = 0;
            struct dirent* e = ::readdir(d);
            if (!e) break;
            if (e->d_name[0] == '.') continue;
            if (hashed_name(e->d_name)) {
                key.clear();  // read_entry finds it in the file
            } else if (auto plain = store_key_from_file_name(e->d_name)) {
                key = *plain;
            } else {
                continue;
            }
            if (read_entry(e->d_name, key, value, &key) == StoreResult::ok) fn(key, value);
        }
        int err = errno;
        ::closedir(d);
        if (err) return fault("unable to read store directory", err);
        return StoreResult::ok;
    }

    StoreResult sweep_leftovers(long max_age) override
    {
        DIR* d = open_listing();
        if (!d) return StoreResult::fault;
        std::time_t now = std::time(nullptr);
        for (;;) {
            struct dirent* e = ::readdir(d);
            if (!e) break;
            if (std::strncmp(e->d_name, temp_prefix, std::strlen(temp_prefix)) != 0) continue;
            struct stat st;
            if (::fstatat(dir_.get(), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && now - st.st_mtime > max_age)
                ::unlinkat(dir_.get(), e->d_name, 0);
        }
        ::closedir(d);
        return StoreResult::ok;
    }

private:
    static constexpr const char* temp_prefix = ".tmp.";

    // A listing of the store on a descriptor of its own (readdir moves the
    // offset); nullptr after recording the fault.
    DIR* open_listing()
    {
        if (!dir_) {
            opened_fault();
            return nullptr;
        }
        int copy = ::openat(dir_.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (copy < 0) {
            fault("unable to read store directory", errno);
            return nullptr;
        }
        DIR* d = ::fdopendir(copy);
        if (!d) {
            fault("unable to read store directory", errno);
            ::close(copy);
        }
        return d;
    }

    bool ready(std::string_view key, std::string& name)
    {
        if (!dir_) {
            opened_fault();
            return false;
        }
        name = store_file_name(key);
        if (name.empty()) {
            error_ = "store: empty or overlong key";
            return false;
        }
        return true;
    }

    bool check_value(std::string_view value)
    {
        if (value.size() <= max_value) return true;
        error_ = "store: value too long";
        return false;
    }

    StoreResult opened_fault()
    {
        return fault("unable to open store " + log::escape(path_), open_errno_);
    }

    StoreResult fault(std::string_view what, int err)
    {
        error_ = log::with_errno(what, err);
        return StoreResult::fault;
    }

    // flock needs only a descriptor open for reading, so every user who may
    // read the directory's group can take the lock. Whoever comes first
    // (often root's POP checker) creates .lock with the directory's group
    // and its group read bit: a 0600 root-owned .lock made every qmaild
    // checker fail with 111. Others get no bit, or any local user could
    // hold the lock forever.
    Fd lock_exclusive()
    {
        Fd lock = open_lock_file();
        if (!lock) return lock;
        while (::flock(lock.get(), LOCK_EX) != 0) {
            if (errno == EINTR) continue;
            fault("unable to lock store " + log::escape(path_) + "/.lock", errno);
            lock.reset();
            break;
        }
        return lock;
    }

    Fd open_lock_file()
    {
        for (int tries = 0; tries < 3; ++tries) {
            Fd lock(::openat(dir_.get(), ".lock", O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
            if (lock || errno != ENOENT) {
                if (!lock) fault("unable to open store lock " + log::escape(path_) + "/.lock", errno);
                return lock;
            }
            lock.reset(::openat(dir_.get(), ".lock", O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
            if (!lock) {
                if (errno == EEXIST) continue;  // created by another process meanwhile
                fault("unable to create store lock " + log::escape(path_) + "/.lock", errno);
                return lock;
            }
            struct stat dir;
            if (::fstat(dir_.get(), &dir) == 0 && (dir.st_mode & 0070)) {
                // group from the directory (as a setgid directory would give)
                if (::fchown(lock.get(), static_cast<uid_t>(-1), dir.st_gid) == 0)
                    ::fchmod(lock.get(), 0600 | (dir.st_mode & 0060 ? 0040 : 0));
            }
            return lock;
        }
        fault("unable to open store lock " + log::escape(path_) + "/.lock", EEXIST);
        return Fd();
    }

    // Reads the entry NAME into value. For a hashed name the file also
    // names its key: it must be KEY, or when KEY is empty (a scan) it is
    // stored in *scanned_key.
    StoreResult read_entry(const std::string& name, std::string_view key, std::string& value,
                           std::string* scanned_key = nullptr)
    {
        Fd fd(::openat(dir_.get(), name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
        if (!fd) {
            if (errno == ENOENT) return StoreResult::absent;
            return fault("unable to open " + log::escape(name), errno);
        }
        struct stat st;
        if (::fstat(fd.get(), &st) != 0) return fault("unable to stat " + log::escape(name), errno);
        if (!S_ISREG(st.st_mode)) {
            error_ = "store: not a regular file: " + log::escape(name);
            return StoreResult::fault;
        }
        char buf[max_value + max_key + 5];
        long n = read_all(fd.get(), buf, sizeof buf);
        if (n < 0) return fault("unable to read " + log::escape(name), errno);
        std::string_view contents(buf, static_cast<size_t>(n));
        if (hashed_name(name)) return read_hashed(name, key, contents, value, scanned_key);
        if (contents.size() > max_value) {
            error_ = "store: oversized entry " + log::escape(name);
            return StoreResult::fault;
        }
        value.assign(contents);
        return StoreResult::ok;
    }

    StoreResult read_hashed(const std::string& name, std::string_view key, std::string_view contents,
                            std::string& value, std::string* scanned_key)
    {
        std::string found;
        std::string_view stored;
        bool scanning = key.empty() && scanned_key;
        if (!split_hashed(contents, found, stored) || stored.size() > max_value ||
            (scanning && store_file_name(found) != name)) {
            error_ = "store: malformed entry " + log::escape(name);
            return StoreResult::fault;
        }
        if (scanning) {
            *scanned_key = found;
        } else if (found != key) {
            error_ = "store: two keys share the entry " + log::escape(name);
            return StoreResult::fault;
        }
        value.assign(stored);
        return StoreResult::ok;
    }

    StoreResult write_entry(const std::string& name, std::string_view key, std::string_view value)
    {
        std::string contents;
        if (hashed_name(name)) {
            contents = hashed_header(key);
            contents += value;
            value = contents;
        }
        // Unique per process and call; only lock holders write, so the
        // counter cannot collide within this process either.
        struct timespec now;
        ::clock_gettime(CLOCK_REALTIME, &now);
        std::string temp = temp_prefix + std::to_string(::getpid()) + "." + std::to_string(now.tv_sec) + "." +
                           std::to_string(now.tv_nsec) + "." + std::to_string(++counter_);
        Fd fd(::openat(dir_.get(), temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644));
        if (!fd) return fault("unable to create temporary entry", errno);
        if (!write_all(fd.get(), value.data(), value.size())) {
            int err = errno;
            ::unlinkat(dir_.get(), temp.c_str(), 0);
            return fault("unable to write temporary entry", err);
        }
        if (::close(fd.release()) != 0) {
            int err = errno;
            ::unlinkat(dir_.get(), temp.c_str(), 0);
            return fault("unable to write temporary entry", err);
        }
        if (::renameat(dir_.get(), temp.c_str(), dir_.get(), name.c_str()) != 0) {
            int err = errno;
            ::unlinkat(dir_.get(), temp.c_str(), 0);
            return fault("unable to rename entry into place", err);
        }
        return StoreResult::ok;
    }

    StoreResult remove_entry(const std::string& name)
    {
        if (::unlinkat(dir_.get(), name.c_str(), 0) == 0) return StoreResult::ok;
        if (errno == ENOENT) return StoreResult::absent;
        return fault("unable to remove " + log::escape(name), errno);
    }

    std::string path_;
    Fd dir_;
    int open_errno_ = 0;
    unsigned long counter_ = 0;
};

} // namespace

std::string store_file_name(std::string_view key)
{
    if (key.empty() || key.size() > Store::max_key) return {};
    std::string out;
    for (size_t i = 0; i < key.size(); ++i) {
        auto c = static_cast<unsigned char>(key[i]);
        if (plain_byte(c) && !(i == 0 && c == '.')) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex::digits[c >> 4];
            out += hex::digits[c & 15];
        }
    }
    if (out.size() > max_name) {
        Sha256Digest d = sha256(key);
        out = "#" + hex::encode(d.data(), d.size());
    }
    return out;
}

std::optional<std::string> store_key_from_file_name(std::string_view name)
{
    std::string key;
    for (size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        if (c == '%') {
            if (i + 2 >= name.size()) return std::nullopt;
            int hi = hex::value(name[i + 1], false), lo = hex::value(name[i + 2], false);
            if (hi < 0 || lo < 0) return std::nullopt;
            key += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else if (plain_byte(static_cast<unsigned char>(c))) {
            key += c;
        } else {
            return std::nullopt;
        }
    }
    if (key.empty() || store_file_name(key) != name) return std::nullopt;
    return key;
}

std::unique_ptr<Store> open_directory_store(std::string_view directory)
{
    return std::make_unique<DirectoryStore>(directory);
}

} // namespace qs
