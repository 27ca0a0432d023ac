// The tcprules text format, read as Debian's ucspi-tcp-ipv6 tcprules
// (fefe's patch) reads it: the address ends at the first ':' that is
// followed by "allow" or "deny", so IPv6 addresses may hold colons. Where
// that tcprules spins forever (a line with a colon but no such rule word)
// we report a syntax error instead; lines without any colon are skipped,
// as ucspi-tcp 0.88 does.
#ifndef QSEND_RELAYLOCK_RULES_TEXT_H
#define QSEND_RELAYLOCK_RULES_TEXT_H

#include "relaylock/line_sources.h"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace qs::relaylock {

// One cdb record exactly as tcprules writes it: data is "" for allow,
// "D" for deny, then "+VAR=value\0" per variable.
struct RuleRecord {
    std::string key;
    std::string data;
    bool operator==(const RuleRecord&) const = default;
};

struct RulesError {
    unsigned long line = 0;  // 1-based
    std::string text;        // the offending line, for the message
};

// Where parsing stopped: at the end, at a syntax error, because the sink
// refused a record (a write error), or at a read error of the lines.
enum class ParseEnd { done, syntax, sink, input };

// Takes one record; false stops parsing (ParseEnd::sink). The views are
// valid only during the call.
using RecordSink = std::function<bool(std::string_view key, std::string_view data)>;

// Parses lines as tcprules does, giving each record to sink in order and
// expanding ranges. ParseEnd::syntax: err says where; ParseEnd::input:
// lines.error() says why. Never loops forever.
ParseEnd parse_each(LineSource& lines, RulesError& err, const RecordSink& sink);

// The same for a text in memory, collecting the records. False on a
// syntax error (err says where).
bool parse_rules(std::string_view text, std::vector<RuleRecord>& out, RulesError& err);

} // namespace qs::relaylock

#endif
