// bounce-fmt [-q] [-d] [--] SENDER (RECIPIENT REASON)... < message
// argv and the environment only; the work is in bounce.a (run.cc).
#include "bounce-fmt/bounce.h"

#include "conf.h"
#include "lib/env.h"
#include "lib/fd.h"
#include "lib/log.h"

#include <csignal>
#include <ctime>
#include <fcntl.h>
#include <unistd.h>
#include <vector>

namespace {

constexpr const char* usage =
    "usage: bounce-fmt [-q] [-d] [--] SENDER RECIPIENT REASON [RECIPIENT REASON ...]";

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

std::string setting(const char* name, std::string fallback)
{
    auto value = qs::env::get(name);
    return value && !value->empty() ? std::string(*value) : fallback;
}

} // namespace

int main(int argc, char** argv)
{
    qs::log::init("bounce-fmt");  // also: out of memory is one line and exit 111

    qs::bounce::Job job;
    ::opterr = 0;
    for (int opt; (opt = ::getopt(argc, argv, "+qd")) != -1;) {
        if (opt == 'q') job.queue = true;
        else if (opt == 'd') job.dsn = true;
        else {
            std::string option(1, static_cast<char>(::optopt));
            qs::log::fatal("unknown option -" + qs::log::escape(option) + "; " + usage);
            return 100;
        }
    }
    int operands = argc - ::optind;
    if (operands < 3 || (operands - 1) % 2 != 0) {
        qs::log::fatal(operands < 2 ? std::string("too few arguments; ") + usage
                                    : std::string("a RECIPIENT without its REASON; ") + usage);
        return 100;
    }
    job.sender = argv[::optind];
    std::vector<qs::bounce::Failure> failures;
    for (int i = ::optind + 1; i + 1 < argc; i += 2) failures.push_back({argv[i], argv[i + 1]});
    job.failures = failures;

    if (!is_open(0)) {
        qs::log::fatal("descriptor 0 is closed: no message to bounce");
        return 111;
    }
    if (!job.queue && !is_open(1)) {
        qs::log::fatal("descriptor 1 is closed: nowhere to write the bounce");
        return 111;
    }
    // Descriptors we open later (pipes, control files) must not become 1 or 2.
    for (int fd = 1; fd <= 2; ++fd)
        if (!is_open(fd) && ::open("/dev/null", O_RDWR) != fd) {
            qs::log::fatal("unable to open /dev/null");
            return 111;
        }

    job.controldir = setting("CONTROLDIR", CONF_QMAIL "/control");
    job.qmailqueue = setting("QMAILQUEUE", CONF_QMAIL "/bin/qmail-queue");
    auto epoch = qs::env::number("SOURCE_DATE_EPOCH", 0, 253402300799UL);
    if (!epoch) {
        qs::log::fatal("SOURCE_DATE_EPOCH is not a number of seconds value=" +
                       qs::log::escape(*qs::env::get("SOURCE_DATE_EPOCH")));
        return 111;
    }
    auto fixed = qs::env::get("SOURCE_DATE_EPOCH");
    job.fixed_time = fixed && !fixed->empty();
    job.now = job.fixed_time ? static_cast<std::int64_t>(*epoch) : static_cast<std::int64_t>(::time(nullptr));

    std::signal(SIGPIPE, SIG_IGN);
    return qs::bounce::run(job);
}
