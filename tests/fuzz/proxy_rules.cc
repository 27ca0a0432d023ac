// libFuzzer target: proxy-remoteip's PROXY_RULES reader on a hostile cdb
// file (apply_rules: libowfat's cdb lookups with the length checks, then
// decide on the record found). The input is the whole file.
#include "proxy-remoteip/rules.h"
#include "tests/fuzz/input.h"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static fuzz::MemFile file;
    std::string path = file.hold(fuzz::text(data, size));
    qs::proxy::apply_rules(path, "192.0.2.7");
    qs::proxy::apply_rules(path, "2001:db8::7");
    return 0;
}
