#include "lib/log.h"
#include "lib/main.h"
#include "relaylock/programs.h"

#include <string_view>

int main(int argc, char** argv)
{
    qs::log::init("relaylock-expire");
    constexpr std::string_view synopsis = "relaylock-expire [-w]";
    if (argc == 2 && qs::wants_help(argc, argv)) return qs::print_usage(synopsis);
    qs::relaylock::ExpireOptions options;
    options.watch = argc == 2 && std::string_view(argv[1]) == "-w";
    if (argc > 1 && !options.watch) return qs::die_usage(synopsis);
    return qs::relaylock::run_expire(options);
}
