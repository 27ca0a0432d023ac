#include "lib/store.h"

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

int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
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
        return read_entry(name, value);
    }

    StoreResult put(std::string_view key, std::string_view value) override
    {
        std::string name;
        if (!ready(key, name) || !check_value(value)) return StoreResult::fault;
        Fd lock = lock_exclusive();
        if (!lock) return StoreResult::fault;
        return write_entry(name, value);
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
        StoreResult found = read_entry(name, current);
        if (found == StoreResult::fault) return found;
        StoreChange change = fn(found == StoreResult::ok ? &current : nullptr);
        switch (change.action) {
        case StoreChange::keep: return found;
        case StoreChange::replace:
            if (!check_value(change.value)) return StoreResult::fault;
            return write_entry(name, change.value);
        case StoreChange::erase:
            return found == StoreResult::ok ? remove_entry(name) : StoreResult::absent;
        }
        return StoreResult::fault;
    }

    StoreResult scan(const std::function<void(std::string_view, std::string_view)>& fn) override
    {
        DIR* d = open_listing();
        if (!d) return StoreResult::fault;
        std::string value;
        for (;;) {
            errno = 0;
            struct dirent* e = ::readdir(d);
            if (!e) break;
            if (e->d_name[0] == '.') continue;
            auto key = store_key_from_file_name(e->d_name);
            if (!key) continue;
            StoreResult r = read_entry(e->d_name, value);
            if (r == StoreResult::ok) fn(*key, value);
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

    StoreResult read_entry(const std::string& name, std::string& value)
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
        char buf[max_value + 1];
        long n = read_all(fd.get(), buf, sizeof buf);
        if (n < 0) return fault("unable to read " + log::escape(name), errno);
        if (static_cast<size_t>(n) > max_value) {
            error_ = "store: oversized entry " + log::escape(name);
            return StoreResult::fault;
        }
        value.assign(buf, static_cast<size_t>(n));
        return StoreResult::ok;
    }

    StoreResult write_entry(const std::string& name, std::string_view value)
    {
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
    static const char hex[] = "0123456789abcdef";
    if (key.empty() || key.size() > Store::max_key) return {};
    std::string out;
    for (size_t i = 0; i < key.size(); ++i) {
        auto c = static_cast<unsigned char>(key[i]);
        if (plain_byte(c) && !(i == 0 && c == '.')) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
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
            int hi = hex_value(name[i + 1]), lo = hex_value(name[i + 2]);
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

Result<std::unique_ptr<Store>> open_store(std::string_view spec, std::string_view variable)
{
    if (spec.starts_with("dir:/")) return open_directory_store(spec.substr(4));
    if (spec.starts_with("redis://") || spec.starts_with("redis+unix://"))
        return temporary_fault(std::string(variable) + ": this build has no Redis store yet");
    return temporary_fault(std::string(variable) + " is not dir:/PATH: " + log::escape(spec));
}

std::string directory_spec(std::string_view path) { return "dir:" + std::string(path); }

} // namespace qs
