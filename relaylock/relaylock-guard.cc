#include "lib/log.h"
#include "relaylock/programs.h"

int main(int argc, char** argv)
{
    qs::log::init("relaylock-guard", qs::log::Role::connection);
    return qs::relaylock::guard_main(argc, argv);
}
