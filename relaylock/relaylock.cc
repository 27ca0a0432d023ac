#include "lib/log.h"
#include "relaylock/programs.h"

int main(int argc, char** argv)
{
    qs::log::init("relaylock", qs::log::Role::connection);
    return qs::relaylock::relaylock_main(argc, argv);
}
