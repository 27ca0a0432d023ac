#include "lib/log.h"
#include "lib/main.h"
#include "relaylock/programs.h"

int main(int argc, char** argv)
{
    qs::log::init("relaylock-guard", qs::log::Role::connection);
    if (argc < 2) return qs::die_usage("relaylock-guard PROG [ARG...]");
    return qs::relaylock::run_guard({argv + 1});
}
