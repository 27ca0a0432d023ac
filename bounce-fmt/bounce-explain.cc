// bounce-explain [-j] [--] [FILE...] < notice
// argv only; the work is in bounce.a (explain_run.cc).
#include "bounce-fmt/explain.h"

#include "lib/log.h"
#include "lib/main.h"

#include <unistd.h>

namespace {

constexpr std::string_view synopsis = "bounce-explain [-j] [--] [FILE ...]";

constexpr std::string_view help =
    "Explains failure notices: qmail-send's, RFC 3464 reports, Exim, Postfix,\n"
    "Microsoft and Gmail. Reads each FILE, or standard input, and prints per\n"
    "failed recipient the address, the status code, the reason and what to do.\n"
    "  -j   one JSON object per recipient per line\n"
    "Japanese when the first non-empty of LC_ALL, LC_MESSAGES, LANG starts\n"
    "with \"ja\", else English. CONTROLDIR: qmail's control directory.\n"
    "Exit 0: explained; 100: not a notice read here, or usage; 111: a fault.\n";

} // namespace

int main(int argc, char** argv)
{
    qs::log::init("bounce-explain");  // also: out of memory is one line and exit 111
    if (qs::wants_help(argc, argv)) return qs::print_usage(synopsis, help);

    qs::bounce::explain::ExplainOptions options;
    ::opterr = 0;
    for (int opt; (opt = ::getopt(argc, argv, "+j")) != -1;) {
        if (opt != 'j') {
            // Said as a fatal line naming the option, as bounce-explain always has.
            std::string option(1, static_cast<char>(::optopt));
            return qs::die(qs::permanent_fault("unknown option -" + qs::log::escape(option) + "; usage: " +
                                               std::string(synopsis)));
        }
        options.json = true;
    }
    options.files.assign(argv + ::optind, argv + argc);
    return qs::bounce::explain::bounce_explain(options);
}
