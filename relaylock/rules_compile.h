// tcprules-compatible compilation with relay locks merged in: rules text
// plus locks into CDB via TMP, atomically (lib/cdb_write.h), for
// relaylock-rules and rules mode's rebuilds. Semantics: relaylock-rules.8.
#ifndef QSEND_RELAYLOCK_RULES_COMPILE_H
#define QSEND_RELAYLOCK_RULES_COMPILE_H

#include "lib/result.h"
#include "relaylock/config.h"
#include "relaylock/line_sources.h"
#include "relaylock/locks.h"

#include <string>
#include <string_view>
#include <vector>

namespace qs::relaylock {

struct Compiled {
    // A fault's exit code: 100 a syntax error (CDB untouched), 111 a read or
    // write error.
    Status status;
    // What the cdb could not express, one line each (logged even when
    // writing failed).
    std::vector<std::string> warnings;
    size_t lock_record_count = 0;
};

// Lock records first (a key's first record is the one tcpserver uses),
// then the static ones. Without locks the records go straight from the
// input into the cdb. input_name: for the message about a read error.
Compiled compile(LineSource& lines, std::string_view input_name, const std::vector<Lock>& locks,
                 const Config& config, const std::string& cdb, const std::string& tmp);

// compile for rules text in memory, logged: 0, 100 or 111.
int compile_rules(std::string_view rules_text, const std::vector<Lock>& locks, const Config& config,
                  const std::string& cdb, const std::string& tmp);

} // namespace qs::relaylock

#endif
