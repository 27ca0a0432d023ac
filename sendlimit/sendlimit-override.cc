#include "lib/log.h"
#include "sendlimit/sendlimit.h"

int main(int argc, char** argv)
{
    qs::log::init("sendlimit-override");
    return qs::sendlimit::override_main(argc, argv);
}
