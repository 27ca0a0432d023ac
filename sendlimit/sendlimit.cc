// sendlimit, as QMAILQUEUE: no arguments; the work is in sendlimit.a (gate.cc).
#include "lib/log.h"
#include "lib/main.h"
#include "sendlimit/sendlimit.h"

int main(int argc, char** argv)
{
    qs::log::init("sendlimit", qs::log::Role::connection);
    if (argc > 1) return qs::die_usage("sendlimit (run as QMAILQUEUE, with no arguments)", 100);
    return qs::sendlimit::sendlimit_queue();
}
