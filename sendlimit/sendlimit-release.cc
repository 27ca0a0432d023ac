// sendlimit-release [--] ACCOUNT...: the work is in sendlimit.a (admin.cc).
#include "lib/log.h"
#include "lib/main.h"
#include "sendlimit/sendlimit.h"

int main(int argc, char** argv)
{
    qs::log::init("sendlimit-release");
    constexpr std::string_view synopsis = "sendlimit-release [--] ACCOUNT...";
    if (argc == 2 && qs::wants_help(argc, argv)) return qs::print_usage(synopsis);
    const std::vector<std::string> accounts = qs::sendlimit::operands(argc, argv, 1);
    if (accounts.empty()) return qs::die_usage(synopsis, 100);
    for (const auto& a : accounts)
        if (!qs::sendlimit::valid_account(a)) {
            // An info line that says fatal, as the tool always wrote it.
            qs::log::line("fatal: not an account name: " + qs::log::escape(a));
            return 100;
        }
    return qs::sendlimit::release_accounts(accounts);
}
