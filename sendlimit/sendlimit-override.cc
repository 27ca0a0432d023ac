// sendlimit-override [--] ACCOUNT RATES | sendlimit-override -c [--] ACCOUNT:
// the work is in sendlimit.a (admin.cc).
#include "lib/log.h"
#include "lib/main.h"
#include "sendlimit/sendlimit.h"

int main(int argc, char** argv)
{
    qs::log::init("sendlimit-override");
    constexpr std::string_view synopsis =
        "sendlimit-override [--] ACCOUNT RATES | sendlimit-override -c [--] ACCOUNT";
    if (argc == 2 && qs::wants_help(argc, argv)) return qs::print_usage(synopsis);
    qs::sendlimit::OverrideOptions options;
    options.clear = argc > 1 && std::string_view(argv[1]) == "-c";
    if (argc > 1 && !options.clear && argv[1][0] == '-' && std::string_view(argv[1]) != "--")
        return qs::die_usage(synopsis, 100);
    const std::vector<std::string> args = qs::sendlimit::operands(argc, argv, options.clear ? 2 : 1);
    if (args.size() != (options.clear ? 1u : 2u)) return qs::die_usage(synopsis, 100);
    options.account = args[0];
    if (!qs::sendlimit::valid_account(options.account)) {
        qs::log::line("fatal: not an account name: " + qs::log::escape(options.account));
        return qs::die_usage(synopsis, 100);
    }
    if (!options.clear) {
        std::string bad;
        auto parsed = qs::sendlimit::parse_rates(args[1], &bad);
        if (!parsed) {
            qs::log::line("fatal: bad rate " + qs::log::escape(bad));
            return 100;
        }
        options.rates = qs::sendlimit::format_rates(*parsed);
    }
    return qs::sendlimit::override_account(options);
}
