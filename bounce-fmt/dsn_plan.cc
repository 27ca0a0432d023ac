// bounce-fmt -d's plan: the look-ahead at the start of the message, a
// spool file for what must be read before it can be written, and the MIME
// boundary (random, or with SOURCE_DATE_EPOCH derived and proved absent).
#include "bounce-fmt/plan.h"

#include "lib/hex.h"
#include "lib/log.h"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <optional>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qs::bounce {

namespace {

std::string hex64(std::uint64_t v)
{
    unsigned char bytes[8];
    for (int i = 7; i >= 0; --i, v >>= 8) bytes[i] = static_cast<unsigned char>(v & 0xff);
    return hex::encode(bytes, sizeof bytes);
}

// A MIME boundary the original message will not contain: random, or with
// SOURCE_DATE_EPOCH a hash of everything known (reproducible output).
std::string make_boundary(const Job& job, std::string_view read_ahead)
{
    std::uint64_t h = 0;
    if (!job.config.fixed_time && ::getrandom(&h, sizeof h, 0) == sizeof h) return "=_bounce-fmt_" + hex64(h);
    h = 14695981039346656037ULL;
    auto mix = [&](std::string_view s) {
        for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
        h = (h ^ 0xff) * 1099511628211ULL;
    };
    mix(std::to_string(job.config.now));
    if (!job.config.fixed_time) mix(std::to_string(::getpid()));
    mix(job.sender);
    for (const auto& f : job.failures) {
        mix(f.recipient);
        mix(f.reason);
    }
    mix(read_ahead);
    return "=_bounce-fmt_" + hex64(h);
}

// Calls each(chunk) over the bytes of fd from offset to its end, by pread
// (the descriptor's own position stays). False on a read error.
template <class F>
bool each_chunk(int fd, off_t offset, F&& each)
{
    std::string buf(64 << 10, '\0');
    for (;;) {
        ssize_t r = ::pread(fd, buf.data(), buf.size(), offset);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return false;
        if (r == 0) return true;
        each(std::string_view(buf.data(), static_cast<std::size_t>(r)));
        offset += r;
    }
}

// The copied message, piece by piece: what was read ahead, then the rest
// (the spool file, or a regular standard input from where it stands).
struct Copied {
    std::string_view read_ahead;
    int rest_fd = -1;
    off_t rest_offset = 0;

    template <class F>
    bool each(F&& f) const
    {
        f(read_ahead);
        return rest_fd < 0 || each_chunk(rest_fd, rest_offset, f);
    }
};

// With SOURCE_DATE_EPOCH the boundary is not random, so whoever writes the
// message could compute it: it also hashes the whole copied message, and is
// then checked to be absent from all of it (a message containing a hash of
// itself is not a thing anyone can write; the check makes it certain).
// nullopt when the message cannot be read, or (never seen) when every
// candidate occurs in it.
std::optional<std::string> boundary_absent_from(const Copied& copied, std::string base)
{
    std::uint64_t h = 14695981039346656037ULL;
    if (!copied.each([&](std::string_view chunk) {
            for (unsigned char c : chunk) h = (h ^ c) * 1099511628211ULL;
        }))
        return std::nullopt;
    base += hex64(h);
    for (int attempt = 0; attempt < 16; ++attempt) {
        std::string candidate = attempt ? base + "_" + std::to_string(attempt) : base;
        bool found = false;
        std::string carry;  // the last candidate.size() - 1 bytes seen
        bool ok = copied.each([&](std::string_view chunk) {
            if (found) return;
            std::string window = carry + std::string(chunk);
            if (window.find(candidate) != std::string::npos) found = true;
            size_t keep = std::min(window.size(), candidate.size() - 1);
            carry = window.substr(window.size() - keep);
        });
        if (!ok) return std::nullopt;
        if (!found) return candidate;
    }
    return std::nullopt;
}

// An unlinked file for what must be read before it can be written.
Fd spool_file(const std::string& dir)
{
    Fd fd(::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
    if (fd || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)) return fd;
    // A file system without O_TMPFILE: a named file, unlinked at once.
    std::string name = dir + "/bounce-fmt.XXXXXX";
    fd.reset(::mkostemp(name.data(), O_CLOEXEC));
    if (fd && ::unlink(name.c_str()) != 0) fd.reset();
    return fd;
}

// What dsn_plan learns of standard input before anything is written.
struct Input {
    std::string start;          // the first bytes, up to the look-ahead
    bool regular = false;       // a regular file, read from offset on
    off_t offset = -1;
    std::uint64_t known_size = 0;
    Fd spool;                   // what was read past the look-ahead, when open
};

// Past the look-ahead, a pipe's bytes up to bouncemaxbytes (or, with
// SOURCE_DATE_EPOCH, all of them) go into a spool file, so that memory
// stays flat.
Status spool_rest(const Job& job, std::uint64_t maxbytes, Input& in)
{
    const bool spool_all = job.config.fixed_time && !maxbytes;
    in.spool = spool_file(job.config.tmpdir);
    if (!in.spool) return temporary_fault(log::with_errno("unable to make a spool file in TMPDIR", errno));
    CopyResult r = copy_stream(0, in.spool.get(), spool_all ? 0 : maxbytes - in.start.size());
    if (!r.ok)
        return temporary_fault(log::with_errno(r.read_failed ? "unable to read message"
                                                             : "unable to write the spool file",
                                               r.error));
    in.known_size += r.copied;
    if (::lseek(in.spool.get(), 0, SEEK_SET) != 0)
        return temporary_fault(log::with_errno("unable to rewind the spool file", errno));
    return {};
}

// The start of the message and its size: from fstat for a file, else by
// reading up to bouncemaxbytes (past 64 KiB into the spool file).
Result<Input> read_input(const Job& job, std::uint64_t maxbytes)
{
    constexpr std::size_t header_lookahead = 64 << 10;
    Input in;
    struct stat st;
    in.regular = ::fstat(0, &st) == 0 && S_ISREG(st.st_mode);
    in.offset = in.regular ? ::lseek(0, 0, SEEK_CUR) : -1;
    if (in.offset < 0) in.regular = false;
    auto start = read_up_to(0, header_lookahead, "unable to read message");
    if (!start) return start.fault();
    in.start = std::move(*start);
    in.known_size = in.regular ? static_cast<std::uint64_t>(st.st_size - in.offset) : in.start.size();
    // With SOURCE_DATE_EPOCH the whole message must be seen before the
    // boundary is chosen: a pipe's rest goes to the spool file then too.
    const bool spool_all = job.config.fixed_time && !maxbytes;
    if (!in.regular && (maxbytes > in.start.size() || spool_all) && in.start.size() == header_lookahead)
        if (auto spooled = spool_rest(job, maxbytes, in); !spooled) return spooled.fault();
    return Result<Input>(std::move(in));
}

Result<std::string> boundary_for(const Job& job, const Input& in, bool headers_only)
{
    std::string boundary = make_boundary(job, in.start);
    if (!job.config.fixed_time) return boundary;
    Copied copied;
    copied.read_ahead = headers_only ? header_block_of(in.start) : std::string_view(in.start);
    if (!headers_only && in.spool) {
        copied.rest_fd = in.spool.get();
    } else if (!headers_only && in.regular) {
        copied.rest_fd = 0;
        copied.rest_offset = in.offset + static_cast<off_t>(in.start.size());
    }
    auto chosen = boundary_absent_from(copied, boundary);
    if (!chosen) return temporary_fault(log::with_errno("unable to read the message for its MIME boundary", errno));
    return std::move(*chosen);
}

// The whole header block (as far as the look-ahead reached): it names the
// message; bouncemaxbytes is about its body.
std::string_view whole_header_lines(std::string_view start)
{
    std::string_view headers = header_block_of(start);
    if (!headers.empty() && headers.back() != '\n') {
        auto nl = headers.rfind('\n');
        headers = nl == std::string_view::npos ? std::string_view() : headers.substr(0, nl + 1);
    }
    return headers;
}

} // namespace

Result<Plan> dsn_plan(const Job& job, const Envelope& envelope, const Controls& controls)
{
    auto in = read_input(job, controls.maxbytes);
    if (!in) return in.fault();
    const bool headers_only = controls.maxbytes && in->known_size >= controls.maxbytes;
    auto boundary = boundary_for(job, *in, headers_only);
    if (!boundary) return boundary.fault();
    DsnParts parts = dsn_parts(envelope, controls, job.failures, job.config.now, in->start, headers_only, *boundary);
    Plan plan;
    plan.head = std::move(parts.head);
    plan.tail = std::move(parts.tail);
    if (headers_only) {
        plan.read_ahead = whole_header_lines(in->start);
        plan.copy = false;
    } else {
        plan.read_ahead = std::move(in->start);
        plan.spool = std::move(in->spool);
    }
    return Result<Plan>(std::move(plan));
}

} // namespace qs::bounce
