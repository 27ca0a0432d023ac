#include "lib/log.h"
#include "relaylock/programs.h"

int main(int argc, char** argv)
{
    qs::log::init("relaylock-list");
    return qs::relaylock::list_main(argc, argv);
}
