#include "relaylock/rules_compile.h"

#include "lib/cdb_write.h"
#include "lib/log.h"
#include "relaylock/lock_records.h"
#include "relaylock/rules_text.h"

namespace qs::relaylock {

namespace {

// Why parsing stopped early, when the input is to blame (ParseEnd::syntax
// or ParseEnd::input).
Fault input_fault(ParseEnd end, const RulesError& err, const LineSource& lines, std::string_view input_name)
{
    if (end == ParseEnd::syntax)
        return permanent_fault("syntax error on line " + std::to_string(err.line) + ": " + log::escape(err.text));
    return temporary_fault(log::with_errno("unable to read " + std::string(input_name), lines.error()));
}

bool input_at_fault(ParseEnd end) { return end == ParseEnd::syntax || end == ParseEnd::input; }

// No locks: each record goes from the input straight into the cdb.
Compiled compile_streaming(LineSource& lines, std::string_view input_name, const std::string& cdb,
                           const std::string& tmp)
{
    RulesError err;
    ParseEnd end = ParseEnd::done;
    std::string write_error;
    bool written = write_cdb_atomically(
        cdb, tmp,
        [&](const CdbAdd& add) {
            end = parse_each(lines, err, add);
            return end == ParseEnd::done;
        },
        write_error);
    Compiled c;
    if (input_at_fault(end)) c.status = input_fault(end, err, lines, input_name);
    else if (!written) c.status = temporary_fault(write_error);
    return c;
}

// The static records are read whole first: the lock records depend on them
// and come first in the cdb.
Compiled compile_with_locks(LineSource& lines, std::string_view input_name, const std::vector<Lock>& locks,
                            const Config& config, const std::string& cdb, const std::string& tmp)
{
    Compiled c;
    RecordTable statics;
    RulesError err;
    ParseEnd end = parse_each(lines, err, [&](std::string_view key, std::string_view data) {
        statics.add(key, data);
        return true;
    });
    if (input_at_fault(end)) {
        c.status = input_fault(end, err, lines, input_name);
        return c;
    }
    std::vector<RuleRecord> dynamic = records_for_locks(statics, locks, config, c.warnings);
    c.lock_record_count = dynamic.size();
    std::string write_error;
    bool written = write_cdb_atomically(
        cdb, tmp,
        [&](const CdbAdd& add) {
            for (const auto& r : dynamic)
                if (!add(r.key, r.data)) return false;
            for (size_t i = 0; i < statics.size(); ++i)
                if (!add(statics.key(i), statics.data(i))) return false;
            return true;
        },
        write_error);
    if (!written) c.status = temporary_fault(write_error);
    return c;
}

} // namespace

Compiled compile(LineSource& lines, std::string_view input_name, const std::vector<Lock>& locks,
                 const Config& config, const std::string& cdb, const std::string& tmp)
{
    if (locks.empty()) return compile_streaming(lines, input_name, cdb, tmp);
    return compile_with_locks(lines, input_name, locks, config, cdb, tmp);
}

int compile_rules(std::string_view rules_text, const std::vector<Lock>& locks, const Config& config,
                  const std::string& cdb, const std::string& tmp)
{
    TextLines lines(rules_text);
    Compiled c = compile(lines, "rules", locks, config, cdb, tmp);
    bool syntax_error = !c.status && c.status.fault().exit_code == Fault::permanent;
    if (!syntax_error)
        for (const auto& w : c.warnings) log::warning(w);
    if (c.status) return 0;
    log::fatal(c.status.fault().text);
    return c.status.fault().exit_code;
}

} // namespace qs::relaylock
