// bounce-fmt [-q] [-d] [--] SENDER (RECIPIENT REASON)... < message
// argv only; the work is in bounce.a (run.cc).
#include "bounce-fmt/bounce.h"

#include "lib/log.h"
#include "lib/main.h"

#include <unistd.h>

namespace {

constexpr std::string_view synopsis =
    "bounce-fmt [-q] [-d] [--] SENDER RECIPIENT REASON [RECIPIENT REASON ...]";

// bounce-fmt states misuse as one fatal line that says what is wrong,
// then the usage (exit 100), as it always has.
int misuse(const std::string& what)
{
    return qs::die(qs::permanent_fault(what + "; usage: " + std::string(synopsis)));
}

} // namespace

int main(int argc, char** argv)
{
    qs::log::init("bounce-fmt");  // also: out of memory is one line and exit 111

    qs::bounce::Options options;
    ::opterr = 0;
    for (int opt; (opt = ::getopt(argc, argv, "+qd")) != -1;) {
        if (opt == 'q') options.queue = true;
        else if (opt == 'd') options.dsn = true;
        else return misuse("unknown option -" + qs::log::escape(std::string(1, static_cast<char>(::optopt))));
    }
    int operands = argc - ::optind;
    if (operands < 3 || (operands - 1) % 2 != 0)
        return misuse(operands < 2 ? "too few arguments" : "a RECIPIENT without its REASON");
    options.sender = argv[::optind];
    for (int i = ::optind + 1; i + 1 < argc; i += 2) options.failures.push_back({argv[i], argv[i + 1]});
    return qs::bounce::bounce_fmt(options);
}
