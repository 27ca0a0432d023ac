#include "lib/ipaddr.h"
#include "lib/log.h"
#include "lib/main.h"
#include "relaylock/programs.h"

#include <string>
#include <string_view>

int main(int argc, char** argv)
{
    qs::log::init("relaylock-revoke");
    constexpr std::string_view synopsis = "relaylock-revoke [--] ADDRESS...";
    if (argc == 2 && qs::wants_help(argc, argv)) return qs::print_usage(synopsis);
    int first = argc > 1 && std::string_view(argv[1]) == "--" ? 2 : 1;  // the contract: -- ends options
    if (argc <= first) return qs::die_usage(synopsis);
    qs::relaylock::RevokeOptions options;
    for (int i = first; i < argc; ++i) {
        auto address = qs::parse_address(argv[i]);
        if (!address) {
            qs::log::line("fatal: not an address: " + qs::log::escape(argv[i]));
            return 100;
        }
        options.addresses.push_back(*address);
    }
    return qs::relaylock::run_revoke(options);
}
