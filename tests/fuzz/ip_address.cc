// libFuzzer target: lib/ipaddr's parse_address, which reads TCPREMOTEIP,
// PROXY headers' addresses and the store's keys. Property: an accepted
// address written canonically parses back to itself.
#include "lib/ipaddr.h"
#include "tests/fuzz/input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    auto a = qs::parse_address(fuzz::text(data, size));
    if (!a) return 0;
    auto again = qs::parse_address(qs::canonical(*a));
    fuzz::require(again && *again == *a);
    qs::is_client_address(*a);
    return 0;
}
