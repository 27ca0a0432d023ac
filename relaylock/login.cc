// relaylock and relaylock-guard: a successful POP login becomes a lock.
#include "relaylock/programs.h"

#include "lib/env.h"
#include "lib/exec.h"
#include "lib/fd.h"
#include "lib/log.h"
#include "relaylock/lock_store.h"

#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace qs::relaylock {

namespace {

// The variable relaylock-guard hands down: the write end of its pipe.
constexpr const char* guard_fd_variable = "RELAYLOCK_FD";
constexpr std::string_view guard_message = "login ";

void record_login(const Address& client, std::string_view user, const Config& config)
{
    auto locks = LockStore::open(config);
    Status recorded = locks ? locks->record_login(client, user) : Status(locks.fault());
    if (!recorded) log::warning("unable to record lock ip=" + canonical(client) + ": " + recorded.fault().text);
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

// The guard's child: the rest of the chain, with the pipe's write end
// named in RELAYLOCK_FD.
[[noreturn]] void run_chain_with_pipe(Fd& writer, char** next)
{
    int fd = writer.release();
    ::fcntl(fd, F_SETFD, 0);  // this one end survives exec, down to relaylock
    std::string value = std::to_string(fd);
    if (::setenv(guard_fd_variable, value.c_str(), 1) != 0) ::_exit(111);
    exec_next(next);
}

// One message, "login USER\n", from relaylock after a successful login;
// end of file when the session ends without one.
void await_login(Fd& reader, const std::optional<Address>& client, const Config& config)
{
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
    if (message.empty()) return;
    auto newline = message.find('\n');
    if (newline == std::string_view::npos || message.substr(0, guard_message.size()) != guard_message)
        log::warning("malformed message from relaylock; no lock");
    else if (client)
        record_login(*client, message.substr(guard_message.size(), newline - guard_message.size()), config);
}

// The chain's exit status is the guard's.
int wait_for_chain(pid_t child)
{
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

} // namespace

void run_relaylock(const ChainOptions& options)
{
    std::string user = sanitize_user(env::get("USER").value_or(""));
    if (auto fd_text = env::get(guard_fd_variable)) {
        std::string copy(*fd_text);
        ::unsetenv(guard_fd_variable);  // not for the mailbox program
        signal_guard(copy, user);
    } else {
        Config config = load_config_and_warn();
        if (auto client = client_address()) record_login(*client, user, config);
    }
    log::end_hand_down();  // the mailbox program must not write into the POP log
    exec_next(options.next);
}

int run_guard(const ChainOptions& options)
{
    // qmail-popup will put the client on descriptor 2 of everything after
    // it: relaylock and the checker write to this program's log instead.
    log::hand_down();
    Config config = load_config_and_warn();
    auto client = client_address();  // captured before anything the user controls runs
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0) {
        log::warning(log::with_errno("unable to create pipe; running without relay locks", errno));
        exec_next(options.next);
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
        exec_next(options.next);
    }
    if (child == 0) run_chain_with_pipe(writer, options.next);
    writer.reset();
    await_login(reader, client, config);
    return wait_for_chain(child);
}

} // namespace qs::relaylock
