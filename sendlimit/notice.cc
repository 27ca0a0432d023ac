// The suspension notices: the shape of bounce-fmt's qmail-send notices
// (four header lines, the Date line from lib/date822, "Hi. This is the
// ... program at HOST."), and queued
// through qmail-queue with a fresh envelope (sender empty, as a bounce's,
// so that a failing notice cannot loop).
#include "sendlimit/sendlimit.h"

#include "lib/date822.h"
#include "lib/fd.h"
#include "lib/log.h"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace qs::sendlimit {

namespace {
// One header field's bytes from log-safe text: no line breaks can enter.
std::string one_line(std::string_view text)
{
    std::string out(text);
    for (auto& c : out)
        if (c == '\n' || c == '\r') c = ' ';
    return out;
}
} // namespace

std::string suspension_notice(std::string_view host, std::string_view to, std::string_view account,
                              std::string_view evidence, std::int64_t now)
{
    const std::string name = log::escape(account);  // an account name is client-chosen bytes
    std::string out = date822_line(now);
    out += "From: MAILER-DAEMON@" + one_line(host) + "\n";
    out += "To: " + one_line(to) + "\n";
    out += "Subject: sending suspended for " + name + "\n\n";
    out += "Hi. This is the sendlimit program at " + one_line(host) + ".\n";
    out += "I have suspended outgoing mail for the account " + name + ",\n"
           "because its sending looked like someone else using it:\n\n  " +
           one_line(evidence) +
           "\n\n"
           "Receiving mail and reading it still work. Messages sent from this\n"
           "account are refused for now with a temporary error, so mail programs\n"
           "keep them and send them again once sending is released.\n\n"
           "If you did not send this mail, change the account's password now and\n"
           "tell the postmaster, who has been told too. The postmaster releases\n"
           "the account with: sendlimit-release " +
           name + "\n";
    return out;
}

std::string control_me(const std::string& controldir)
{
    Fd fd(::open((controldir + "/me").c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return {};
    char buf[256];
    long n = read_all(fd.get(), buf, sizeof buf);
    if (n <= 0) return {};
    std::string line(buf, static_cast<size_t>(n));
    line = line.substr(0, line.find('\n'));
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.pop_back();
    return line;
}

Result<int> queue_message(const std::string& program, std::string_view message, std::string_view recipient)
{
    int m[2], e[2];
    if (::pipe2(m, O_CLOEXEC) != 0) {
        return temporary_fault(log::with_errno("unable to make a pipe", errno));
    }
    Fd message_read(m[0]), message_write(m[1]);
    if (::pipe2(e, O_CLOEXEC) != 0) {
        return temporary_fault(log::with_errno("unable to make a pipe", errno));
    }
    Fd envelope_read(e[0]), envelope_write(e[1]);
    pid_t pid = ::fork();
    if (pid < 0) {
        return temporary_fault(log::with_errno("unable to fork", errno));
    }
    if (pid == 0) {
        // 0 to 2 are open, so neither pipe end is 0 or 1 (dup2 clears close-on-exec)
        if (::dup2(message_read.get(), 0) != 0 || ::dup2(envelope_read.get(), 1) != 1) ::_exit(120);
        ::signal(SIGPIPE, SIG_DFL);  // sendlimit ignores it; the queue gets the default
        char* argv[] = {const_cast<char*>(program.c_str()), nullptr};
        ::execv(argv[0], argv);
        ::_exit(120);
    }
    message_read.reset();
    envelope_read.reset();
    const std::string envelope = format_envelope("", {std::string(recipient)});
    bool wrote = write_all(message_write.get(), message.data(), message.size());
    message_write.reset();
    wrote = write_all(envelope_write.get(), envelope.data(), envelope.size()) && wrote;
    envelope_write.reset();
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return temporary_fault(log::with_errno("unable to wait for the queue", errno));
    if (!WIFEXITED(status)) return temporary_fault("the queue program crashed");
    if (WEXITSTATUS(status) == 0 && !wrote) return temporary_fault("unable to write to the queue program");
    return WEXITSTATUS(status);
}

} // namespace qs::sendlimit
