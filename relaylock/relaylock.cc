#include "lib/log.h"
#include "relaylock/programs.h"

int main(int argc, char** argv)
{
    qs::log::init("relaylock");
    return qs::relaylock::relaylock_main(argc, argv);
}
