// Placeholder until the tcprules-compatible compiler lands: refuses to
// build anything, so no cdb is ever written from it.
#include "relaylock/rules.h"

#include "lib/log.h"

namespace qs::relaylock {

bool parse_rules(std::string_view, std::vector<RuleRecord>&, RulesError& err)
{
    err.text = "not implemented";
    return false;
}

std::vector<RuleRecord> lock_records(const std::vector<RuleRecord>&, const std::vector<Lock>&, const Config&,
                                     std::vector<std::string>&)
{
    return {};
}

int compile_rules(std::string_view, const std::vector<Lock>&, const Config&, const std::string&, const std::string&)
{
    log::fatal("rules compilation is not implemented yet");
    return 111;
}

bool request_rebuild(Store&, const Config&)
{
    log::warning("rules mode is not implemented yet");
    return false;
}

} // namespace qs::relaylock
