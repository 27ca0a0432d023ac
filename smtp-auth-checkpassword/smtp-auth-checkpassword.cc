// smtp-auth-checkpassword PROG [ARG...]: see smtp-auth-checkpassword.8.
#include "lib/log.h"
#include "lib/main.h"
#include "smtp-auth-checkpassword/checkpassword.h"
#include "smtp-auth-checkpassword/config.h"

namespace {
constexpr const char* synopsis = "smtp-auth-checkpassword PROG [ARG...]";
// The checkpassword interface's code for misuse.
constexpr int misuse = 2;
} // namespace

int main(int argc, char** argv)
{
    qs::log::init("smtp-auth-checkpassword", qs::log::Role::connection);
    const qs::auth::Config config = qs::auth::load_config();
    // Dovecot reads our descriptor 2 as its log: framed before any line
    if (config.dovecot) qs::log::use_dovecot_framing();
    if (argc < 2) return qs::die_usage(synopsis, misuse);
    return qs::auth::check_and_exec(config, argv + 1);
}
