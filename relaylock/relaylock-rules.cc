#include "lib/log.h"
#include "lib/main.h"
#include "relaylock/programs.h"

int main(int argc, char** argv)
{
    qs::log::init("relaylock-rules");
    if (argc != 3) return qs::die_usage("relaylock-rules CDB TMP < RULES");
    return qs::relaylock::run_rules({argv[1], argv[2]});
}
