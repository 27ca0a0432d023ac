#include "lib/store.h"

#include "lib/log.h"
#include "lib/redis_spec.h"
#include "lib/store_directory.h"
#include "lib/store_redis.h"

#include <unistd.h>

namespace qs {

Result<std::unique_ptr<Store>> open_store(std::string_view spec, std::string_view variable, std::string_view space)
{
    if (spec.starts_with("dir:/")) return open_directory_store(spec.substr(4));
    if (spec.starts_with("redis://") || spec.starts_with("redis+unix://")) {
        auto endpoints = parse_redis_spec(spec);
        if (!endpoints) return temporary_fault(std::string(variable) + ": bad Redis spec: " + endpoints.fault().text);
        return open_redis_store(std::move(*endpoints), space);
    }
    // a spec of another kind may hold a password: quoted only when short
    // and without '@'
    if (spec.find('@') != std::string_view::npos)
        return temporary_fault(std::string(variable) + " is not dir:/PATH, redis:// or redis+unix://");
    return temporary_fault(std::string(variable) + " is not dir:/PATH: " + log::escape(spec));
}

// RELAYLOCK_DIR and CHKPW_STATE have always accepted a relative path
// (from the program's working directory); a spec names it absolutely.
std::string directory_spec(std::string_view path)
{
    std::string spec = "dir:";
    if (!path.starts_with("/")) {
        char cwd[4096];
        if (::getcwd(cwd, sizeof cwd)) spec += std::string(cwd) + "/";
    }
    return spec + std::string(path);
}

} // namespace qs
