#include "relaylock/rebuild.h"

#include "lib/log.h"
#include "relaylock/rules_compile.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace qs::relaylock {

namespace {

// How long a rebuild waits for more requests to join it: first_settle_ms
// after a quiet time, then twice as long each time during a burst.
constexpr long first_settle_ms = 50;
constexpr long max_settle_ms = 1000;

bool exists(const std::string& path)
{
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
}

// Read-only opens: flock needs no write permission. The lock is 0600:
// anyone who can open it can hold it and stall every rebuild, so only its
// owner (root, or the single virtual-mail uid) may.
Fd open_rebuild_lock(const RebuildFiles& files)
{
    return Fd(::open(files.lock.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
}

bool rebuild_attempt(const Config& config, const RebuildFiles& files, const ReadActiveLocks& read_locks)
{
    Fd rules(::open(config.rules.c_str(), O_RDONLY | O_CLOEXEC));
    if (!rules) {
        log::warning(log::with_errno("unable to rebuild: unable to open " + log::escape(config.rules), errno));
        return false;
    }
    auto locks = read_locks(std::time(nullptr));
    if (!locks) {
        log::warning("unable to rebuild: unable to read locks: " + locks.fault().text);
        return false;
    }
    // A temporary file left by a rebuilder that died may belong to another
    // user (root's relaylock-rules run): we hold the lock, so nobody is
    // writing it, and only its name goes. The writer never opens an
    // existing TMP; it refuses one that is not a stale one of ours
    // (lib/cdb_write.h), which is what is left here when this fails.
    ::unlink(files.tmp.c_str());
    FdLines lines(rules.get());
    Compiled c = compile(lines, log::escape(config.rules), *locks, config, config.cdb, files.tmp);
    for (const auto& w : c.warnings) log::warning(w);
    if (!c.status) {
        const Fault& f = c.status.fault();
        if (f.exit_code == Fault::permanent)
            log::warning("unable to rebuild " + log::escape(config.cdb) + ": " + log::escape(config.rules) + ": " +
                         f.text);
        else
            log::warning("unable to rebuild: " + f.text);
        return false;
    }
    log::line("rebuild cdb=" + log::escape(config.cdb) + " locks=" + std::to_string(locks->size()) +
              " lock_records=" + std::to_string(c.lock_record_count));
    return true;
}

// One rebuild. Logs. CDB.failed (mark_stale) stands while it runs and after it
// fails, until a rebuild succeeds, so that the next relaylock-expire or
// relaylock-revoke tries again: the cdb may still grant relay to locks
// that are gone from the store, or lack new ones. (Made before the
// attempt, it also covers a rebuilder killed mid-way: the request it had
// taken is not lost.)
void mark_stale(const RebuildFiles& files)
{
    Fd marker(::open(files.failed.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!marker) log::warning(log::with_errno("unable to create " + log::escape(files.failed), errno));
}

// Called with the stale mark made (Rebuilder::step).
bool rebuild_once(const Config& config, const RebuildFiles& files, const ReadActiveLocks& read_locks)
{
    bool ok = rebuild_attempt(config, files, read_locks);
    if (ok) ::unlink(files.failed.c_str());
    return ok;
}

// The lock (CDB.lock, flock) and request marker (CDB.pending) that
// serialise and coalesce rebuilds across processes.
class Rebuilder {
public:
    enum Attempt { locked, busy, fault };
    enum Step { done, more, stuck };

    Rebuilder(const Config& config, const ReadActiveLocks& read_locks)
        : files(config.cdb), config_(config), read_locks_(read_locks)
    {
    }
    const RebuildFiles files;
    Fd lock;

    Attempt try_lock()
    {
        while (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
            if (errno == EWOULDBLOCK) return busy;
            if (errno == EINTR) continue;
            log::warning(log::with_errno("unable to rebuild: unable to lock " + log::escape(files.lock), errno));
            return fault;
        }
        return locked;
    }
    void unlock() { ::flock(lock.get(), LOCK_UN); }
    bool is_pending() const { return exists(files.pending); }

    // Holding the lock: wait settle_ms for requests to gather; when one is
    // pending, clear the marker (before reading the store: a request made
    // after this sets it again) and rebuild.
    Step step(long settle_ms, bool& ok)
    {
        struct timespec settle = {settle_ms / 1000, (settle_ms % 1000) * 1000000L};
        while (::nanosleep(&settle, &settle) != 0 && errno == EINTR) {}
        if (!exists(files.pending)) return done;
        mark_stale(files);  // before taking the request: a kill from here on loses nothing
        if (::unlink(files.pending.c_str()) != 0) {
            if (errno == ENOENT) return done;  // none, or cleared by a rebuild that covers it
            log::warning(log::with_errno("unable to remove " + log::escape(files.pending), errno));
            ok = rebuild_once(config_, files, read_locks_) && ok;
            return stuck;  // it cannot be cleared: no loop on it
        }
        ok = rebuild_once(config_, files, read_locks_) && ok;
        return more;
    }

    // Steps with growing waits while requests keep coming.
    Step step_through_burst(bool& ok)
    {
        Step s;
        for (long settle = 2 * first_settle_ms; (s = step(settle, ok)) == more;)
            settle = std::min(settle * 2, max_settle_ms);
        return s;
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
            keep_rebuilding();
        }
        int status = 0;
        while (::waitpid(child, &status, 0) < 0)
            if (errno != EINTR) return true;  // unknown: better a late rebuild than two rebuilders
        // The grandchild holds the lock now (same open file): never unlock here.
        return WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }

    // The detached grandchild's life: rebuild while requests come, then
    // exit; a request left after it let go is its to serve if it can take
    // the lock back.
    [[noreturn]] void keep_rebuilding()
    {
        bool ok = true;
        for (;;) {
            Step s = step_through_burst(ok);
            unlock();
            if (s == stuck || !is_pending() || try_lock() != locked) ::_exit(ok ? 0 : 111);
        }
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

    const Config& config_;
    const ReadActiveLocks& read_locks_;
};

bool create_marker(const RebuildFiles& files)
{
    Fd marker(::open(files.pending.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!marker) log::warning(log::with_errno("unable to rebuild: unable to create " + log::escape(files.pending), errno));
    return static_cast<bool>(marker);
}

// The marker first: whoever holds the lock now will see it.
bool leave_request(Rebuilder& r)
{
    if (!create_marker(r.files)) return false;
    r.lock = open_rebuild_lock(r.files);
    if (!r.lock) {
        log::warning(log::with_errno("unable to rebuild: unable to open " + log::escape(r.files.lock), errno));
        return false;
    }
    return true;
}

} // namespace

RebuildFiles::RebuildFiles(const std::string& cdb)
    : lock(cdb + ".lock"), pending(cdb + ".pending"), failed(cdb + ".failed"), tmp(cdb + ".tmp")
{
}

bool announce_rebuild(const Config& config) { return create_marker(RebuildFiles(config.cdb)); }

bool request_rebuild(const Config& config, const ReadActiveLocks& read_locks)
{
    Rebuilder r(config, read_locks);
    if (!leave_request(r)) return false;
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
            step = r.step_through_burst(ok);
        }
        r.unlock();
        if (step == Rebuilder::stuck) return false;
        // A request made after our last look, whose maker found us holding the lock.
        if (!r.is_pending()) return ok;
    }
}

bool rebuild_outstanding(const Config& config)
{
    RebuildFiles files(config.cdb);
    if (exists(files.failed)) return true;
    if (!exists(files.pending)) return false;
    // served when someone holds the lock; a request to rebuild costs
    // nothing then (it finds the lock busy)
    Fd lock = open_rebuild_lock(files);
    if (!lock) return true;
    return ::flock(lock.get(), LOCK_EX | LOCK_NB) == 0 || errno != EWOULDBLOCK;
}

Fd hold_rebuild_lock(const Config& config)
{
    Fd lock = open_rebuild_lock(RebuildFiles(config.cdb));
    while (lock && ::flock(lock.get(), LOCK_EX) != 0 && errno == EINTR) {}
    return lock;
}

} // namespace qs::relaylock
