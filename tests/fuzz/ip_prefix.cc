// libFuzzer target: lib/ipaddr's parse_prefix_list (and through it
// parse_prefix), which reads RELAYLOCK_NEVER, CHKPW_TRUSTED, PROXY_TRUSTED
// and the allow_nets of users-file records. Properties: every prefix
// written canonically parses back to itself and contains its own base.
#include "lib/ipaddr.h"
#include "tests/fuzz/input.h"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string bad;
    auto list = qs::parse_prefix_list(fuzz::text(data, size), &bad);
    if (!list) return 0;
    for (const auto& p : *list) {
        auto again = qs::parse_prefix(qs::canonical(p));
        fuzz::require(again && *again == p);
        fuzz::require(qs::contains(p, p.base) && qs::overlaps(p, p));
    }
    return 0;
}
