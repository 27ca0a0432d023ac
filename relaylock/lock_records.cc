#include "relaylock/lock_records.h"

#include "lib/log.h"
#include "lib/tcprules.h"

#include <optional>
#include <unordered_map>

namespace qs::relaylock {

namespace {

constexpr std::string_view mapped_prefix = "::ffff:";

// tcpserver reads a record's data as NUL-terminated entries: "D" denies,
// "+VAR=value" sets a variable.
template <typename Fn> void for_each_entry(std::string_view data, Fn fn)
{
    for (size_t end; (end = data.find('\0')) != std::string_view::npos; data.remove_prefix(end + 1))
        fn(data.substr(0, end));
}

bool denies(std::string_view data)
{
    bool deny = false;
    for_each_entry(data, [&](std::string_view entry) { deny = deny || entry.starts_with('D'); });
    return deny;
}

bool sets(std::string_view data, std::string_view name)
{
    bool set = false;
    for_each_entry(data, [&](std::string_view entry) {
        set = set || (entry.size() > name.size() + 1 && entry[0] == '+' && entry.substr(1, name.size()) == name &&
                      entry[name.size() + 1] == '=');
    });
    return set;
}

void append_variable(std::string& data, std::string_view name, std::string_view value)
{
    data += '+';
    data += name;
    data += '=';
    data += value;
    data += '\0';
}

// The static records as tcpserver sees them: each key's first record only.
class StaticRules {
public:
    explicit StaticRules(const RecordTable& statics)
    {
        first_.reserve(statics.size());
        for (size_t i = 0; i < statics.size(); ++i) {
            std::string_view key = statics.key(i), data = statics.data(i);
            first_.emplace(key, data);
            if (!host_deny_ && key.starts_with('=') && denies(data)) host_deny_ = key;
        }
    }

    // The data of the record tcpserver would use for a client whose
    // TCPREMOTEIP is ip, leaving out info@ and host-name rules (not known
    // at build time); "" when none exists (tcpserver then allows, with no
    // variables).
    std::string_view matching(std::string_view ip) const
    {
        std::string_view data;
        tcprules::try_keys(ip, [&](std::string_view key) {
            auto it = first_.find(key);
            if (it == first_.end()) return false;
            data = it->second;
            return true;
        });
        return data;
    }

    // The first host-name key that denies, if any.
    const std::optional<std::string_view>& host_deny() const { return host_deny_; }

private:
    std::unordered_map<std::string_view, std::string_view> first_;
    std::optional<std::string_view> host_deny_;
};

// The record that gives lock relay when the client shows up as ip, or
// nothing when a static address rule denies that client.
void add_lock_record(const StaticRules& rules, std::string_view ip, const Lock& lock, const Config& config,
                     std::vector<RuleRecord>& out)
{
    std::string_view rule = rules.matching(ip);
    if (denies(rule)) return;
    std::string data(rule);
    if (!sets(data, "RELAYCLIENT")) append_variable(data, "RELAYCLIENT", config.relayclient);
    if (!sets(data, "RBLSMTPD")) append_variable(data, "RBLSMTPD", "");
    append_variable(data, "RELAYLOCK_USER", lock.user);
    out.push_back(RuleRecord{std::string(ip), std::move(data)});
}

// An IPv4 client may show up in either spelling: tcpserver -6 shows it as
// ::ffff:a.b.c.d. Both are one client: a deny of either keeps it denied.
void add_ipv4_lock_records(const StaticRules& rules, const Lock& lock, const Config& config,
                           std::vector<RuleRecord>& out)
{
    std::string ip = canonical(lock.block.base);
    std::string mapped = std::string(mapped_prefix) + ip;
    if (denies(rules.matching(ip)) || denies(rules.matching(mapped))) return;
    add_lock_record(rules, ip, lock, config, out);
    add_lock_record(rules, mapped, lock, config, out);
}

std::vector<RuleRecord> build_lock_records(const StaticRules& rules, const std::vector<Lock>& locks,
                                          const Config& config, std::vector<std::string>& warnings)
{
    if (rules.host_deny())
        warnings.push_back("the static rules deny by host name (" + log::escape(*rules.host_deny()) +
                           "); tcpserver tries a locked address's exact key first, so a lock overrides "
                           "host-name rules");
    std::vector<RuleRecord> out;
    out.reserve(locks.size() * 2);
    unsigned long v6_prefixes = 0, v4_prefixes = 0;
    for (const auto& lock : locks) {
        const Prefix& block = lock.block;
        if (never_locked(block.base, config)) continue;
        if (block.base.v4 && block.len == 32) add_ipv4_lock_records(rules, lock, config, out);
        else if (block.base.v4) ++v4_prefixes;
        else if (block.len == 128) add_lock_record(rules, canonical(block.base), lock, config, out);
        else ++v6_prefixes;
    }
    if (v6_prefixes)
        warnings.push_back(std::to_string(v6_prefixes) +
                           " IPv6 prefix lock(s) left out: cdb keys cannot express a prefix; IPv6 sites use "
                           "relaylock-check");
    if (v4_prefixes)
        warnings.push_back(std::to_string(v4_prefixes) +
                           " IPv4 prefix lock(s) left out: only exact addresses are compiled");
    return out;
}

} // namespace

void RecordTable::add(std::string_view key, std::string_view data)
{
    entries_.push_back(Entry{bytes_.size(), key.size(), data.size()});
    bytes_.append(key);
    bytes_.append(data);
}

std::vector<RuleRecord> records_for_locks(const RecordTable& statics, const std::vector<Lock>& locks,
                                          const Config& config, std::vector<std::string>& warnings)
{
    if (locks.empty()) return {};
    return build_lock_records(StaticRules(statics), locks, config, warnings);
}

std::vector<RuleRecord> lock_records(const std::vector<RuleRecord>& statics, const std::vector<Lock>& locks,
                                     const Config& config, std::vector<std::string>& warnings)
{
    RecordTable table;
    for (const auto& r : statics) table.add(r.key, r.data);
    return records_for_locks(table, locks, config, warnings);
}

} // namespace qs::relaylock
