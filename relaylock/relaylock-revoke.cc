#include "lib/log.h"
#include "relaylock/programs.h"

int main(int argc, char** argv)
{
    qs::log::init("relaylock-revoke");
    return qs::relaylock::revoke_main(argc, argv);
}
