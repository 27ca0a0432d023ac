// libFuzzer target: sendlimit's parse_envelope, qmail-queue's envelope as
// qmail-smtpd writes it on descriptor 1. Property: it accepts exactly what
// format_envelope writes.
#include "sendlimit/sendlimit.h"
#include "tests/fuzz/input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    auto e = qs::sendlimit::parse_envelope(fuzz::text(data, size));
    if (!e) return 0;
    fuzz::require(qs::sendlimit::format_envelope(e->sender, e->recipients) == fuzz::text(data, size));
    return 0;
}
