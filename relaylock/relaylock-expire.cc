#include "lib/log.h"
#include "relaylock/programs.h"

int main(int argc, char** argv)
{
    qs::log::init("relaylock-expire");
    return qs::relaylock::expire_main(argc, argv);
}
