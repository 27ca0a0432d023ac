#include "lib/log.h"
#include "lib/main.h"
#include "relaylock/programs.h"

#include <string_view>

int main(int argc, char** argv)
{
    qs::log::init("relaylock-list");
    constexpr std::string_view synopsis = "relaylock-list";
    if (argc == 2 && qs::wants_help(argc, argv)) return qs::print_usage(synopsis);
    if (argc > 1) return qs::die_usage(synopsis);
    return qs::relaylock::run_list();
}
