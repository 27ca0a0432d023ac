// qmail's control files, read the way control.c reads them.
#include "bounce-fmt/bounce.h"

#include "lib/fd.h"
#include "lib/log.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>

namespace qs::bounce {

namespace {

// control_readline(): the first line, trailing '\n', ' ' and '\t' removed
// (not '\r': qmail keeps it); nullopt when the file does not exist.
Result<std::optional<std::string>> first_line(const std::string& path)
{
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd) {
        if (errno == ENOENT) return std::optional<std::string>();
        return temporary_fault(log::with_errno("unable to open control file path=" + log::escape(path), errno));
    }
    std::string line;
    char buf[4096];
    for (;;) {
        ssize_t r = ::read(fd.get(), buf, sizeof buf);
        if (r < 0) {
            if (errno == EINTR) continue;
            return temporary_fault(log::with_errno("unable to read control file path=" + log::escape(path), errno));
        }
        if (r == 0) break;
        std::string_view chunk(buf, static_cast<std::size_t>(r));
        auto nl = chunk.find('\n');
        line.append(chunk.substr(0, nl));
        if (nl != std::string_view::npos) break;
    }
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.pop_back();
    return std::optional<std::string>(std::move(line));
}

// One file of control_rldef(): its first line, else (flagme) control/me
// when that exists, else the literal default.
struct Wanted {
    const char* name;
    bool flagme;
    const char* fallback;
    std::string& value;
    bool* exists = nullptr;  // set when the file exists
};

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
    auto me = first_line(dir + "/me");
    if (!me) return me.fault();
    std::string doublebouncehost, doublebounceto, maxbytes;
    bool doublebounceto_exists = false;
    Wanted wanted[] = {
        {"bouncefrom", false, "MAILER-DAEMON", out.bouncefrom},
        {"bouncehost", true, "bouncehost", out.bouncehost},
        {"doublebouncehost", true, "doublebouncehost", doublebouncehost},
        {"doublebounceto", false, "postmaster", doublebounceto, &doublebounceto_exists},
        {"bouncemaxbytes", false, "", maxbytes},
    };
    for (Wanted& w : wanted) {
        auto line = first_line(dir + "/" + w.name);
        if (!line) return line.fault();
        if (w.exists) *w.exists = line->has_value();
        w.value = *line ? std::move(**line) : w.flagme && *me ? **me : std::string(w.fallback);
    }
    out.discard_double = doublebounceto_exists && doublebounceto.empty();
    out.doublebounceto = doublebounceto + "@" + doublebouncehost;
    out.maxbytes = leading_number(maxbytes).value_or(0);
    if (!maxbytes.empty() && !leading_number(maxbytes))
        log::warning("bouncemaxbytes is not a number, copying whole messages value=" +
                     log::escape(maxbytes));
    return out;
}

} // namespace qs::bounce
