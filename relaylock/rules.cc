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
#include <cstring>
#include <ctime>
#include <time.h>
#include <fcntl.h>
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

// Adds address's records: one, or one per number of a range such as
// "1.2.3.40-50" (only in keys without '=' and '@'). False on a bad bound.
bool add_address(std::string_view address, const std::string& data, std::vector<RuleRecord>& out)
{
    size_t dash = std::string_view::npos;
    if (address.find_first_of("=@") == std::string_view::npos) dash = address.find('-');
    if (dash == std::string_view::npos) {
        out.push_back(RuleRecord{std::string(address), data});
        return true;
    }
    size_t dot = dash == 0 ? std::string_view::npos : address.rfind('.', dash - 1);
    size_t left = dot == std::string_view::npos ? 0 : dot + 1;
    size_t right = address.find('.', dash + 1);
    if (right == std::string_view::npos) right = address.size();
    unsigned long bottom = 0, top = 0;
    if (!range_bound(address.substr(left, dash - left), bottom) ||
        !range_bound(address.substr(dash + 1, right - dash - 1), top))
        return false;
    if (top > 255) top = 255;
    std::string key(address.substr(0, left));
    for (unsigned long n = bottom; n <= top; ++n) {
        char digits[4];
        auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
        key.resize(left);
        key.append(digits, end);
        key.append(address.substr(right));
        out.push_back(RuleRecord{key, data});
    }
    return true;
}

enum class LineResult { added, skipped, bad };

// line: without its newline and trailing blanks.
LineResult parse_line(std::string_view line, std::string& data, std::vector<RuleRecord>& out)
{
    size_t colon = address_end(line);
    if (colon == std::string_view::npos)
        return line.find(':') == std::string_view::npos ? LineResult::skipped : LineResult::bad;
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
        if (rest[0] != ',') return LineResult::bad;
        size_t equals = rest.find('=');
        if (equals == std::string_view::npos) return LineResult::bad;
        data += '+';
        data.append(rest.substr(1, equals));  // "VAR="
        rest.remove_prefix(equals + 1);
        if (rest.empty()) return LineResult::bad;
        char quote = rest[0];
        rest.remove_prefix(1);
        size_t close = rest.find(quote);
        if (close == std::string_view::npos) return LineResult::bad;
        data.append(rest.substr(0, close));
        data += '\0';
        rest.remove_prefix(close + 1);
    }
    return add_address(address, data, out) ? LineResult::added : LineResult::bad;
}

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

using FirstRecords = std::unordered_map<std::string_view, const RuleRecord*>;

const RuleRecord* find_key(const FirstRecords& first, std::string_view key)
{
    auto it = first.find(key);
    return it == first.end() ? nullptr : it->second;
}

// The static record tcpserver would use for a client whose TCPREMOTEIP is
// ip, leaving out info@ and host-name rules (not known at build time): the
// exact key, each shorter prefix ending in '.' or ':' (fefe's rules.c),
// then the default. nullptr when none exists (tcpserver then allows).
const RuleRecord* matching_rule(const FirstRecords& first, std::string_view ip)
{
    if (auto r = find_key(first, ip)) return r;
    for (size_t len = ip.size(); len > 0; --len)
        if (ip[len - 1] == '.' || ip[len - 1] == ':')
            if (auto r = find_key(first, ip.substr(0, len))) return r;
    return find_key(first, "");
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
    const RuleRecord* rule = matching_rule(first, ip);
    std::string data = rule ? rule->data : std::string();
    if (denies(data)) return;
    if (!sets(data, "RELAYCLIENT")) append_variable(data, "RELAYCLIENT", config.relayclient);
    if (!sets(data, "RBLSMTPD")) append_variable(data, "RBLSMTPD", "");
    append_variable(data, "RELAYLOCK_USER", lock.user);
    out.push_back(RuleRecord{std::string(ip), std::move(data)});
}

// Reads all of fd. False with errno on a read error.
bool read_everything(int fd, std::string& out)
{
    struct stat st;
    size_t chunk = 1 << 16;
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
        out.reserve(static_cast<size_t>(st.st_size) + 1);
    for (;;) {
        size_t used = out.size();
        size_t room = std::max(chunk, out.capacity() - used);
        out.resize(used + room);
        ssize_t r = ::read(fd, out.data() + used, room);
        if (r < 0 && errno == EINTR) {
            out.resize(used);
            continue;
        }
        out.resize(used + (r > 0 ? static_cast<size_t>(r) : 0));
        if (r == 0) return true;
        if (r < 0) return false;
    }
}

bool syntax_error(std::string_view text, std::vector<RuleRecord>& statics, std::string& message)
{
    RulesError err;
    if (parse_rules(text, statics, err)) return false;
    message = "syntax error on line " + std::to_string(err.line) + ": " + log::escape(err.text);
    return true;
}

// Writes the lock records, then the static ones (the first record of a key
// is the one tcpserver uses). False with message on a system fault.
bool write_rules_cdb(const std::vector<RuleRecord>& statics, const std::vector<Lock>& locks, const Config& config,
                     const std::string& cdb, const std::string& tmp, std::string& message,
                     std::vector<std::string>& warnings, size_t& lock_count)
{
    std::vector<RuleRecord> dynamic = lock_records(statics, locks, config, warnings);
    lock_count = dynamic.size();
    return write_cdb_atomically(
        cdb, tmp,
        [&](const CdbAdd& add) {
            for (const auto& r : dynamic)
                if (!add(r.key, r.data)) return false;
            for (const auto& r : statics)
                if (!add(r.key, r.data)) return false;
            return true;
        },
        message);
}

int write_logged(const std::vector<RuleRecord>& statics, const std::vector<Lock>& locks, const Config& config,
                 const std::string& cdb, const std::string& tmp)
{
    std::string message;
    std::vector<std::string> warnings;
    size_t records = 0;
    bool written = write_rules_cdb(statics, locks, config, cdb, tmp, message, warnings, records);
    for (const auto& w : warnings) log::warning(w);
    if (written) return 0;
    log::fatal(message);
    return 111;
}

// One rebuild of config.cdb from config.rules and the store. Logs.
bool rebuild_once(Store& store, const Config& config)
{
    Fd rules(::open(config.rules.c_str(), O_RDONLY | O_CLOEXEC));
    std::string text;
    if (!rules || !read_everything(rules.get(), text)) {
        log::warning(log::with_errno("unable to rebuild: unable to read " + log::escape(config.rules), errno));
        return false;
    }
    rules.reset();
    std::vector<Lock> locks;
    if (active_locks(store, std::time(nullptr), config, locks) == StoreResult::fault) {
        log::warning("unable to rebuild: unable to read locks: " + store.error());
        return false;
    }
    std::string message;
    std::vector<RuleRecord> statics;
    if (syntax_error(text, statics, message)) {
        log::warning("unable to rebuild " + log::escape(config.cdb) + ": " + log::escape(config.rules) + ": " +
                     message);
        return false;
    }
    std::vector<std::string> warnings;
    size_t records = 0;
    bool written = write_rules_cdb(statics, locks, config, config.cdb, config.cdb + ".tmp", message, warnings,
                                   records);
    for (const auto& w : warnings) log::warning(w);
    if (!written) {
        log::warning("unable to rebuild: " + message);
        return false;
    }
    log::line("rebuild cdb=" + log::escape(config.cdb) + " locks=" + std::to_string(locks.size()) +
              " records=" + std::to_string(records));
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
            if (errno != EINTR) return false;
        // The grandchild holds the lock now (same open file): never unlock here.
        return WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }

private:
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
    std::string data;
    unsigned long number = 0;
    while (!text.empty()) {
        size_t newline = text.find('\n');
        std::string_view line = text.substr(0, newline);
        text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
        ++number;
        if (!line.empty() && line[0] == '#') continue;
        while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
        if (parse_line(line, data, out) == LineResult::bad) {
            err.line = number;
            err.text = std::string(line);
            return false;
        }
    }
    return true;
}

std::vector<RuleRecord> lock_records(const std::vector<RuleRecord>& statics, const std::vector<Lock>& locks,
                                     const Config& config, std::vector<std::string>& warnings)
{
    if (locks.empty()) return {};
    FirstRecords first;
    first.reserve(statics.size());
    const RuleRecord* host_deny = nullptr;
    for (const auto& r : statics) {
        first.emplace(r.key, &r);
        if (!host_deny && r.key.starts_with('=') && denies(r.data)) host_deny = &r;
    }
    if (host_deny)
        warnings.push_back("the static rules deny by host name (" + log::escape(host_deny->key) +
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
            add_lock_record(first, ip, lock, config, out);
            // tcpserver -6 shows IPv4 clients as ::ffff:a.b.c.d.
            ip.insert(0, mapped_prefix);
            add_lock_record(first, ip, lock, config, out);
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
        warnings.push_back(std::to_string(v4_prefixes) + " IPv4 prefix lock(s) left out: only exact addresses are "
                                                         "compiled");
    return out;
}

int compile_rules(std::string_view rules_text, const std::vector<Lock>& locks, const Config& config,
                  const std::string& cdb, const std::string& tmp)
{
    std::vector<RuleRecord> statics;
    std::string message;
    if (syntax_error(rules_text, statics, message)) {
        log::fatal(message);
        return 100;
    }
    return write_logged(statics, locks, config, cdb, tmp);
}

bool request_rebuild(Store& store, const Config& config)
{
    Rebuilder r(store, config);
    // The marker first: whoever holds the lock now will see it.
    Fd marker(::open(r.pending.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!marker) {
        log::warning(log::with_errno("unable to rebuild: unable to create " + log::escape(r.pending), errno));
        return false;
    }
    marker.reset();
    r.lock.reset(::open(r.lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
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
    std::string text;
    if (!read_everything(0, text)) {
        log::fatal(log::with_errno("unable to read input", errno));
        return 111;
    }
    std::vector<RuleRecord> statics;
    std::string message;
    if (syntax_error(text, statics, message)) {
        log::fatal(message);
        return 100;
    }
    text = std::string();  // the records hold what is needed
    Config config = load_config();
    std::vector<Lock> locks;
    auto store = open_store(config);
    if (active_locks(*store, std::time(nullptr), config, locks) == StoreResult::fault) {
        log::warning("unable to read locks, compiling without them: " + store->error());
        locks.clear();
    }
    return write_logged(statics, locks, config, argv[1], argv[2]);
}

} // namespace qs::relaylock
