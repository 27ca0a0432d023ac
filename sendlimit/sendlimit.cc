#include "lib/log.h"
#include "sendlimit/sendlimit.h"

int main(int argc, char** argv)
{
    qs::log::init("sendlimit", qs::log::Role::connection);
    return qs::sendlimit::sendlimit_main(argc, argv);
}
