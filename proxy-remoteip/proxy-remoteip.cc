// proxy-remoteip PROG [ARG...]: the work is in proxy.a (run.cc).
#include "lib/log.h"
#include "lib/main.h"
#include "proxy-remoteip/run.h"

int main(int argc, char** argv)
{
    qs::log::init("proxy-remoteip", qs::log::Role::connection);
    if (argc < 2) return qs::die_usage("proxy-remoteip PROG [ARG...]", 100);
    return qs::proxy::proxy_remoteip(argv + 1);
}
