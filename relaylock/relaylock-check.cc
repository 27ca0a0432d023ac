#include "lib/log.h"
#include "relaylock/programs.h"

int main(int argc, char** argv)
{
    qs::log::init("relaylock-check", qs::log::Role::connection);
    return qs::relaylock::check_main(argc, argv);
}
