// sendlimit itself, as QMAILQUEUE: the real qmail-queue started at once,
// the envelope read, the sender identified and counted, the message passed
// on or refused.
#include "sendlimit/sendlimit.h"

#include "lib/fd.h"
#include "lib/log.h"

#include <cerrno>
#include <csignal>
#include <ctime>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace qs::sendlimit {

namespace {

// qmail-queue(8) exit codes this program gives itself.
constexpr int refused_for_now = 71;   // "mail server temporarily rejected message"
constexpr int refused_for_good = 31;  // "mail server permanently rejected message"
constexpr int read_error = 54;        // "qq read error"
constexpr int queue_crashed = 81;     // "qq internal bug"
constexpr int bad_configuration = 55; // "qq unable to read configuration"

// The real qmail-queue, started at once so that it reads the message from
// descriptor 0 as qmail-smtpd writes it (qmail-smtpd writes the envelope
// only after the whole message): the message never passes through here.
struct Queue {
    pid_t pid = -1;
    Fd envelope;  // the write end of its descriptor 1
};

std::optional<Queue> start_queue(const std::string& program)
{
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) {
        log::fatal(log::with_errno("unable to make a pipe", errno));
        return std::nullopt;
    }
    Fd read_end(p[0]);
    Queue q;
    q.envelope.reset(p[1]);
    q.pid = ::fork();
    if (q.pid < 0) {
        log::fatal(log::with_errno("unable to fork", errno));
        return std::nullopt;
    }
    if (q.pid == 0) {
        if (::dup2(read_end.get(), 1) != 1) ::_exit(120);
        char* argv[] = {const_cast<char*>(program.c_str()), nullptr};
        ::execv(argv[0], argv);
        ::_exit(120);  // qmail's "unable to exec qq"
    }
    return q;
}

int wait_queue(Queue& q)
{
    q.envelope.reset();
    int status = 0;
    while (::waitpid(q.pid, &status, 0) < 0)
        if (errno != EINTR) return queue_crashed;
    if (!WIFEXITED(status)) return queue_crashed;
    return WEXITSTATUS(status);
}

// Passes the envelope on and returns the queue's own status.
int pass(Queue& q, const std::string& envelope)
{
    if (!write_all(q.envelope.get(), envelope.data(), envelope.size())) {
        int status = wait_queue(q);
        return status ? status : queue_crashed;
    }
    return wait_queue(q);
}

// An empty envelope: qmail-queue reads end of file where the envelope
// should be and queues nothing.
int refuse(Queue& q, int code)
{
    wait_queue(q);
    return code;
}

enum class ReadResult { ok, failed, too_big };
ReadResult read_envelope(std::string& out)
{
    char buf[65536];
    for (;;) {
        ssize_t r = ::read(1, buf, sizeof buf);
        if (r < 0) {
            if (errno == EINTR) continue;
            return ReadResult::failed;
        }
        if (r == 0) return ReadResult::ok;
        out.append(buf, static_cast<size_t>(r));
        if (out.size() > max_envelope) return ReadResult::too_big;
    }
}

// The senders file, read for each message it is needed for (it is small
// and the administrator edits it in place); unreadable: nothing but the
// account's own address and domain.
std::string senders_file(const Config& c)
{
    Fd fd(::open(c.senders_file.c_str(), O_RDONLY | O_CLOEXEC));
    std::string text;
    char buf[65536];
    long n = fd ? read_all(fd.get(), buf, sizeof buf) : -1;
    if (n < 0) log::warning(log::with_errno("unable to read SENDLIMIT_SENDERS " + log::escape(c.senders_file), errno));
    if (n > 0) text.assign(buf, static_cast<size_t>(n));
    if (n == static_cast<long>(sizeof buf)) log::warning("SENDLIMIT_SENDERS: only its first 64 KiB are read");
    return text;
}

std::string fields(const Sender& who, const Envelope& e)
{
    return "account=" + log::escape(who.account) + " source=" + who.source +
           " recipients=" + std::to_string(e.recipients.size());
}

void send_notices(const Config& c, const Sender& who, const std::string& evidence, std::int64_t now)
{
    std::string me = control_me(c.controldir);
    std::string host = me.empty() ? "localhost" : me;
    std::vector<std::string> to;
    if (who.source != "address") {
        to.push_back(who.account.find('@') != std::string::npos ? who.account : who.account + "@" + host);
        for (auto& ch : to.back())
            if (static_cast<unsigned char>(ch) < 33 || ch == 127) ch = '_';
    }
    to.push_back(c.postmaster.empty() ? "postmaster@" + host : c.postmaster);
    for (const auto& rcpt : to) {
        auto code = queue_message(c.queue, suspension_notice(host, rcpt, who.account, evidence, now), rcpt);
        if (!code || *code != 0)
            log::warning("unable to queue the suspension notice to " + log::escape(rcpt) + ": " +
                         (!code ? code.fault().text : "qmail-queue exit " + std::to_string(*code)));
    }
}

// SENDLIMIT_QUEUE naming sendlimit itself would start a chain of them
// without end, each counting the message again.
bool queue_is_sendlimit(const Config& c)
{
    struct stat self, next;
    return ::stat("/proc/self/exe", &self) == 0 && ::stat(c.queue.c_str(), &next) == 0 &&
           self.st_dev == next.st_dev && self.st_ino == next.st_ino;
}

// The envelope from descriptor 1; nullopt, or the exit code when it is
// refused unread.
std::optional<int> take_envelope(Queue& queue, std::string& bytes)
{
    switch (read_envelope(bytes)) {
    case ReadResult::ok: return std::nullopt;
    case ReadResult::failed:
        log::warning(log::with_errno("unable to read the envelope", errno));
        return refuse(queue, read_error);
    case ReadResult::too_big:
        log::warning("envelope over " + std::to_string(max_envelope) + " bytes; refused for now");
        return refuse(queue, refused_for_now);
    }
    return std::nullopt;
}

bool sender_refused(const Config& c, const Sender& who, const Envelope& e)
{
    return !sender_allowed(c.senders, who, e.sender) &&
           (c.senders != Config::Senders::file || !sender_allowed(c.senders, who, e.sender, senders_file(c)));
}

// The message's fate once the store has counted it.
int act_on(Queue& queue, const std::string& bytes, const Config& c, const Sender& who, const Envelope& e,
           Verdict verdict, std::int64_t now)
{
    switch (verdict.kind) {
    case Verdict::pass:
        log::line("pass " + fields(who, e));
        return pass(queue, bytes);
    case Verdict::over:
        log::line("refused " + fields(who, e) + ": over " + verdict.detail + "; try later");
        return refuse(queue, refused_for_now);
    case Verdict::suspended:
        log::line("refused " + fields(who, e) + ": suspended (" + verdict.detail + ") until released");
        return refuse(queue, refused_for_now);
    case Verdict::suspend_now:
        break;
    }
    log::line("suspended " + fields(who, e) + ": " + verdict.detail +
              "; sending stays refused until sendlimit-release");
    int code = refuse(queue, refused_for_now);
    send_notices(c, who, verdict.detail, now);
    return code;
}

// A counted sender's message: the store decides.
int count_and_act(Queue& queue, const std::string& bytes, const Config& c, const Sender& who, const Envelope& e)
{
    auto store = open_account_store(c);
    if (!store) {
        log::warning(store.fault().text + "; passed uncounted " + fields(who, e));
        return pass(queue, bytes);
    }
    const std::int64_t now = std::time(nullptr);
    Counted counted = count_message(**store, who.account, c, e.recipients.size(), who.network, now);
    if (counted.junk) log::warning("junk record for account=" + log::escape(who.account) + " replaced");
    if (!counted.verdict) {
        // Never seen the record: nobody can say it is suspended.
        log::warning("store fault: " + (*store)->error() + "; passed uncounted " + fields(who, e));
        return pass(queue, bytes);
    }
    Verdict verdict = std::move(*counted.verdict);
    if (counted.result == StoreResult::fault) {
        log::warning("store fault: " + (*store)->error() + " (the count is lost)");
        // A suspension that was not recorded would not hold: no notices.
        if (verdict.kind == Verdict::suspend_now) verdict.kind = Verdict::over, verdict.detail = "a signal (" + verdict.detail + ")";
    }
    return act_on(queue, bytes, c, who, e, std::move(verdict), now);
}

} // namespace

int sendlimit_queue()
{
    const Config c = load_config();
    log_warnings(c);
    if (queue_is_sendlimit(c)) {
        log::fatal("SENDLIMIT_QUEUE is sendlimit itself; set it to the real qmail-queue");
        return bad_configuration;
    }
    auto queue = start_queue(c.queue);
    if (!queue) return refused_for_now;
    // From here on the message is the queue's alone; a write to a queue
    // that died is its exit status, not a signal here.
    ::signal(SIGPIPE, SIG_IGN);
    {
        Fd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
        if (!null || ::dup2(null.get(), 0) != 0) ::close(0);
    }
    std::string bytes;
    if (auto refused = take_envelope(*queue, bytes)) return *refused;
    auto envelope = parse_envelope(bytes);
    if (!envelope) {
        log::warning("malformed envelope; passed uncounted for qmail-queue to judge");
        return pass(*queue, bytes);
    }
    const Sender who = identify(session_from_environment());
    if (!who.counted) return pass(*queue, bytes);
    if (sender_refused(c, who, *envelope)) {
        log::line("refused " + fields(who, *envelope) + " sender=" + log::escape(envelope->sender) +
                  ": not the account's own (SENDLIMIT_SENDERS)");
        return refuse(*queue, refused_for_good);
    }
    return count_and_act(*queue, bytes, c, who, *envelope);
}

} // namespace qs::sendlimit
