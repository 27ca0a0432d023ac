// libFuzzer target: sendlimit's decode_record, an account's record read
// back from the store, its own rates (parse_rates on override_rates), then
// the decision for one message on it (admit).
// Property: a decoded record encodes to text that decodes and encodes to
// the same text.
#include "sendlimit/sendlimit.h"
#include "tests/fuzz/input.h"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    namespace sl = qs::sendlimit;
    auto r = sl::decode_record(fuzz::text(data, size));
    if (!r) return 0;
    std::string text = sl::encode_record(*r);
    auto again = sl::decode_record(text);
    fuzz::require(again && sl::encode_record(*again) == text);
    if (!r->override_rates.empty()) sl::parse_rates(r->override_rates, nullptr);
    static const auto rates = *sl::parse_rates(sl::default_rates, nullptr);
    sl::admit(*r, 1700000000, 3, "192.0.2.0/24", rates, sl::Signals{});
    return 0;
}
