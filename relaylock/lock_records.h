// Rules mode's merge: for each active lock, the record that gives the
// client relay on top of the static rule tcpserver would use for it
// (lib/tcprules.h), or none when that rule denies the client.
#ifndef QSEND_RELAYLOCK_LOCK_RECORDS_H
#define QSEND_RELAYLOCK_LOCK_RECORDS_H

#include "relaylock/config.h"
#include "relaylock/locks.h"
#include "relaylock/rules_text.h"

#include <string>
#include <string_view>
#include <vector>

namespace qs::relaylock {

// Records kept compactly, every key and data in one buffer: a rules file
// may hold millions of them.
class RecordTable {
public:
    void add(std::string_view key, std::string_view data);
    size_t size() const { return entries_.size(); }
    std::string_view key(size_t i) const { return std::string_view(bytes_).substr(entries_[i].at, entries_[i].key); }
    std::string_view data(size_t i) const
    {
        return std::string_view(bytes_).substr(entries_[i].at + entries_[i].key, entries_[i].data);
    }

private:
    struct Entry {
        size_t at, key, data;
    };
    std::string bytes_;
    std::vector<Entry> entries_;
};

// The records that give each active lock relay, to be written before the
// static ones (a key's first record is the one tcpserver uses); warnings
// (one line each) for what the cdb cannot express.
std::vector<RuleRecord> records_for_locks(const RecordTable& statics, const std::vector<Lock>& locks,
                                          const Config& config, std::vector<std::string>& warnings);
// The same for statics as parse_rules gives them.
std::vector<RuleRecord> lock_records(const std::vector<RuleRecord>& statics, const std::vector<Lock>& locks,
                                     const Config& config, std::vector<std::string>& warnings);

} // namespace qs::relaylock

#endif
