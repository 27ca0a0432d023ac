// tcprules-compatible rules compilation, with relay locks merged in
// (relaylock-rules, and rules mode of relaylock, relaylock-expire and
// relaylock-revoke). Semantics: doc/interface.md, relaylock-rules.
#ifndef QSEND_RELAYLOCK_RULES_H
#define QSEND_RELAYLOCK_RULES_H

#include "relaylock/locks.h"

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

// Parses rules text as tcprules does, in order, expanding ranges. False on
// a syntax error (err says where). Never loops forever.
bool parse_rules(std::string_view text, std::vector<RuleRecord>& out, RulesError& err);

// The records that give each active lock relay, to be added before the
// static ones; warnings (one line each) for what could not be expressed.
std::vector<RuleRecord> lock_records(const std::vector<RuleRecord>& statics, const std::vector<Lock>& locks,
                                     const Config& config, std::vector<std::string>& warnings);

// relaylock-rules' job: rules text + locks into CDB via TMP, atomically.
// Returns 0, 100 (syntax error: old CDB untouched) or 111 (I/O); logs.
int compile_rules(std::string_view rules_text, const std::vector<Lock>& locks, const Config& config,
                  const std::string& cdb, const std::string& tmp);

// Rules mode (config.rules_mode()): rebuild config.cdb from config.rules
// and the store's active locks. Serialised across processes (flock on
// CDB.lock) and coalesced (marker CDB.pending): a caller that finds a
// rebuild running leaves its request and returns at once; the one that
// takes the lock waits 50 ms for more, rebuilds, and passes the lock to a
// detached process that rebuilds, with growing waits, while requests keep
// coming (it exits after a wait that brings none). So no caller waits for
// more than one rebuild, and a burst of requests causes only a few. Logs one "rebuild" line per
// rebuild and one line per fault. Returns false on a fault.
bool request_rebuild(Store& store, const Config& config);

// True when the last rebuild failed (CDB.failed): the cdb may be stale.
bool rebuild_outstanding(const Config& config);

// main() of relaylock-rules CDB TMP < RULES: 0, 100 or 111.
int rules_main(int argc, char** argv);

} // namespace qs::relaylock

#endif
