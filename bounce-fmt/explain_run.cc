// bounce-explain's job: each message in turn, read (at most read_max
// bytes), explained, written to descriptor 1 before the next is read.
#include "bounce-fmt/bounce.h"
#include "bounce-fmt/explain.h"

#include "lib/fd.h"
#include "lib/log.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <sys/stat.h>

namespace qs::bounce::explain {

namespace {

struct Output {
    bool failed = false;
    void write(std::string_view text)
    {
        if (failed || text.empty()) return;
        if (!write_all(1, text.data(), text.size())) {
            log::fatal(log::with_errno("unable to write to descriptor 1", errno));
            failed = true;
        }
    }
};

// One message: 0, 100 or 111.
int one(std::string_view name, std::string_view message, const ExplainJob& job,
        const std::optional<Controls>& controls, bool several, Output& out)
{
    std::string label = name.empty() ? "-" : std::string(name);
    if (!job.json && several) out.write("==> " + printable(label) + " <==\n");
    auto notice = read_notice(message);
    if (!notice || notice->recipients.empty()) {
        bool delay = notice && notice->delay_warning;
        log::line(std::string(delay ? "a delay warning, not a failure notice"
                                    : "not a failure notice this program can read") +
                  " file=" + log::escape(label));
        if (!job.json) out.write(delay ? delay_text(job.language) : unreadable_text(job.language));
        if (!job.json && several) out.write("\n");
        return 100;
    }
    Origin origin = Origin::unknown;
    std::string host;
    if (controls) {
        host = controls->bouncehost;
        origin = from_this_host(*notice, controls->bouncefrom, controls->bouncehost)
                     ? Origin::this_host
                     : Origin::elsewhere;
    }
    for (const Failed& f : notice->recipients) {
        Explained e = explain(f, notice->format, origin, host, job.language);
        out.write(job.json ? json_line(e, name) : text_block(e, job.language));
    }
    return 0;
}

// FILE's first read_max bytes ("-": descriptor 0's).
Result<std::string> read_file(std::string_view file)
{
    const std::string failure_text = "unable to read file=" + log::escape(file);
    if (file == "-") return read_up_to(0, read_max, failure_text);
    Fd fd(::open(std::string(file).c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd) return temporary_fault(log::with_errno("unable to open file=" + log::escape(file), errno));
    return read_up_to(fd.get(), read_max, failure_text);
}

} // namespace

int bounce_explain(const ExplainOptions& options)
{
    if (!is_open(1)) {
        log::fatal("descriptor 1 is closed: nowhere to write the explanation");
        return 111;
    }
    if (options.files.empty() && !is_open(0)) {
        log::fatal("descriptor 0 is closed: no notice to read");
        return 111;
    }
    if (auto filled = fill_closed_descriptors(0); !filled) {
        log::fatal(filled.fault().text);
        return filled.fault().exit_code;
    }
    const ExplainConfig config = load_explain_config();
    ExplainJob job;
    job.json = options.json;
    job.files = options.files;
    job.controldir = config.controldir;
    job.language = config.language;
    std::signal(SIGPIPE, SIG_IGN);
    return run(job);
}

int run(const ExplainJob& job)
{
    // Without a control directory (a helpdesk machine, not the mail host)
    // the origin of a notice is unknown; a directory that is there but
    // cannot be read is a fault, as for bounce-fmt.
    std::optional<Controls> controls;
    struct stat st;
    if (::stat(job.controldir.c_str(), &st) != 0 && errno == ENOENT) {
        log::warning("no control directory, so the origin of a notice is unknown path=" +
                     log::escape(job.controldir));
    } else {
        auto read = read_controls(job.controldir);
        if (!read) {
            log::fatal(read.fault().text);
            return read.fault().exit_code;
        }
        controls = std::move(*read);
    }

    Output out;
    int worst = 0;
    bool several = job.files.size() > 1;
    auto note = [&](int code) { worst = std::max(worst, code); };
    if (job.files.empty()) {
        auto message = read_up_to(0, read_max, "unable to read descriptor 0");
        if (!message) {
            log::fatal(message.fault().text);
            return 111;
        }
        note(one("", *message, job, controls, false, out));
    }
    for (std::string_view file : job.files) {
        if (out.failed) break;
        auto message = read_file(file);
        if (!message) {
            log::warning(message.fault().text);
            note(111);
            continue;
        }
        note(one(file == "-" ? std::string_view() : file, *message, job, controls, several, out));
    }
    return out.failed ? 111 : worst;
}

} // namespace qs::bounce::explain
