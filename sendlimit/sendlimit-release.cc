#include "lib/log.h"
#include "sendlimit/sendlimit.h"

int main(int argc, char** argv)
{
    qs::log::init("sendlimit-release");
    return qs::sendlimit::release_main(argc, argv);
}
