// libFuzzer target: relaylock's parse_rules, the tcprules grammar of
// RELAYLOCK_RULES (ranges, deny, quoted variables), then lock_records,
// which merges a relay lock into the parsed rules.
#include "relaylock/lock_records.h"
#include "relaylock/rules_text.h"
#include "tests/fuzz/input.h"

#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::vector<qs::relaylock::RuleRecord> rules;
    qs::relaylock::RulesError err;
    if (!qs::relaylock::parse_rules(fuzz::text(data, size), rules, err)) return 0;
    static const qs::relaylock::Config config;
    static const std::vector<qs::relaylock::Lock> locks{
        {"192.0.2.7", *qs::parse_prefix("192.0.2.7"), 1000, "joe"},
        {"2001:db8:1:2::/64", *qs::parse_prefix("2001:db8:1:2::/64"), 1000, "ann"}};
    std::vector<std::string> warnings;
    qs::relaylock::lock_records(rules, locks, config, warnings);
    return 0;
}
