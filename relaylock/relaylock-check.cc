#include "lib/log.h"
#include "lib/main.h"
#include "relaylock/programs.h"

int main(int argc, char** argv)
{
    qs::log::init("relaylock-check", qs::log::Role::connection);
    if (argc < 2) return qs::die_usage("relaylock-check PROG [ARG...]");
    return qs::relaylock::run_check({argv + 1});
}
