// smtp-auth-passwd [-s SCHEME]: see smtp-auth-passwd.8.
#include "lib/log.h"
#include "lib/main.h"
#include "smtp-auth-checkpassword/passwd.h"

#include <string>
#include <unistd.h>

namespace {
constexpr const char* synopsis = "smtp-auth-passwd [-s yescrypt|bcrypt|sha512|cram-md5|plain]";
} // namespace

int main(int argc, char** argv)
{
    qs::log::init("smtp-auth-passwd");
    if (qs::wants_help(argc, argv) && argc == 2) return qs::print_usage(synopsis);
    std::string scheme = "yescrypt";
    int opt;
    while ((opt = ::getopt(argc, argv, "+s:")) != -1) {
        if (opt == 's') scheme = optarg;
        else return qs::die_usage(synopsis, 100);
    }
    if (optind != argc) return qs::die_usage(synopsis, 100);
    return qs::auth::print_secret(scheme);
}
