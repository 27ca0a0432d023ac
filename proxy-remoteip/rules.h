// A tcprules cdb applied to an address exactly as tcpserver -x applies it
// (the keys and their order: lib/tcprules.h), and the record found turned
// into what tcpserver does with it.
#ifndef QSEND_PROXY_RULES_H
#define QSEND_PROXY_RULES_H

#include "lib/tcprules.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace qs::proxy {

// A record longer than this is not one tcprules writes: refused as a fault.
constexpr size_t max_rule_data = 65536;

struct RuleDecision {
    enum Kind { allow, deny, fault } kind = allow;
    std::vector<std::pair<std::string, std::string>> variables;  // allow: to set, in order
    std::string error;                                           // fault
};

// The keys tcpserver tries for ip, in order.
using tcprules::rule_keys;
// The decision of one record's data ("D\0" deny, "+VAR=value\0" each).
RuleDecision decide(std::string_view data);
// Looks ip up in the cdb at path. A missing or unreadable cdb is a fault
// (tcpserver -x drops the connection then too).
RuleDecision apply_rules(const std::string& path, std::string_view ip);

} // namespace qs::proxy

#endif
