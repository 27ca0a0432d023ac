#include "lib/cdb_write.h"

#include "lib/fd.h"
#include "lib/log.h"
#include "lib/owfat.h"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

namespace qs {

namespace {
bool fail(std::string& error, std::string_view what, const std::string& tmp, int err)
{
    error = log::with_errno(std::string(what) + " " + tmp, err);
    ::unlink(tmp.c_str());
    return false;
}
} // namespace

bool write_cdb_atomically(std::string_view cdb, std::string_view tmp,
                          const std::vector<CdbRecord>& records, std::string& error, mode_t new_mode)
{
    const std::string cdb_path(cdb);
    const std::string tmp_path(tmp);
    struct stat old;
    const bool have_old = ::stat(cdb_path.c_str(), &old) == 0;
    Fd fd(::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd) {
        error = log::with_errno("unable to create " + tmp_path, errno);
        return false;
    }
    // make the final permissions before any secret is written
    if (have_old) {
        if (::fchown(fd.get(), old.st_uid, old.st_gid) != 0 && errno != EPERM)
            return fail(error, "unable to chown", tmp_path, errno);
        if (::fchmod(fd.get(), old.st_mode & 07777) != 0) return fail(error, "unable to chmod", tmp_path, errno);
    } else if (::fchmod(fd.get(), new_mode) != 0) {
        return fail(error, "unable to chmod", tmp_path, errno);
    }
    auto maker = std::make_unique<struct cdb_make>();
    if (cdb_make_start(maker.get(), fd.get()) < 0) return fail(error, "unable to write", tmp_path, errno);
    for (const auto& r : records) {
        errno = 0;
        if (cdb_make_add(maker.get(), reinterpret_cast<const unsigned char*>(r.key.data()), r.key.size(),
                         reinterpret_cast<const unsigned char*>(r.value.data()), r.value.size()) != 0)
            return fail(error, "unable to write", tmp_path, errno ? errno : ENOMEM);
    }
    errno = 0;
    if (cdb_make_finish(maker.get()) != 0) return fail(error, "unable to write", tmp_path, errno ? errno : EIO);
    if (::fsync(fd.get()) != 0) return fail(error, "unable to fsync", tmp_path, errno);
    if (::close(fd.release()) != 0) return fail(error, "unable to close", tmp_path, errno);
    if (::rename(tmp_path.c_str(), cdb_path.c_str()) != 0) {
        error = log::with_errno("unable to rename " + tmp_path + " to " + cdb_path, errno);
        ::unlink(tmp_path.c_str());
        return false;
    }
    return true;
}

} // namespace qs
