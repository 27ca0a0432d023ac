#include "lib/log.h"
#include "relaylock/programs.h"

int main(int argc, char** argv)
{
    qs::log::init("relaylock-guard");
    return qs::relaylock::guard_main(argc, argv);
}
