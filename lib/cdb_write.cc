#include "lib/cdb_write.h"

#include "lib/fd.h"
#include "lib/log.h"
#include "lib/owfat.h"

#include <cerrno>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

namespace qs {

bool write_cdb_atomically(std::string_view cdb, std::string_view tmp,
                          const std::function<bool(const CdbAdd& add)>& fill, std::string& error,
                          mode_t new_mode)
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
    auto maker = std::make_unique<struct cdb_make>();  // 10 KiB of buffers: not on the stack
    if (cdb_make_start(maker.get(), fd.get()) == -1) return fail("unable to write", errno);
    int write_errno = 0;
    CdbAdd add = [&](std::string_view key, std::string_view data) {
        errno = 0;
        if (cdb_make_add(maker.get(), reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                         reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 0)
            return true;
        write_errno = errno ? errno : ENOMEM;
        return false;
    };
    if (!fill(add)) return write_errno ? fail("unable to write", write_errno) : fail("", 0);
    errno = 0;
    if (cdb_make_finish(maker.get()) != 0) return fail("unable to write", errno ? errno : EIO);
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

bool write_cdb_atomically(std::string_view cdb, std::string_view tmp, const std::vector<CdbRecord>& records,
                          std::string& error, mode_t new_mode)
{
    return write_cdb_atomically(
        cdb, tmp,
        [&](const CdbAdd& add) {
            for (const auto& r : records)
                if (!add(r.key, r.value)) return false;
            return true;
        },
        error, new_mode);
}

} // namespace qs
