// libFuzzer target: bounce-fmt's scan of the bounced message for its DSN
// (dsn_parts on the message's start: header_block_of, arrival_date_of of
// the first Received field). The first byte picks part 3's form (whole
// message or text/rfc822-headers); the rest is the message.
#include "bounce-fmt/bounce.h"
#include "tests/fuzz/input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size == 0) return 0;
    static const qs::bounce::Controls controls{"MAILER-DAEMON", "example.com", "postmaster@example.com", false, 0};
    static const qs::bounce::Failure failures[] = {
        {"user@example.org", "Remote host said: 550 5.1.1 no such user/"}};
    qs::bounce::Envelope envelope = qs::bounce::envelope_for("sender@example.net", controls);
    qs::bounce::dsn_parts(envelope, controls, failures, 1700000000, fuzz::text(data + 1, size - 1), data[0] & 1,
                          "=_bounce-fmt_0123456789abcdef");
    return 0;
}
