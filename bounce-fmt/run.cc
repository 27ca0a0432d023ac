// One bounce-fmt run: control files, the envelope, the notice on
// descriptor 1 or through qmail-queue.
#include "bounce-fmt/bounce.h"
#include "bounce-fmt/queue.h"

#include "lib/fd.h"
#include "lib/log.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <charconv>
#include <sys/random.h>
#include <sys/stat.h>
#include <string_view>
#include <unistd.h>

namespace qs::bounce {

namespace {

// What to write: head, then what was read ahead, then the rest of stdin
// (when copy is set; with a limit, at most limit bytes and qmail-ldap's
// stripped line when the limit is reached), then the tail.
struct Plan {
    std::string head;
    std::string read_ahead;
    Fd spool;  // more read-ahead, when open
    bool copy = true;
    std::uint64_t limit = 0;
    std::string tail;
};

// Where a write or read failed.
struct Outcome {
    bool ok = true;
    bool read_failed = false;
    int error = 0;
};

Outcome write_plan(const Plan& plan, int out)
{
    Outcome o;
    auto put = [&](std::string_view s) {
        if (!o.ok || s.empty()) return;
        if (!write_all(out, s.data(), s.size())) {
            o.ok = false;
            o.error = errno;
        }
    };
    put(plan.head);
    put(plan.read_ahead);
    if (o.ok && plan.spool) {
        CopyResult c = copy_stream(plan.spool.get(), out, 0);
        if (!c.ok) o = Outcome{false, c.read_failed, c.error};
    }
    if (o.ok && plan.copy) {
        CopyResult c = copy_stream(0, out, plan.limit);
        if (!c.ok) {
            o.ok = false;
            o.read_failed = c.read_failed;
            o.error = c.error;
        } else if (c.hit_limit) {
            put(stripped_line);
        }
    }
    put(plan.tail);
    return o;
}

std::string hex64(std::uint64_t v)
{
    char digits[17];
    auto end = std::to_chars(digits, digits + 16, v, 16).ptr;
    return std::string(16 - static_cast<std::size_t>(end - digits), '0') + std::string(digits, end);
}

// A MIME boundary the original message will not contain: random, or with
// SOURCE_DATE_EPOCH a hash of everything known (reproducible output).
std::string make_boundary(const Job& job, std::string_view read_ahead)
{
    std::uint64_t h = 0;
    if (!job.fixed_time && ::getrandom(&h, sizeof h, 0) == sizeof h) return "=_bounce-fmt_" + hex64(h);
    h = 14695981039346656037ULL;
    auto mix = [&](std::string_view s) {
        for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
        h = (h ^ 0xff) * 1099511628211ULL;
    };
    mix(std::to_string(job.now));
    if (!job.fixed_time) mix(std::to_string(::getpid()));
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
Fd spool_file()
{
    const char* env = std::getenv("TMPDIR");
    std::string dir = env && *env ? env : "/tmp";
    Fd fd(::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
    if (fd || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)) return fd;
    // A file system without O_TMPFILE: a named file, unlinked at once.
    std::string name = dir + "/bounce-fmt.XXXXXX";
    fd.reset(::mkostemp(name.data(), O_CLOEXEC));
    if (fd && ::unlink(name.c_str()) != 0) fd.reset();
    return fd;
}

// The DSN plan: read the start of the message (its header block gives the
// Arrival-Date), and find out whether it reaches bouncemaxbytes: from
// fstat for a file, else by reading that many bytes (past 64 KiB into a
// spool file, so memory stays flat). Part 3 is the whole message or, from
// bouncemaxbytes on, its header block.
std::optional<Plan> dsn_plan(const Job& job, const Envelope& envelope, const Controls& controls,
                             std::string& fault)
{
    constexpr std::size_t header_lookahead = 64 << 10;
    std::uint64_t maxbytes = controls.maxbytes;
    struct stat st;
    bool regular = ::fstat(0, &st) == 0 && S_ISREG(st.st_mode);
    off_t offset = regular ? ::lseek(0, 0, SEEK_CUR) : -1;
    if (offset < 0) regular = false;
    auto start = read_up_to(0, header_lookahead);
    if (!start) {
        fault = log::with_errno("unable to read message", errno);
        return std::nullopt;
    }
    Plan plan;
    std::uint64_t known_size = regular ? static_cast<std::uint64_t>(st.st_size - offset) : start->size();
    // With SOURCE_DATE_EPOCH the whole message must be seen before the
    // boundary is chosen: a pipe's rest goes to the spool file then too.
    const bool spool_all = job.fixed_time && !maxbytes;
    if (!regular && (maxbytes > start->size() || spool_all) && start->size() == header_lookahead) {
        plan.spool = spool_file();
        if (!plan.spool) {
            fault = log::with_errno("unable to make a spool file in TMPDIR", errno);
            return std::nullopt;
        }
        CopyResult r = copy_stream(0, plan.spool.get(), spool_all ? 0 : maxbytes - start->size());
        if (!r.ok) {
            fault = log::with_errno(r.read_failed ? "unable to read message"
                                                  : "unable to write the spool file",
                                    r.error);
            return std::nullopt;
        }
        known_size += r.copied;
        if (::lseek(plan.spool.get(), 0, SEEK_SET) != 0) {
            fault = log::with_errno("unable to rewind the spool file", errno);
            return std::nullopt;
        }
    }
    bool headers_only = maxbytes && known_size >= maxbytes;

    std::string boundary = make_boundary(job, *start);
    if (job.fixed_time) {
        Copied copied;
        copied.read_ahead = headers_only ? header_block_of(*start) : std::string_view(*start);
        if (!headers_only && plan.spool) copied.rest_fd = plan.spool.get();
        else if (!headers_only && regular) {
            copied.rest_fd = 0;
            copied.rest_offset = offset + static_cast<off_t>(start->size());
        }
        auto chosen = boundary_absent_from(copied, boundary);
        if (!chosen) {
            fault = log::with_errno("unable to read the message for its MIME boundary", errno);
            return std::nullopt;
        }
        boundary = std::move(*chosen);
    }
    DsnParts parts = dsn_parts(envelope, controls, job.failures, job.now, *start, headers_only, boundary);
    plan.head = std::move(parts.head);
    plan.tail = std::move(parts.tail);
    if (headers_only) {
        // The whole header block (as far as the look-ahead reached): it
        // names the message; bouncemaxbytes is about its body.
        std::string_view headers = header_block_of(*start);
        if (!headers.empty() && headers.back() != '\n') {
            auto nl = headers.rfind('\n');
            headers = nl == std::string_view::npos ? std::string_view() : headers.substr(0, nl + 1);
        }
        plan.read_ahead = headers;
        plan.spool.reset();
        plan.copy = false;
    } else {
        plan.read_ahead = std::move(*start);
    }
    return plan;
}

std::string kind_name(Kind kind)
{
    return kind == Kind::bounce ? "bounce" : "double_bounce";
}

int deliver_to_queue(const Job& job, const Envelope& envelope, const Plan& plan)
{
    std::string fault;
    auto child = start_queue(job.qmailqueue, fault);
    if (!child) {
        log::fatal(fault);
        return 111;
    }
    Outcome o = write_plan(plan, child->message.get());
    child->message.reset();
    if (o.ok) {
        std::string env = queue_envelope(envelope.sender, envelope.recipient);
        if (!write_all(child->envelope.get(), env.data(), env.size())) {
            o.ok = false;
            o.error = errno;
        }
    }
    int status = finish_queue(*child);
    if (status == -1) {
        log::fatal(log::with_errno("unable to wait for qmail-queue", errno));
        return 111;
    }
    if (o.read_failed) {
        log::fatal(log::with_errno("unable to read message", o.error));
        return 111;
    }
    int code = queue_exit_code(status, o.ok);
    int qq = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (code == 0) {
        log::line("queued kind=" + kind_name(envelope.kind) + " to=" + log::escape(envelope.recipient) +
                  " qp=" + std::to_string(child->pid));
        return 0;
    }
    std::string text = "qmail-queue failed program=" + log::escape(job.qmailqueue);
    if (qq >= 0)
        text += " exit=" + std::to_string(qq) + " reason=" + log::escape(queue_exit_text(qq));
    else
        text += " signal=" + std::to_string(WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    if (!o.ok) text = log::with_errno(text + " write", o.error);
    log::fatal(text);
    return code;
}

} // namespace

std::optional<std::string> check_operands(std::string_view sender, std::span<const Failure> failures)
{
    if (sender.find_first_of("\r\n") != std::string_view::npos)
        return "sender contains a newline sender=" + log::escape(sender);
    for (const auto& f : failures)
        if (f.recipient.empty()) return "empty recipient";
    return std::nullopt;
}

int run(const Job& job)
{
    if (auto problem = check_operands(job.sender, job.failures)) {
        log::fatal(*problem);
        return 100;
    }
    Controls controls;
    if (auto fault = read_controls(job.controldir, controls)) {
        log::fatal(*fault);
        return 111;
    }
    Envelope envelope = envelope_for(job.sender, controls);
    if (envelope.kind == Kind::triple_bounce) {
        log::line("triple bounce: discarding sender=" + log::escape(job.sender));
        return 0;
    }
    if (envelope.kind == Kind::discarded) {
        log::line("double bounce: discarding, doublebounceto is empty");
        return 0;
    }
    Plan plan;
    if (job.dsn) {
        std::string fault;
        auto dsn = dsn_plan(job, envelope, controls, fault);
        if (!dsn) {
            log::fatal(fault);
            return 111;
        }
        plan = std::move(*dsn);
    } else {
        plan.head = qmail_head(envelope, controls, job.failures, job.now);
        plan.limit = controls.maxbytes;
    }
    if (job.queue) return deliver_to_queue(job, envelope, plan);

    Outcome o = write_plan(plan, 1);
    if (o.ok && ::close(1) != 0) o = Outcome{false, false, errno};
    if (!o.ok) {
        log::fatal(log::with_errno(o.read_failed ? "unable to read message"
                                                 : "unable to write bounce to descriptor 1",
                                   o.error));
        return 111;
    }
    return 0;
}

} // namespace qs::bounce
