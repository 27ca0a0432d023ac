// smtp-auth-throttle [-c KEY | -p]: see smtp-auth-throttle.8.
#include "lib/log.h"
#include "lib/main.h"
#include "smtp-auth-checkpassword/throttle_admin.h"

#include <unistd.h>

namespace {
constexpr const char* synopsis = "smtp-auth-throttle [-c ADDRESS|USER|ADDRESS/USER | -p]";
} // namespace

int main(int argc, char** argv)
{
    qs::log::init("smtp-auth-throttle");
    if (qs::wants_help(argc, argv) && argc == 2) return qs::print_usage(synopsis);
    qs::auth::ThrottleAdminOptions options;
    int opt;
    while ((opt = ::getopt(argc, argv, "+c:p")) != -1) {
        if (opt == 'c') options.clear = optarg;
        else if (opt == 'p') options.prune = true;
        else return qs::die_usage(synopsis, 100);
    }
    if (optind != argc || (options.clear && options.prune)) return qs::die_usage(synopsis, 100);
    return qs::auth::run_throttle_admin(options);
}
