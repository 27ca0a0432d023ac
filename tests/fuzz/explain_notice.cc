// libFuzzer target: bounce-explain's read_notice, a whole failure notice
// (QSBMF, RFC 3464, Exim, Postfix, Microsoft, Gmail), then what is shown
// of each failed recipient (explain, text_block, json_line). Property: the
// JSON line is printable (no control byte but its final newline).
#include "bounce-fmt/explain.h"
#include "tests/fuzz/input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    namespace ex = qs::bounce::explain;
    auto notice = ex::read_notice(fuzz::text(data, size));
    if (!notice) return 0;
    for (const auto& failed : notice->recipients) {
        auto e = ex::explain(failed, notice->format, ex::Origin::unknown, "example.com", ex::Language::english);
        ex::text_block(e, ex::Language::japanese);
        std::string json = ex::json_line(e, "");
        fuzz::require(!json.empty() && json.back() == '\n');
        for (size_t i = 0; i + 1 < json.size(); ++i)
            fuzz::require(static_cast<unsigned char>(json[i]) >= 0x20 && json[i] != 0x7f);
    }
    return 0;
}
