// sendlimit-list: no arguments; the work is in sendlimit.a (admin.cc).
#include "lib/log.h"
#include "lib/main.h"
#include "sendlimit/sendlimit.h"

int main(int argc, char** argv)
{
    qs::log::init("sendlimit-list");
    constexpr std::string_view synopsis = "sendlimit-list";
    if (argc == 2 && qs::wants_help(argc, argv)) return qs::print_usage(synopsis);
    if (argc > 1) return qs::die_usage(synopsis, 100);
    return qs::sendlimit::list_accounts();
}
