// smtp-auth-mkdb [-e] [-v [-c] [-d DOMAIN] [-u UID:GID]] CDB TMP < USERS: see smtp-auth-mkdb.8.
#include "lib/log.h"
#include "lib/main.h"
#include "smtp-auth-checkpassword/mkdb.h"

#include <string>
#include <unistd.h>

namespace {
constexpr const char* synopsis = "smtp-auth-mkdb [-e] [-v [-c] [-d DOMAIN] [-u UID:GID]] CDB TMP < USERS";

// -u UID:GID: two numbers
bool ids_well_formed(const std::string& ids)
{
    auto colon = ids.find(':');
    return colon != std::string::npos && colon != 0 && colon + 1 != ids.size() &&
           ids.find_first_not_of("0123456789:") == std::string::npos && ids.find(':', colon + 1) == std::string::npos;
}
} // namespace

int main(int argc, char** argv)
{
    qs::log::init("smtp-auth-mkdb");
    if (qs::wants_help(argc, argv) && argc == 2) return qs::print_usage(synopsis);
    qs::auth::MkdbRun run;
    qs::auth::MkdbOptions& o = run.options;
    int opt;
    while ((opt = ::getopt(argc, argv, "+evcd:u:")) != -1) {
        switch (opt) {
        case 'e': run.empty_ok = true; break;
        case 'v': o.vpasswd = true; break;
        case 'c': o.vpasswd_clear = true; break;
        case 'd': o.domain = optarg; break;
        case 'u': o.ids = optarg; break;
        default: return qs::die_usage(synopsis, 100);
        }
    }
    if (argc - optind != 2) return qs::die_usage(synopsis, 100);
    if (!o.vpasswd && (o.vpasswd_clear || !o.domain.empty() || !o.ids.empty())) return qs::die_usage(synopsis, 100);
    if (!o.ids.empty() && !ids_well_formed(o.ids)) return qs::die_usage(synopsis, 100);
    run.cdb = argv[optind];
    run.tmp = argv[optind + 1];
    return qs::auth::make_users_db(run);
}
