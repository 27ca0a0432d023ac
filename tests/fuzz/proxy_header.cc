// libFuzzer target: proxy-remoteip's PROXY header parser, fed the way
// read_header feeds it (only the bytes it asks for). Properties: it never
// asks for nothing, never for a byte past max_v1 or 16 + max_v2_payload,
// and a complete header's addresses format without fault.
#include "proxy-remoteip/header.h"

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string input(reinterpret_cast<const char*>(data), size);
    std::string got;
    for (;;) {
        qs::proxy::Parsed p = qs::proxy::parse_header(got);
        if (p.kind == qs::proxy::Parsed::complete) {
            if (p.header.command == qs::proxy::Command::proxy)
                if (qs::canonical(p.header.source).empty() || qs::canonical(p.header.destination).empty()) std::abort();
            return 0;
        }
        if (p.kind == qs::proxy::Parsed::refused) return 0;
        if (p.more == 0 || got.size() + p.more > 16 + qs::proxy::max_v2_payload) std::abort();
        if (got.size() + p.more > input.size()) return 0;
        got += input.substr(got.size(), p.more);
    }
}
