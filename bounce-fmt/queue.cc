// Handing the bounce to qmail-queue: the message on its descriptor 0, the
// envelope on its descriptor 1, as qmail's qmail.c does.
#include "bounce-fmt/bounce.h"
#include "bounce-fmt/queue.h"

#include "lib/log.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace qs::bounce {

std::string queue_envelope(std::string_view sender, std::string_view recipient)
{
    std::string env = "F";
    env += sender;
    env += '\0';
    env += 'T';
    env += recipient;
    env += '\0';
    env += '\0';
    return env;
}

int queue_exit_code(int status, bool wrote_everything)
{
    if (!WIFEXITED(status)) return 111;
    int code = WEXITSTATUS(status);
    if (code == 0) return wrote_everything ? 0 : 111;
    if (code == 115 || (code >= 11 && code <= 40)) return 100;
    return 111;
}

std::string_view queue_exit_text(int code)
{
    switch (code) {
    case 0: return "ok";
    case 11: case 115: return "envelope address too long for qq";
    case 31: return "mail server permanently rejected message";
    case 51: return "qq out of memory";
    case 52: return "qq timeout";
    case 53: return "qq write error or disk full";
    case 54: return "qq read error";
    case 55: return "qq unable to read configuration";
    case 56: return "qq trouble making network connection";
    case 61: return "qq trouble in home directory";
    case 62: case 63: case 64: case 65: case 66: return "qq trouble creating files in queue";
    case 71: return "mail server temporarily rejected message";
    case 72: return "connection to mail server timed out";
    case 73: return "connection to mail server rejected";
    case 74: return "communication with mail server failed";
    case 81: case 91: return "qq internal bug";
    case 120: return "unable to exec qq";
    default: return code >= 11 && code <= 40 ? "qq permanent problem" : "qq temporary problem";
    }
}

Result<QueueChild> start_queue(const std::string& program)
{
    int message[2], envelope[2];
    if (::pipe2(message, O_CLOEXEC) != 0) {
        return temporary_fault(log::with_errno("unable to make a pipe", errno));
    }
    QueueChild child;
    Fd message_read(message[0]);
    child.message.reset(message[1]);
    if (::pipe2(envelope, O_CLOEXEC) != 0) {
        return temporary_fault(log::with_errno("unable to make a pipe", errno));
    }
    Fd envelope_read(envelope[0]);
    child.envelope.reset(envelope[1]);
    child.pid = ::fork();
    if (child.pid < 0) {
        return temporary_fault(log::with_errno("unable to fork", errno));
    }
    if (child.pid == 0) {
        // dup2 clears close-on-exec on the copies; descriptors 0 to 2 are
        // open (main sees to it), so neither pipe end is 0 or 1 already.
        if (::dup2(message_read.get(), 0) != 0 || ::dup2(envelope_read.get(), 1) != 1) ::_exit(120);
        char* argv[] = {const_cast<char*>(program.c_str()), nullptr};
        ::execv(argv[0], argv);
        ::_exit(120);
    }
    return Result<QueueChild>(std::move(child));
}

int finish_queue(QueueChild& child)
{
    child.message.reset();
    child.envelope.reset();
    int status = 0;
    while (::waitpid(child.pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    return status;
}

} // namespace qs::bounce
