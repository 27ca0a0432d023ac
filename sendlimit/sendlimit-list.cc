#include "lib/log.h"
#include "sendlimit/sendlimit.h"

int main(int argc, char** argv)
{
    qs::log::init("sendlimit-list");
    return qs::sendlimit::list_main(argc, argv);
}
