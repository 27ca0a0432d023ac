#include "lib/store.h"

#include "lib/log.h"
#include "lib/store_directory.h"

namespace qs {

Result<std::unique_ptr<Store>> open_store(std::string_view spec, std::string_view variable)
{
    if (spec.starts_with("dir:/")) return open_directory_store(spec.substr(4));
    if (spec.starts_with("redis://") || spec.starts_with("redis+unix://"))
        return temporary_fault(std::string(variable) + ": this build has no Redis store yet");
    return temporary_fault(std::string(variable) + " is not dir:/PATH: " + log::escape(spec));
}

std::string directory_spec(std::string_view path) { return "dir:" + std::string(path); }

} // namespace qs
