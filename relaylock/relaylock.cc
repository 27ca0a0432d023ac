#include "lib/log.h"
#include "lib/main.h"
#include "relaylock/programs.h"

int main(int argc, char** argv)
{
    qs::log::init("relaylock", qs::log::Role::connection);
    if (argc < 2) return qs::die_usage("relaylock PROG [ARG...]");
    qs::relaylock::run_relaylock({argv + 1});
}
