#include "lib/cdb_write.h"

#include "lib/fd.h"
#include "lib/log.h"
#include "lib/owfat.h"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <memory>
#include <unistd.h>

namespace qs {

bool write_cdb_atomically(const std::string& cdb, const std::string& tmp,
                          const std::function<bool(const CdbAdd& add)>& fill, std::string& error)
{
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!fd) {
        error = log::with_errno("unable to create " + log::escape(tmp), errno);
        return false;
    }
    auto abandon = [&](std::string_view what, int err) {
        if (!what.empty()) error = log::with_errno(what, err);
        fd.reset();
        ::unlink(tmp.c_str());
        return false;
    };
    auto maker = std::make_unique<struct cdb_make>();  // 10 KiB of buffers: not on the stack
    if (cdb_make_start(maker.get(), fd.get()) == -1) return abandon("unable to write " + log::escape(tmp), errno);
    bool write_failed = false;
    int write_errno = 0;
    CdbAdd add = [&](std::string_view key, std::string_view data) {
        if (cdb_make_add(maker.get(), reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                         reinterpret_cast<const unsigned char*>(data.data()), data.size()) == -1) {
            write_failed = true;
            write_errno = errno;
            return false;
        }
        return true;
    };
    if (!fill(add)) {
        if (write_failed) return abandon("unable to write " + log::escape(tmp), write_errno);
        return abandon("", 0);
    }
    if (cdb_make_finish(maker.get()) == -1) return abandon("unable to write " + log::escape(tmp), errno);
    if (::fsync(fd.get()) == -1) return abandon("unable to sync " + log::escape(tmp), errno);
    if (::close(fd.release()) == -1) return abandon("unable to close " + log::escape(tmp), errno);
    if (::rename(tmp.c_str(), cdb.c_str()) == -1) {
        int err = errno;
        ::unlink(tmp.c_str());
        error = log::with_errno("unable to move " + log::escape(tmp) + " to " + log::escape(cdb), err);
        return false;
    }
    return true;
}

} // namespace qs
