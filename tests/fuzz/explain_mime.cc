// libFuzzer target: bounce-explain's MIME reader, leaves (the header
// parser, Content-Type parameters, nesting, base64 and quoted-printable
// bodies) on a whole message. Properties: the bounds of explain.h hold.
#include "bounce-fmt/explain.h"
#include "tests/fuzz/input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    namespace ex = qs::bounce::explain;
    auto parts = ex::leaves(fuzz::text(data, size));
    fuzz::require(parts.size() <= ex::parts_max);
    for (const auto& p : parts) fuzz::require(p.depth <= ex::depth_max && p.body.size() <= size);
    return 0;
}
