// bounce-explain [-j] [--] [FILE...] < notice
// argv and the environment only; the work is in bounce.a (explain_run.cc).
#include "bounce-fmt/explain.h"

#include "conf.h"
#include "lib/env.h"
#include "lib/fd.h"
#include "lib/log.h"

#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#include <vector>

namespace {

constexpr std::string_view usage = "usage: bounce-explain [-j] [--] [FILE ...]";

constexpr std::string_view help =
    "usage: bounce-explain [-j] [--] [FILE ...]\n"
    "Explains failure notices: qmail-send's, RFC 3464 reports, Exim, Postfix,\n"
    "Microsoft and Gmail. Reads each FILE, or standard input, and prints per\n"
    "failed recipient the address, the status code, the reason and what to do.\n"
    "  -j   one JSON object per recipient per line\n"
    "Japanese when the first non-empty of LC_ALL, LC_MESSAGES, LANG starts\n"
    "with \"ja\", else English. CONTROLDIR: qmail's control directory.\n"
    "Exit 0: explained; 100: not a notice read here, or usage; 111: a fault.\n";

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

} // namespace

int main(int argc, char** argv)
{
    qs::log::init("bounce-explain");  // also: out of memory is one line and exit 111

    if (argc > 1 && std::strcmp(argv[1], "--help") == 0) {
        return qs::write_all(1, help.data(), help.size()) ? 0 : 111;
    }
    qs::bounce::explain::ExplainJob job;
    ::opterr = 0;
    for (int opt; (opt = ::getopt(argc, argv, "+j")) != -1;) {
        if (opt == 'j') {
            job.json = true;
        } else {
            std::string option(1, static_cast<char>(::optopt));
            qs::log::fatal("unknown option -" + qs::log::escape(option) + "; " + std::string(usage));
            return 100;
        }
    }
    std::vector<std::string_view> files(argv + ::optind, argv + argc);
    job.files = files;

    if (!is_open(1)) {
        qs::log::fatal("descriptor 1 is closed: nowhere to write the explanation");
        return 111;
    }
    if (files.empty() && !is_open(0)) {
        qs::log::fatal("descriptor 0 is closed: no notice to read");
        return 111;
    }
    // Descriptors we open later (files, control files) must not become 0 or 2.
    for (int fd = 0; fd <= 2; ++fd)
        if (!is_open(fd) && ::open("/dev/null", O_RDWR) != fd) {
            qs::log::fatal("unable to open /dev/null");
            return 111;
        }

    auto controldir = qs::env::get("CONTROLDIR");
    job.controldir = controldir && !controldir->empty() ? std::string(*controldir)
                                                        : std::string(CONF_QMAIL "/control");
    job.language = qs::bounce::explain::language_of(
        qs::env::get("LC_ALL"), qs::env::get("LC_MESSAGES"), qs::env::get("LANG"));

    std::signal(SIGPIPE, SIG_IGN);
    return qs::bounce::explain::run(job);
}
