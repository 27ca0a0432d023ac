// tcprules-compatible compilation with relay locks merged in.
//
// The text format is the one Debian's ucspi-tcp-ipv6 tcprules (fefe's
// patch) reads: the address ends at the first ':' that is followed by
// "allow" or "deny", so IPv6 addresses may hold colons. Where that tcprules
// spins forever (a line with a colon but no such rule word) we report a
// syntax error instead; lines without any colon are skipped, as ucspi-tcp
// 0.88 does.
#include "relaylock/rules.h"

#include "lib/cdb_write.h"
#include "lib/fd.h"
#include "lib/log.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <memory>
#include <optional>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <unordered_map>

namespace qs::relaylock {

namespace {

constexpr std::string_view deny_word = "deny";
constexpr std::string_view allow_word = "allow";
constexpr std::string_view mapped_prefix = "::ffff:";
// How long a rebuild waits for more requests to join it: first_settle_ms
// after a quiet time, then twice as long each time during a burst.
constexpr long first_settle_ms = 50;
constexpr long max_settle_ms = 1000;

// The colon that ends the address, or npos.
size_t address_end(std::string_view line)
{
    for (size_t colon = line.find(':'); colon != std::string_view::npos; colon = line.find(':', colon + 1)) {
        std::string_view rest = line.substr(colon + 1);
        if (rest.starts_with(deny_word) || rest.starts_with(allow_word)) return colon;
    }
    return std::string_view::npos;
}

// A range bound as tcprules reads it (djb's scan_ulong, then "the rest must
// be the end"): decimal digits only, wrapping on overflow; an empty bound is 0.
bool range_bound(std::string_view text, unsigned long& n)
{
    n = 0;
    for (char c : text) {
        if (c == '\0') break;  // tcprules sees a C string there
        if (c < '0' || c > '9') return false;
        n = n * 10 + static_cast<unsigned long>(c - '0');
    }
    return true;
}

// Where parsing stopped: at the end, at a syntax error, because the sink
// refused a record (a write error), or at a read error.
enum class ParseEnd { done, syntax, sink, input };

// Gives address's records to sink(key, data): one, or one per number of a
// range such as "1.2.3.40-50" (only in keys without '=' and '@').
template <typename Sink>
ParseEnd add_address(std::string_view address, std::string_view data, std::string& key, Sink& sink)
{
    size_t dash = std::string_view::npos;
    if (address.find_first_of("=@") == std::string_view::npos) dash = address.find('-');
    if (dash == std::string_view::npos) return sink(address, data) ? ParseEnd::done : ParseEnd::sink;
    size_t dot = dash == 0 ? std::string_view::npos : address.rfind('.', dash - 1);
    size_t left = dot == std::string_view::npos ? 0 : dot + 1;
    size_t right = address.find('.', dash + 1);
    if (right == std::string_view::npos) right = address.size();
    unsigned long bottom = 0, top = 0;
    if (!range_bound(address.substr(left, dash - left), bottom) ||
        !range_bound(address.substr(dash + 1, right - dash - 1), top))
        return ParseEnd::syntax;
    if (top > 255) top = 255;
    for (unsigned long n = bottom; n <= top; ++n) {
        char digits[4];
        auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
        key.assign(address.substr(0, left));
        key.append(digits, end);
        key.append(address.substr(right));
        if (!sink(std::string_view(key), data)) return ParseEnd::sink;
    }
    return ParseEnd::done;
}

// One line, without its newline and trailing blanks. data and key are
// scratch space kept across lines.
template <typename Sink> ParseEnd parse_line(std::string_view line, std::string& data, std::string& key, Sink& sink)
{
    size_t colon = address_end(line);
    if (colon == std::string_view::npos)
        return line.find(':') == std::string_view::npos ? ParseEnd::done : ParseEnd::syntax;
    std::string_view address = line.substr(0, colon);
    std::string_view rest = line.substr(colon + 1);
    data.clear();
    if (rest.starts_with(deny_word)) {
        data.append("D", 2);
        rest.remove_prefix(deny_word.size());
    } else {
        rest.remove_prefix(allow_word.size());
    }
    // ,VAR=QvalueQ ... with any quote character Q.
    while (!rest.empty()) {
        if (rest[0] != ',') return ParseEnd::syntax;
        size_t equals = rest.find('=');
        if (equals == std::string_view::npos) return ParseEnd::syntax;
        data += '+';
        data.append(rest.substr(1, equals));  // "VAR="
        rest.remove_prefix(equals + 1);
        if (rest.empty()) return ParseEnd::syntax;
        char quote = rest[0];
        rest.remove_prefix(1);
        size_t close = rest.find(quote);
        if (close == std::string_view::npos) return ParseEnd::syntax;
        data.append(rest.substr(0, close));
        data += '\0';
        rest.remove_prefix(close + 1);
    }
    return add_address(address, data, key, sink);
}

// The lines of a text in memory, without their newlines.
class TextLines {
public:
    explicit TextLines(std::string_view text) : text_(text) {}
    bool next(std::string_view& line)
    {
        if (text_.empty()) return false;
        size_t newline = text_.find('\n');
        line = text_.substr(0, newline);
        text_.remove_prefix(newline == std::string_view::npos ? text_.size() : newline + 1);
        return true;
    }
    int error() const { return 0; }

private:
    std::string_view text_;
};

// The lines of a descriptor, read in big blocks; a line stays valid until
// the next call. error(): errno of a read error that ended the lines.
class FdLines {
public:
    explicit FdLines(int fd) : fd_(fd) { grow(1 << 16); }
    bool next(std::string_view& line)
    {
        for (;;) {
            if (auto newline = static_cast<char*>(std::memchr(buffer_.get() + scanned_, '\n', end_ - scanned_))) {
                line = std::string_view(buffer_.get() + start_, static_cast<size_t>(newline - buffer_.get()) - start_);
                start_ = scanned_ = static_cast<size_t>(newline - buffer_.get()) + 1;
                return true;
            }
            scanned_ = end_;
            if (eof_ || error_) {
                if (start_ == end_ || error_) return false;
                line = std::string_view(buffer_.get() + start_, end_ - start_);
                start_ = end_;
                return true;
            }
            if (start_ > 0) {  // keep the unfinished line, at the front
                std::memmove(buffer_.get(), buffer_.get() + start_, end_ - start_);
                end_ -= start_;
                scanned_ = end_;
                start_ = 0;
            }
            if (end_ == capacity_) grow(2 * capacity_);
            ssize_t r = ::read(fd_, buffer_.get() + end_, capacity_ - end_);
            if (r < 0 && errno != EINTR) error_ = errno;
            if (r == 0) eof_ = true;
            if (r > 0) end_ += static_cast<size_t>(r);
        }
    }
    int error() const { return error_; }

private:
    void grow(size_t capacity)
    {
        auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
        if (end_) std::memcpy(bigger.get(), buffer_.get(), end_);
        buffer_ = std::move(bigger);
        capacity_ = capacity;
    }
    int fd_;
    std::unique_ptr<char[]> buffer_;
    size_t capacity_ = 0, start_ = 0, scanned_ = 0, end_ = 0;
    bool eof_ = false;
    int error_ = 0;
};

// Parses lines as tcprules does, giving each record in order to
// sink(key, data) -> bool. ParseEnd::input: lines.error() says why.
template <typename Lines, typename Sink> ParseEnd parse_each(Lines& lines, RulesError& err, Sink&& sink)
{
    std::string data, key;
    unsigned long number = 0;
    std::string_view line;
    while (lines.next(line)) {
        ++number;
        if (!line.empty() && line[0] == '#') continue;
        while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
        ParseEnd end = parse_line(line, data, key, sink);
        if (end == ParseEnd::syntax) {
            err.line = number;
            err.text = std::string(line);
        }
        if (end != ParseEnd::done) return end;
    }
    return lines.error() ? ParseEnd::input : ParseEnd::done;
}

// Records kept compactly: every key and data in one buffer.
class RecordTable {
public:
    void reserve(size_t records, size_t bytes)
    {
        entries_.reserve(records);
        bytes_.reserve(bytes);
    }
    void add(std::string_view key, std::string_view data)
    {
        entries_.push_back(Entry{bytes_.size(), key.size(), data.size()});
        bytes_.append(key);
        bytes_.append(data);
    }
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

// Each key's first record (the one tcpserver uses): key -> data.
using FirstRecords = std::unordered_map<std::string_view, std::string_view>;

// The data of the static record tcpserver would use for a client whose
// TCPREMOTEIP is ip, leaving out info@ and host-name rules (not known at
// build time): the exact key, each shorter prefix ending in '.' or ':'
// (fefe's rules.c), then the default. "" when none exists (tcpserver then
// allows, with no variables).
std::string_view matching_rule(const FirstRecords& first, std::string_view ip)
{
    auto it = first.find(ip);
    for (size_t len = ip.size(); it == first.end() && len > 0; --len)
        if (ip[len - 1] == '.' || ip[len - 1] == ':') it = first.find(ip.substr(0, len));
    if (it == first.end()) it = first.find(std::string_view());
    return it == first.end() ? std::string_view() : it->second;
}

void append_variable(std::string& data, std::string_view name, std::string_view value)
{
    data += '+';
    data += name;
    data += '=';
    data += value;
    data += '\0';
}

// The record that gives lock relay when the client shows up as ip, or
// nothing when a static address rule denies that client.
void add_lock_record(const FirstRecords& first, std::string_view ip, const Lock& lock, const Config& config,
                     std::vector<RuleRecord>& out)
{
    std::string_view rule = matching_rule(first, ip);
    if (denies(rule)) return;
    std::string data(rule);
    if (!sets(data, "RELAYCLIENT")) append_variable(data, "RELAYCLIENT", config.relayclient);
    if (!sets(data, "RBLSMTPD")) append_variable(data, "RBLSMTPD", "");
    append_variable(data, "RELAYLOCK_USER", lock.user);
    out.push_back(RuleRecord{std::string(ip), std::move(data)});
}

// The lock records for statics indexed by first, warnings for what they
// cannot express. host_deny: a host-name deny key among the statics, if any.
std::vector<RuleRecord> records_for_locks(const FirstRecords& first, std::optional<std::string_view> host_deny,
                                          const std::vector<Lock>& locks, const Config& config,
                                          std::vector<std::string>& warnings)
{
    if (locks.empty()) return {};
    if (host_deny)
        warnings.push_back("the static rules deny by host name (" + log::escape(*host_deny) +
                           "); tcpserver tries a locked address's exact key first, so a lock overrides "
                           "host-name rules");
    std::vector<RuleRecord> out;
    out.reserve(locks.size() * 2);
    unsigned long v6_prefixes = 0, v4_prefixes = 0;
    std::string ip;
    for (const auto& lock : locks) {
        const Prefix& block = lock.block;
        if (never_locked(block.base, config)) continue;
        if (block.base.v4) {
            if (block.len != 32) {
                ++v4_prefixes;
                continue;
            }
            ip = canonical(block.base);
            // tcpserver -6 shows IPv4 clients as ::ffff:a.b.c.d. Both
            // spellings are one client: a deny of either keeps it denied.
            std::string mapped = std::string(mapped_prefix) + ip;
            if (denies(matching_rule(first, ip)) || denies(matching_rule(first, mapped))) continue;
            add_lock_record(first, ip, lock, config, out);
            add_lock_record(first, mapped, lock, config, out);
        } else if (block.len == 128) {
            add_lock_record(first, canonical(block.base), lock, config, out);
        } else {
            ++v6_prefixes;
        }
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

// Indexes each key's first record; notes the first host-name deny.
template <typename KeyAt, typename DataAt>
FirstRecords index_records(size_t count, KeyAt key_at, DataAt data_at, std::optional<std::string_view>& host_deny)
{
    FirstRecords first;
    first.reserve(count);
    for (size_t i = 0; i < count; ++i) {
        std::string_view key = key_at(i), data = data_at(i);
        first.emplace(key, data);
        if (!host_deny && key.starts_with('=') && denies(data)) host_deny = key;
    }
    return first;
}

struct Compiled {
    int code = 0;         // 0, 100 (syntax error), 111 (system fault)
    std::string message;  // for 100 and 111
    std::vector<std::string> warnings;
    size_t lock_record_count = 0;
};

// Rules plus locks into cdb via tmp: lock records first (the first record
// of a key is the one tcpserver uses), then the static ones. Without locks
// the records go straight from the input into the cdb. input_name: for the
// message about a read error.
template <typename Lines>
Compiled compile(Lines& lines, std::string_view input_name, const std::vector<Lock>& locks, const Config& config,
                 const std::string& cdb, const std::string& tmp)
{
    Compiled c;
    RulesError err;
    ParseEnd end = ParseEnd::done;
    auto failed = [&] {
        if (end == ParseEnd::syntax) {
            c.code = 100;
            c.message = "syntax error on line " + std::to_string(err.line) + ": " + log::escape(err.text);
        } else {
            c.code = 111;
            if (end == ParseEnd::input) c.message = log::with_errno("unable to read " + std::string(input_name), lines.error());
        }
        return c;
    };
    bool written = false;
    if (locks.empty()) {
        written = write_cdb_atomically(
            cdb, tmp,
            [&](const CdbAdd& add) {
                end = parse_each(lines, err, add);
                return end == ParseEnd::done;
            },
            c.message);
    } else {
        RecordTable statics;
        end = parse_each(lines, err, [&](std::string_view key, std::string_view data) {
            statics.add(key, data);
            return true;
        });
        if (end != ParseEnd::done) return failed();
        std::optional<std::string_view> host_deny;
        FirstRecords first = index_records(
            statics.size(), [&](size_t i) { return statics.key(i); }, [&](size_t i) { return statics.data(i); },
            host_deny);
        std::vector<RuleRecord> dynamic = records_for_locks(first, host_deny, locks, config, c.warnings);
        c.lock_record_count = dynamic.size();
        written = write_cdb_atomically(
            cdb, tmp,
            [&](const CdbAdd& add) {
                for (const auto& r : dynamic)
                    if (!add(r.key, r.data)) return false;
                for (size_t i = 0; i < statics.size(); ++i)
                    if (!add(statics.key(i), statics.data(i))) return false;
                return true;
            },
            c.message);
    }
    if (end != ParseEnd::done && end != ParseEnd::sink) return failed();
    c.code = written ? 0 : 111;
    return c;
}

std::string failed_marker(const Config& config) { return config.cdb + ".failed"; }

bool rebuild_attempt(Store& store, const Config& config);

// One rebuild of config.cdb from config.rules and the store. Logs. A
// failure leaves CDB.failed behind until a rebuild succeeds, so that the
// next relaylock-expire or relaylock-revoke tries again: the cdb may still
// grant relay to locks that are gone from the store.
bool rebuild_once(Store& store, const Config& config)
{
    bool ok = rebuild_attempt(store, config);
    std::string failed = failed_marker(config);
    if (ok) {
        ::unlink(failed.c_str());
    } else {
        Fd marker(::open(failed.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
        if (!marker) log::warning(log::with_errno("unable to create " + log::escape(failed), errno));
    }
    return ok;
}

bool rebuild_attempt(Store& store, const Config& config)
{
    Fd rules(::open(config.rules.c_str(), O_RDONLY | O_CLOEXEC));
    if (!rules) {
        log::warning(log::with_errno("unable to rebuild: unable to open " + log::escape(config.rules), errno));
        return false;
    }
    std::vector<Lock> locks;
    if (active_locks(store, std::time(nullptr), config, locks) == StoreResult::fault) {
        log::warning("unable to rebuild: unable to read locks: " + store.error());
        return false;
    }
    // A temporary file left by a rebuilder that died may belong to another
    // user (root's relaylock-rules run): we hold the lock, so nobody is
    // writing it, and only its name goes. The writer never opens an
    // existing TMP; it refuses one that is not a stale one of ours
    // (lib/cdb_write.h), which is what is left here when this fails.
    std::string tmp = config.cdb + ".tmp";
    ::unlink(tmp.c_str());
    FdLines lines(rules.get());
    Compiled c = compile(lines, log::escape(config.rules), locks, config, config.cdb, tmp);
    for (const auto& w : c.warnings) log::warning(w);
    if (c.code == 100) {
        log::warning("unable to rebuild " + log::escape(config.cdb) + ": " + log::escape(config.rules) + ": " +
                     c.message);
        return false;
    }
    if (c.code != 0) {
        log::warning("unable to rebuild: " + c.message);
        return false;
    }
    log::line("rebuild cdb=" + log::escape(config.cdb) + " locks=" + std::to_string(locks.size()) +
              " lock_records=" + std::to_string(c.lock_record_count));
    return true;
}

// The lock (CDB.lock, flock) and request marker (CDB.pending) that
// serialise and coalesce rebuilds across processes.
class Rebuilder {
public:
    enum Attempt { locked, busy, fault };
    enum Step { done, more, stuck };

    Rebuilder(Store& store, const Config& config)
        : pending(config.cdb + ".pending"), lock_path(config.cdb + ".lock"), store_(store), config_(config)
    {
    }
    const std::string pending;
    const std::string lock_path;
    Fd lock;

    Attempt try_lock()
    {
        while (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
            if (errno == EWOULDBLOCK) return busy;
            if (errno == EINTR) continue;
            log::warning(log::with_errno("unable to rebuild: unable to lock " + log::escape(lock_path), errno));
            return fault;
        }
        return locked;
    }
    void unlock() { ::flock(lock.get(), LOCK_UN); }
    bool is_pending() const
    {
        struct stat st;
        return ::stat(pending.c_str(), &st) == 0;
    }

    // Holding the lock: wait settle_ms for requests to gather; when one is
    // pending, clear the marker (before reading the store: a request made
    // after this sets it again) and rebuild.
    Step step(long settle_ms, bool& ok)
    {
        struct timespec settle = {settle_ms / 1000, (settle_ms % 1000) * 1000000L};
        while (::nanosleep(&settle, &settle) != 0 && errno == EINTR) {}
        if (::unlink(pending.c_str()) != 0) {
            if (errno == ENOENT) return done;  // none, or cleared by a rebuild that covers it
            log::warning(log::with_errno("unable to remove " + log::escape(pending), errno));
            ok = rebuild_once(store_, config_) && ok;
            return stuck;  // it cannot be cleared: no loop on it
        }
        ok = rebuild_once(store_, config_) && ok;
        return more;
    }

    // Hands the held lock to a detached grandchild that keeps rebuilding
    // while requests keep coming, waiting longer each time (up to
    // max_settle_ms), and exits after a quiet wait. False when that cannot
    // be started (the caller carries on itself).
    bool detach()
    {
        // With SIGCHLD ignored (inherited through exec) waitpid could not
        // tell whether the grandchild started, and two rebuilders would run.
        struct sigaction default_action {}, previous {};
        default_action.sa_handler = SIG_DFL;
        ::sigaction(SIGCHLD, &default_action, &previous);
        bool detached = start_grandchild();
        ::sigaction(SIGCHLD, &previous, nullptr);
        return detached;
    }

private:
    bool start_grandchild()
    {
        pid_t child = ::fork();
        if (child < 0) return false;
        if (child == 0) {
            pid_t grandchild = ::fork();
            if (grandchild != 0) ::_exit(grandchild < 0 ? 1 : 0);
            ::setsid();
            detach_descriptors();
            bool ok = true;
            for (;;) {
                Step s;
                for (long settle = 2 * first_settle_ms; (s = step(settle, ok)) == more;)
                    settle = std::min(settle * 2, max_settle_ms);
                unlock();
                if (s == stuck || !is_pending() || try_lock() != locked) ::_exit(ok ? 0 : 111);
            }
        }
        int status = 0;
        while (::waitpid(child, &status, 0) < 0)
            if (errno != EINTR) return true;  // unknown: better a late rebuild than two rebuilders
        // The grandchild holds the lock now (same open file): never unlock here.
        return WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }

    // The client's socket must not stay open in the background: 0 and 1,
    // and 2 unless it is a log.
    static void detach_descriptors()
    {
        int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null < 0) return;
        ::dup3(null, 0, 0);
        ::dup3(null, 1, 0);
        if (log::to_syslog()) ::dup3(null, 2, 0);
        if (null > 2) ::close(null);
    }

    Store& store_;
    const Config& config_;
};

} // namespace

bool parse_rules(std::string_view text, std::vector<RuleRecord>& out, RulesError& err)
{
    TextLines lines(text);
    return parse_each(lines, err, [&](std::string_view key, std::string_view data) {
               out.push_back(RuleRecord{std::string(key), std::string(data)});
               return true;
           }) == ParseEnd::done;
}

std::vector<RuleRecord> lock_records(const std::vector<RuleRecord>& statics, const std::vector<Lock>& locks,
                                     const Config& config, std::vector<std::string>& warnings)
{
    if (locks.empty()) return {};
    std::optional<std::string_view> host_deny;
    FirstRecords first = index_records(
        statics.size(), [&](size_t i) { return std::string_view(statics[i].key); },
        [&](size_t i) { return std::string_view(statics[i].data); }, host_deny);
    return records_for_locks(first, host_deny, locks, config, warnings);
}

int compile_rules(std::string_view rules_text, const std::vector<Lock>& locks, const Config& config,
                  const std::string& cdb, const std::string& tmp)
{
    TextLines lines(rules_text);
    Compiled c = compile(lines, "rules", locks, config, cdb, tmp);
    if (c.code != 100)
        for (const auto& w : c.warnings) log::warning(w);
    if (c.code != 0) log::fatal(c.message);
    return c.code;
}

bool rebuild_outstanding(const Config& config)
{
    struct stat st;
    return ::stat(failed_marker(config).c_str(), &st) == 0;
}

bool request_rebuild(Store& store, const Config& config)
{
    Rebuilder r(store, config);
    // The marker first: whoever holds the lock now will see it.
    // Read-only opens: flock needs no write permission. The lock is 0600:
    // anyone who can open it can hold it and stall every rebuild, so only
    // its owner (root, or the single virtual-mail uid) may.
    Fd marker(::open(r.pending.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!marker) {
        log::warning(log::with_errno("unable to rebuild: unable to create " + log::escape(r.pending), errno));
        return false;
    }
    marker.reset();
    r.lock.reset(::open(r.lock_path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!r.lock) {
        log::warning(log::with_errno("unable to rebuild: unable to open " + log::escape(r.lock_path), errno));
        return false;
    }
    bool ok = true;
    for (;;) {
        switch (r.try_lock()) {
        case Rebuilder::busy: return ok;  // the holder rebuilds for us
        case Rebuilder::fault: return false;
        case Rebuilder::locked: break;
        }
        Rebuilder::Step step = r.step(first_settle_ms, ok);
        if (step == Rebuilder::more) {
            // Requests that come during a burst are left to a process of
            // its own, so that no caller waits for more than one rebuild.
            if (r.detach()) return ok;
            for (long settle = 2 * first_settle_ms; (step = r.step(settle, ok)) == Rebuilder::more;)
                settle = std::min(settle * 2, max_settle_ms);
        }
        r.unlock();
        if (step == Rebuilder::stuck) return false;
        // A request made after our last look, whose maker found us holding the lock.
        if (!r.is_pending()) return ok;
    }
}

int rules_main(int argc, char** argv)
{
    if (argc != 3) {
        log::line("usage: relaylock-rules CDB TMP < RULES");
        return 100;
    }
    Config config = load_config();
    // Compiling the very cdb that rules mode rebuilds: take the rebuild lock,
    // so that a background rebuild can neither share our temporary file nor
    // rename an older build over ours.
    Fd rebuild_lock;
    if (config.rules_mode() && config.cdb == argv[1]) {
        rebuild_lock.reset(::open((config.cdb + ".lock").c_str(), O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
        while (rebuild_lock && ::flock(rebuild_lock.get(), LOCK_EX) != 0 && errno == EINTR) {}
    }
    std::vector<Lock> locks;
    auto store = open_store(config);
    std::string store_fault;
    if (active_locks(*store, std::time(nullptr), config, locks) == StoreResult::fault) {
        store_fault = store->error();
        locks.clear();
    }
    FdLines lines(0);
    Compiled c = compile(lines, "input", locks, config, argv[1], argv[2]);
    if (c.code == 100) {  // one line: the error
        log::fatal(c.message);
        return 100;
    }
    if (!store_fault.empty()) log::warning("unable to read locks, compiled without them: " + store_fault);
    for (const auto& w : c.warnings) log::warning(w);
    if (c.code != 0) log::fatal(c.message);
    return c.code;
}

} // namespace qs::relaylock
