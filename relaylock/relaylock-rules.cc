#include "lib/log.h"
#include "relaylock/rules.h"

int main(int argc, char** argv)
{
    qs::log::init("relaylock-rules");
    return qs::relaylock::rules_main(argc, argv);
}
