// qmail's control files, read the way control.c reads them.
#include "bounce-fmt/bounce.h"

#include "lib/fd.h"
#include "lib/log.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>

namespace qs::bounce {

namespace {

enum class Read { missing, ok, fault };

// control_readline(): the first line, trailing '\n', ' ' and '\t' removed
// (not '\r': qmail keeps it).
Read first_line(const std::string& path, std::string& line, std::string& fault)
{
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd) {
        if (errno == ENOENT) return Read::missing;
        fault = log::with_errno("unable to open control file path=" + log::escape(path), errno);
        return Read::fault;
    }
    line.clear();
    char buf[4096];
    for (;;) {
        ssize_t r = ::read(fd.get(), buf, sizeof buf);
        if (r < 0) {
            if (errno == EINTR) continue;
            fault = log::with_errno("unable to read control file path=" + log::escape(path), errno);
            return Read::fault;
        }
        if (r == 0) break;
        std::string_view chunk(buf, static_cast<std::size_t>(r));
        auto nl = chunk.find('\n');
        line.append(chunk.substr(0, nl));
        if (nl != std::string_view::npos) break;
    }
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.pop_back();
    return Read::ok;
}

} // namespace

std::optional<std::uint64_t> leading_number(std::string_view line)
{
    std::uint64_t n = 0;
    std::size_t i = 0;
    for (; i < line.size() && line[i] >= '0' && line[i] <= '9'; ++i) {
        unsigned digit = static_cast<unsigned>(line[i] - '0');
        n = n > (UINT64_MAX - digit) / 10 ? UINT64_MAX : n * 10 + digit;
    }
    if (i == 0) return std::nullopt;
    return n;
}

Result<Controls> read_controls(const std::string& dir)
{
    struct stat st;
    if (::stat(dir.c_str(), &st) != 0)
        return temporary_fault(log::with_errno("unable to use control directory path=" + log::escape(dir), errno));
    if (!S_ISDIR(st.st_mode))
        return temporary_fault("control directory is not a directory path=" + log::escape(dir));
    Controls out;
    std::string fault;
    auto read = [&](const char* name, std::string& value) {
        return first_line(dir + "/" + name, value, fault);
    };
    // control_rldef(): the file, else (flagme) control/me when it exists,
    // else the literal default.
    std::string me;
    Read me_read = read("me", me);
    bool failed = me_read == Read::fault;
    auto with_default = [&](const char* name, std::string& value, bool flagme,
                            const char* fallback) {
        if (failed) return Read::fault;
        Read r = read(name, value);
        if (r == Read::fault) failed = true;
        if (r == Read::missing) value = flagme && me_read == Read::ok ? me : fallback;
        return r;
    };
    std::string doublebouncehost, doublebounceto, maxbytes;
    with_default("bouncefrom", out.bouncefrom, false, "MAILER-DAEMON");
    with_default("bouncehost", out.bouncehost, true, "bouncehost");
    with_default("doublebouncehost", doublebouncehost, true, "doublebouncehost");
    Read to_read = with_default("doublebounceto", doublebounceto, false, "postmaster");
    with_default("bouncemaxbytes", maxbytes, false, "");
    if (failed) return temporary_fault(fault);
    out.discard_double = to_read == Read::ok && doublebounceto.empty();
    out.doublebounceto = doublebounceto + "@" + doublebouncehost;
    out.maxbytes = leading_number(maxbytes).value_or(0);
    if (!maxbytes.empty() && !leading_number(maxbytes))
        log::warning("bouncemaxbytes is not a number, copying whole messages value=" +
                     log::escape(maxbytes));
    return out;
}

} // namespace qs::bounce
