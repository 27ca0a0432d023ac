// smtp-auth-checkpassword PROG [ARG...]: see smtp-auth-checkpassword.8.
#include "lib/log.h"
#include "smtp-auth-checkpassword/checkpassword.h"

int main(int argc, char** argv)
{
    qs::log::init(argv[0], qs::log::Role::connection);
    return qs::auth::check_and_exec(argc, argv);
}
