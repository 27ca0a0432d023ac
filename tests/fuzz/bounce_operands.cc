// libFuzzer target: bounce-fmt's operands (SENDER RECIPIENT REASON...,
// NUL-separated here as argv would hold them): check_operands, then the
// notice qmail-send would write from them (qmail_head: envelope_for,
// quote_address, paragraph) and the DSN's parts (dsn_parts: status_of,
// smtp_reply_of, remote_mta_of on each reason).
#include "bounce-fmt/bounce.h"
#include "tests/fuzz/input.h"

#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    auto args = fuzz::split(fuzz::text(data, size), '\0');
    if (args.size() < 3) return 0;
    std::vector<qs::bounce::Failure> failures;
    for (size_t i = 1; i + 1 < args.size(); i += 2) failures.push_back({args[i], args[i + 1]});
    if (qs::bounce::check_operands(args[0], failures)) return 0;
    static const qs::bounce::Controls controls{"MAILER-DAEMON", "example.com", "postmaster@example.com", false, 0};
    qs::bounce::Envelope envelope = qs::bounce::envelope_for(args[0], controls);
    qs::bounce::qmail_head(envelope, controls, failures, 1700000000);
    qs::bounce::dsn_parts(envelope, controls, failures, 1700000000, "Subject: x\n\nbody\n", false, "=_b");
    return 0;
}
