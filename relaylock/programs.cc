#include "relaylock/programs.h"

#include "lib/exec.h"
#include "lib/fd.h"
#include "lib/log.h"
#include "relaylock/locks.h"
#include "relaylock/rules.h"

#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <algorithm>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace qs::relaylock {

namespace {

// The variable relaylock-guard hands down: the write end of its pipe.
constexpr const char* guard_fd_variable = "RELAYLOCK_FD";
constexpr std::string_view guard_message = "login ";
// A temporary entry this old was left by a writer that died mid-write.
constexpr long leftover_age = 3600;

int usage(std::string_view text)
{
    log::line("usage: " + std::string(text));
    return 100;
}

// --help: the usage on standard output, exit 0.
int help(std::string_view text)
{
    std::string out = "usage: " + std::string(text) + "\n";
    if (!write_all(1, out.data(), out.size())) return 111;
    return 0;
}

// The admin tools' answer to a store fault: one line, exit 111.
int store_fault(const Store& store)
{
    log::fatal(store.error());
    return 111;
}

std::string field_user() { return sanitize_user(std::getenv("USER") ? std::getenv("USER") : ""); }

// Records a login for client. False on a store fault (already logged).
bool record_login(const Address& client, std::string_view user, const Config& config)
{
    if (never_locked(client, config)) {
        log::line("not locking ip=" + canonical(client) +
                  (is_client_address(client) ? " (RELAYLOCK_NEVER)" : " (not a client address)"));
        return true;
    }
    auto store = open_store(config);
    std::string key = canonical(lock_block(client, config));
    std::time_t now = std::time(nullptr);
    bool was_active = false;
    StoreResult r;
    if (config.rules_mode()) {
        // Only a new address changes the rules cdb: look before replacing.
        r = store->update(key, [&](const std::string* current) {
            if (current) {
                auto old = decode_lock(key, *current);
                was_active = old && is_active(*old, now, config);
            }
            return StoreChange{StoreChange::replace, encode_lock(now, user)};
        });
    } else {
        r = store->put(key, encode_lock(now, user));
    }
    if (r == StoreResult::fault) {
        log::warning("unable to record lock ip=" + canonical(client) + ": " + store->error());
        return false;
    }
    log::line("lock ip=" + key + " user=" + sanitize_user(user));
    if (!was_active && config.rules_mode()) request_rebuild(*store, config);
    return true;
}

// Under relaylock-guard: tell the guard, which records the address it saw
// before authentication. Returns false when RELAYLOCK_FD is not usable.
bool signal_guard(std::string_view fd_text, std::string_view user)
{
    int fd = -1;
    auto [end, ec] = std::from_chars(fd_text.data(), fd_text.data() + fd_text.size(), fd);
    struct stat st;
    if (ec != std::errc() || end != fd_text.data() + fd_text.size() || fd < 3 || ::fstat(fd, &st) != 0 ||
        !S_ISFIFO(st.st_mode)) {
        log::warning("RELAYLOCK_FD=" + log::escape(fd_text) + " is not relaylock-guard's pipe; no lock");
        return false;
    }
    std::string message(guard_message);
    message += sanitize_user(user);
    message += '\n';
    // The guard may have stopped listening; a broken pipe must not kill the login.
    struct sigaction ignore {}, previous {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, &previous);
    bool sent = write_all(fd, message.data(), message.size());
    ::sigaction(SIGPIPE, &previous, nullptr);
    ::close(fd);
    if (!sent) log::warning(log::with_errno("unable to signal relaylock-guard", errno));
    return sent;
}

} // namespace

int relaylock_main(int argc, char** argv)
{
    if (argc < 2) return usage("relaylock PROG [ARG...]");
    std::string user = field_user();
    if (const char* fd_text = std::getenv(guard_fd_variable)) {
        std::string copy(fd_text);
        ::unsetenv(guard_fd_variable);  // not for the mailbox program
        signal_guard(copy, user);
    } else {
        Config config = load_config();
        if (auto client = client_address()) record_login(*client, user, config);
    }
    exec_next(argv + 1);
}

int check_main(int argc, char** argv)
{
    if (argc < 2) return usage("relaylock-check PROG [ARG...]");
    if (std::getenv("RELAYCLIENT")) exec_next(argv + 1);
    Config config = load_config();
    auto client = client_address();
    if (!client || never_locked(*client, config)) exec_next(argv + 1);
    std::string key = canonical(lock_block(*client, config));
    auto store = open_store(config);
    std::string value;
    StoreResult r = store->get(key, value);
    if (r == StoreResult::fault) {
        log::warning("no relay for ip=" + canonical(*client) + ": " + store->error());
        exec_next(argv + 1);
    }
    if (r == StoreResult::absent) exec_next(argv + 1);
    auto lock = decode_lock(key, value);
    if (!lock) {
        log::warning("malformed lock key=" + log::escape(key) + "; no relay");
        exec_next(argv + 1);
    }
    // The key was made from the client; the lock must say so in bytes too.
    if (!contains(lock->block, *client)) {
        log::warning("lock key=" + log::escape(key) + " does not cover ip=" + canonical(*client) + "; no relay");
        exec_next(argv + 1);
    }
    std::time_t now = std::time(nullptr);
    if (!is_active(*lock, now, config)) exec_next(argv + 1);
    if (::setenv("RELAYCLIENT", config.relayclient.c_str(), 1) != 0 ||
        ::setenv("RELAYLOCK_USER", lock->user.c_str(), 1) != 0 ||
        (!std::getenv("RBLSMTPD") && ::setenv("RBLSMTPD", "", 1) != 0)) {
        log::fatal("out of memory");
        return 111;
    }
    log::line("relay ip=" + canonical(*client) + " lock=" + key + " user=" + lock->user +
              " age=" + std::to_string(now - lock->login));
    exec_next(argv + 1);
}

int guard_main(int argc, char** argv)
{
    if (argc < 2) return usage("relaylock-guard PROG [ARG...]");
    // qmail-popup will put the client on descriptor 2 of everything after
    // it: relaylock and the checker write to this program's log instead.
    log::hand_down();
    Config config = load_config();
    auto client = client_address();  // captured before anything the user controls runs
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0) {
        log::warning(log::with_errno("unable to create pipe; running without relay locks", errno));
        exec_next(argv + 1);
    }
    Fd reader(ends[0]), writer(ends[1]);
    // An ignored SIGCHLD (inherited through exec) would make waitpid fail
    // and lose the chain's exit status.
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    ::sigaction(SIGCHLD, &default_action, nullptr);
    pid_t child = ::fork();
    if (child < 0) {
        log::warning(log::with_errno("unable to fork; running without relay locks", errno));
        exec_next(argv + 1);
    }
    if (child == 0) {
        int fd = writer.release();
        ::fcntl(fd, F_SETFD, 0);  // this one end survives exec, down to relaylock
        std::string value = std::to_string(fd);
        if (::setenv(guard_fd_variable, value.c_str(), 1) != 0) ::_exit(111);
        exec_next(argv + 1);
    }
    writer.reset();

    // One message, "login USER\n", from relaylock after a successful login;
    // end of file when the session ends without one.
    char buf[128];
    size_t got = 0;
    for (;;) {
        ssize_t r = ::read(reader.get(), buf + got, sizeof buf - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += static_cast<size_t>(r);
        if (std::memchr(buf, '\n', got) || got == sizeof buf) break;
    }
    reader.reset();
    std::string_view message(buf, got);
    if (!message.empty()) {
        auto newline = message.find('\n');
        if (newline == std::string_view::npos || message.substr(0, guard_message.size()) != guard_message) {
            log::warning("malformed message from relaylock; no lock");
        } else if (client) {
            record_login(*client, message.substr(guard_message.size(), newline - guard_message.size()), config);
        }
    }

    int status = 0;
    while (::waitpid(child, &status, 0) < 0) {
        if (errno != EINTR) {
            log::warning(log::with_errno("unable to wait for child", errno));
            return 111;
        }
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 111;
}

namespace {
// One sweep: removes what is no longer active (decided again under the
// store's lock, since a login may have refreshed it) and rebuilds the rules
// cdb when that changed it. next_expiry: the first second at which a lock
// still active now stops being active (0 when none is).
int expire_once(const Config& config, Store& store, std::time_t now, std::time_t& next_expiry)
{
    std::vector<std::string> stale;
    next_expiry = 0;
    StoreResult r = store.scan([&](std::string_view key, std::string_view value) {
        auto lock = decode_lock(key, value);
        if (!lock || !is_active(*lock, now, config)) {
            stale.emplace_back(key);
            return;
        }
        std::time_t at = first_inactive_second(*lock, config);
        if (next_expiry == 0 || at < next_expiry) next_expiry = at;
    });
    if (r == StoreResult::fault) return store_fault(store);
    unsigned long removed = 0;
    for (const auto& key : stale) {
        bool erased = false;
        r = store.update(key, [&](const std::string* current) {
            if (!current) return StoreChange{};
            auto lock = decode_lock(key, *current);
            if (lock && is_active(*lock, now, config)) return StoreChange{};
            erased = true;
            return StoreChange{StoreChange::erase, {}};
        });
        if (r == StoreResult::fault) return store_fault(store);
        if (erased) ++removed;
    }
    if (store.sweep_leftovers(leftover_age) == StoreResult::fault) return store_fault(store);
    if (config.rules_mode() && (removed || rebuild_outstanding(config)) && !request_rebuild(store, config))
        return 111;
    return 0;
}

// Sleeps until the wall clock reaches when, or for at most limit seconds:
// a clock stepped back must not stall expiry longer than one lifetime.
void sleep_until(std::time_t when, unsigned long limit)
{
    std::time_t now = std::time(nullptr);
    if (when <= now) return;
    unsigned long seconds = static_cast<unsigned long>(when - now);
    struct timespec left {static_cast<time_t>(std::min(seconds, limit)), 0};
    while (::nanosleep(&left, &left) != 0 && errno == EINTR) {}
}

// Between faults the watcher waits this long before it tries again.
constexpr unsigned long fault_retry = 5;
} // namespace

int expire_main(int argc, char** argv)
{
    const bool watch = argc == 2 && std::string_view(argv[1]) == "-w";
    if (argc == 2 && std::string_view(argv[1]) == "--help") return help("relaylock-expire [-w]");
    if (argc > 1 && !watch) return usage("relaylock-expire [-w]");
    Config config = load_config();
    auto store = open_store(config);
    std::time_t next_expiry = 0;
    if (!watch) return expire_once(config, *store, std::time(nullptr), next_expiry);
    // -w: a supervised service that sweeps when the first lock expires, so
    // that in rules mode the cdb stops granting relay within a second of
    // each lock's end. A lock written meanwhile expires after any wake-up
    // chosen here (at most one lifetime away), so no expiry is missed.
    const unsigned long lifetime = std::max(config.expiry, 1UL) + 1;
    // A lock whose login time is already in the past when it is written
    // (another host's slower clock, a copied store) would expire before a
    // wake-up planned without it: look again at least this often.
    constexpr unsigned long longest_sleep = 10;
    for (;;) {
        std::time_t now = std::time(nullptr);
        if (expire_once(config, *store, now, next_expiry) != 0) {
            sleep_until(now + static_cast<std::time_t>(fault_retry), fault_retry);
            continue;
        }
        sleep_until(next_expiry ? next_expiry : now + static_cast<std::time_t>(lifetime),
                    std::min(lifetime, longest_sleep));
    }
}

int list_main(int argc, char** argv)
{
    if (argc == 2 && std::string_view(argv[1]) == "--help") return help("relaylock-list");
    if (argc > 1) return usage("relaylock-list");
    Config config = load_config();
    auto store = open_store(config);
    std::time_t now = std::time(nullptr);
    std::vector<Lock> locks;
    if (active_locks(*store, now, config, locks) == StoreResult::fault) return store_fault(*store);
    std::string out;
    for (const auto& lock : locks) {
        std::time_t age = now > lock.login ? now - lock.login : 0;
        out += lock.key + " " + std::to_string(age) + " " + lock.user + "\n";
    }
    if (!write_all(1, out.data(), out.size())) {
        log::fatal(log::with_errno("unable to write output", errno));
        return 111;
    }
    return 0;
}

int revoke_main(int argc, char** argv)
{
    if (argc == 2 && std::string_view(argv[1]) == "--help") return help("relaylock-revoke [--] ADDRESS...");
    int first = 1;
    if (argc > 1 && std::string_view(argv[1]) == "--") first = 2;  // the contract: -- ends options
    if (argc <= first) return usage("relaylock-revoke [--] ADDRESS...");
    std::vector<Address> targets;
    for (int i = first; i < argc; ++i) {
        auto a = parse_address(argv[i]);
        if (!a) {
            log::line("fatal: not an address: " + log::escape(argv[i]));
            return 100;
        }
        targets.push_back(*a);
    }
    Config config = load_config();
    auto store = open_store(config);
    // Locks may have been written with another prefix length: any lock
    // whose block holds one of the addresses goes.
    std::vector<std::string> covering;
    StoreResult r = store->scan([&](std::string_view key, std::string_view) {
        auto block = parse_prefix(key);
        if (!block) return;
        for (const auto& a : targets)
            if (contains(*block, a)) {
                covering.emplace_back(key);
                return;
            }
    });
    if (r == StoreResult::fault) return store_fault(*store);
    unsigned long removed = 0;
    for (const auto& key : covering) {
        r = store->remove(key);
        if (r == StoreResult::fault) return store_fault(*store);
        if (r == StoreResult::ok) {
            ++removed;
            log::line("revoked lock=" + key);
        }
    }
    if (config.rules_mode() && (removed || rebuild_outstanding(config)) && !request_rebuild(*store, config))
        return 111;
    return 0;
}

} // namespace qs::relaylock
