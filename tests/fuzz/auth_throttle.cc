// libFuzzer target: the failure throttle's entries as read back from the
// store: parse_store_key on the key, parse_counter on the value (the
// input is KEY NUL VALUE). Property: a decoded counter formats to a value
// that decodes to the same counter.
#include "smtp-auth-checkpassword/throttle.h"
#include "tests/fuzz/input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    auto parts = fuzz::split(fuzz::text(data, size), '\0', 2);
    qs::auth::parse_store_key(parts[0]);
    if (parts.size() < 2) return 0;
    auto c = qs::auth::parse_counter(parts[1]);
    if (!c) return 0;
    auto again = qs::auth::parse_counter(qs::auth::format_counter(*c));
    fuzz::require(again && again->fails == c->fails && again->first == c->first &&
                  again->locked_until == c->locked_until && again->last_ok == c->last_ok);
    return 0;
}
