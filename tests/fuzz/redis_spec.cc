// libFuzzer target: lib/redis_spec's parse_redis_spec, which reads the
// Redis forms of RELAYLOCK_STORE, CHKPW_STORE and the other store specs.
// Properties: what it accepts is in range (1 to 16 endpoints, a port,
// a database, an absolute socket path), and a fault's text never quotes a
// marker password (SECRETPW) wherever it is written.
#include "lib/redis_spec.h"
#include "tests/fuzz/input.h"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string_view in = fuzz::text(data, size);
    auto spec = qs::parse_redis_spec(in);
    if (!spec) {
        fuzz::require(!spec.fault().text.empty());
        // a marker password must never be quoted back
        if (in.find("SECRETPW") != std::string_view::npos) fuzz::require(spec.fault().text.find("SECRETPW") == std::string::npos);
        return 0;
    }
    fuzz::require(!spec->empty() && spec->size() <= qs::max_redis_endpoints);
    for (const auto& e : *spec) {
        fuzz::require(e.db >= 0);
        if (e.unix_socket)
            fuzz::require(e.path.size() > 1 && e.path[0] == '/');
        else
            fuzz::require(!e.host.empty() && e.port > 0 && e.port <= 65535);
        fuzz::require(!e.label().empty());
    }
    return 0;
}
