#include "lib/log.h"
#include "proxy-remoteip/run.h"

int main(int argc, char** argv)
{
    qs::log::init("proxy-remoteip", qs::log::Role::connection);
    return qs::proxy::proxy_main(argc, argv);
}
