// The programs: sendlimit (qmail-queue's interface) and the admin tools.
#include "sendlimit/sendlimit.h"

#include "lib/fd.h"
#include "lib/log.h"

#include <algorithm>
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

int usage(std::string_view text)
{
    log::line("usage: " + std::string(text));
    return 100;
}

int help(std::string_view text)
{
    std::string out = "usage: " + std::string(text) + "\n";
    return write_all(1, out.data(), out.size()) ? 0 : 111;
}

void log_warnings(const Config& c)
{
    for (const auto& w : c.warnings) log::warning(w);
}

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
        std::string error;
        int code = queue_message(c.queue, suspension_notice(host, rcpt, who.account, evidence, now), rcpt, error);
        if (code != 0)
            log::warning("unable to queue the suspension notice to " + log::escape(rcpt) + ": " +
                         (code < 0 ? error : "qmail-queue exit " + std::to_string(code)));
    }
}

std::string duration(std::uint64_t seconds)
{
    return format_rate(Rate{Rate::messages, 0, seconds}).substr(6);  // "msg:0/" cut off
}

} // namespace

int sendlimit_main(int argc, char** argv)
{
    if (argc > 1) return usage("sendlimit (run as QMAILQUEUE, with no arguments)");
    const Config c = load_config();
    log_warnings(c);
    // SENDLIMIT_QUEUE naming sendlimit itself would start a chain of them
    // without end, each counting the message again.
    struct stat self, next;
    if (::stat("/proc/self/exe", &self) == 0 && ::stat(c.queue.c_str(), &next) == 0 && self.st_dev == next.st_dev &&
        self.st_ino == next.st_ino) {
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
    switch (read_envelope(bytes)) {
    case ReadResult::ok: break;
    case ReadResult::failed:
        log::warning(log::with_errno("unable to read the envelope", errno));
        return refuse(*queue, read_error);
    case ReadResult::too_big:
        log::warning("envelope over " + std::to_string(max_envelope) + " bytes; refused for now");
        return refuse(*queue, refused_for_now);
    }
    auto envelope = parse_envelope(bytes);
    if (!envelope) {
        log::warning("malformed envelope; passed uncounted for qmail-queue to judge");
        return pass(*queue, bytes);
    }
    const Sender who = identify(session_from_environment());
    if (!who.counted) return pass(*queue, bytes);
    if (!sender_allowed(c.senders, who, envelope->sender) &&
        (c.senders != Config::Senders::file || !sender_allowed(c.senders, who, envelope->sender, senders_file(c)))) {
        log::line("refused " + fields(who, *envelope) + " sender=" + log::escape(envelope->sender) +
                  ": not the account's own (SENDLIMIT_SENDERS)");
        return refuse(*queue, refused_for_good);
    }
    std::string error;
    auto store = open_store(c.store_spec, error);
    if (!store) {
        log::warning(error + "; passed uncounted " + fields(who, *envelope));
        return pass(*queue, bytes);
    }
    const std::int64_t now = std::time(nullptr);
    const Signals signals{c.surge_min, c.surge_factor, c.networks};
    std::optional<Verdict> verdict;
    bool junk = false;
    StoreResult r = store->update(who.account, [&](const std::string* current) {
        Record record;
        if (current) {
            if (auto decoded = decode_record(*current)) record = std::move(*decoded);
            else junk = true;
        }
        std::vector<Rate> rates = c.rates;
        if (!record.override_rates.empty()) rates = *parse_rates(record.override_rates, nullptr);
        verdict = admit(record, now, envelope->recipients.size(), who.network, rates, signals);
        return StoreChange{StoreChange::replace, encode_record(record)};
    });
    if (junk) log::warning("junk record for account=" + log::escape(who.account) + " replaced");
    if (!verdict) {
        // Never seen the record: nobody can say it is suspended.
        log::warning("store fault: " + store->error() + "; passed uncounted " + fields(who, *envelope));
        return pass(*queue, bytes);
    }
    if (r == StoreResult::fault) {
        log::warning("store fault: " + store->error() + " (the count is lost)");
        // A suspension that was not recorded would not hold: no notices.
        if (verdict->kind == Verdict::suspend_now) verdict->kind = Verdict::over, verdict->detail = "a signal (" + verdict->detail + ")";
    }
    switch (verdict->kind) {
    case Verdict::pass:
        log::line("pass " + fields(who, *envelope));
        return pass(*queue, bytes);
    case Verdict::over:
        log::line("refused " + fields(who, *envelope) + ": over " + verdict->detail + "; try later");
        return refuse(*queue, refused_for_now);
    case Verdict::suspended:
        log::line("refused " + fields(who, *envelope) + ": suspended (" + verdict->detail + ") until released");
        return refuse(*queue, refused_for_now);
    case Verdict::suspend_now:
        break;
    }
    log::line("suspended " + fields(who, *envelope) + ": " + verdict->detail +
              "; sending stays refused until sendlimit-release");
    int code = refuse(*queue, refused_for_now);
    send_notices(c, who, verdict->detail, now);
    return code;
}

int list_main(int argc, char** argv)
{
    if (argc == 2 && std::string_view(argv[1]) == "--help") return help("sendlimit-list");
    if (argc > 1) return usage("sendlimit-list");
    const Config c = load_config();
    log_warnings(c);
    std::string error;
    auto store = open_store(c.store_spec, error);
    if (!store) {
        log::fatal(error);
        return 111;
    }
    const std::int64_t now = std::time(nullptr);
    std::vector<std::string> lines;
    StoreResult r = store->scan([&](std::string_view key, std::string_view value) {
        auto record = decode_record(value);
        if (!record) {
            log::warning("junk record for account=" + log::escape(key) + " skipped");
            return;
        }
        std::string line = log::escape(key);
        if (record->suspended)
            line += " suspended " + record->reason + " " + std::to_string(std::max<std::int64_t>(0, now - record->suspended));
        else
            line += " active - -";
        std::sort(record->windows.begin(), record->windows.end(),
                  [](const Window& a, const Window& b) { return a.seconds < b.seconds; });
        for (const auto& w : record->windows) {
            auto [m, n] = count(w, now);
            line += " " + duration(w.seconds) + "=" + std::to_string(m) + "/" + std::to_string(n);
        }
        line += " override=" + (record->override_rates.empty() ? std::string("-") : record->override_rates);
        lines.push_back(line + "\n");
    });
    if (r == StoreResult::fault) {
        log::fatal(store->error());
        return 111;
    }
    std::sort(lines.begin(), lines.end());
    std::string out;
    for (const auto& l : lines) out += l;
    if (!write_all(1, out.data(), out.size())) {
        log::fatal(log::with_errno("unable to write output", errno));
        return 111;
    }
    return 0;
}

namespace {
// Operands after an optional "--"; false when there are none.
bool operands(int argc, char** argv, int first, std::vector<std::string>& out)
{
    if (first < argc && std::string_view(argv[first]) == "--") ++first;
    for (int i = first; i < argc; ++i) out.emplace_back(argv[i]);
    return !out.empty();
}

bool account_ok(const std::string& a)
{
    if (!a.empty() && a.size() <= max_account) return true;
    log::line("fatal: not an account name: " + log::escape(a));
    return false;
}
} // namespace

int release_main(int argc, char** argv)
{
    constexpr std::string_view text = "sendlimit-release [--] ACCOUNT...";
    if (argc == 2 && std::string_view(argv[1]) == "--help") return help(text);
    std::vector<std::string> accounts;
    if (!operands(argc, argv, 1, accounts)) return usage(text);
    for (const auto& a : accounts)
        if (!account_ok(a)) return 100;
    const Config c = load_config();
    log_warnings(c);
    std::string error;
    auto store = open_store(c.store_spec, error);
    if (!store) {
        log::fatal(error);
        return 111;
    }
    for (const auto& a : accounts) {
        bool released = false;
        StoreResult r = store->update(a, [&](const std::string* current) {
            std::optional<Record> record;
            if (current) record = decode_record(*current);
            if (!record || !record->suspended) return StoreChange{};
            record->suspended = 0;
            record->reason.clear();
            record->attempts.buckets.clear();  // the evidence is answered
            record->networks.clear();
            released = true;
            return StoreChange{StoreChange::replace, encode_record(*record)};
        });
        if (r == StoreResult::fault) {
            log::fatal(store->error());
            return 111;
        }
        log::line((released ? "released account=" : "not suspended account=") + log::escape(a));
    }
    return 0;
}

int override_main(int argc, char** argv)
{
    constexpr std::string_view text = "sendlimit-override [--] ACCOUNT RATES | sendlimit-override -c [--] ACCOUNT";
    if (argc == 2 && std::string_view(argv[1]) == "--help") return help(text);
    bool clear = argc > 1 && std::string_view(argv[1]) == "-c";
    if (argc > 1 && !clear && argv[1][0] == '-' && std::string_view(argv[1]) != "--") return usage(text);
    std::vector<std::string> args;
    operands(argc, argv, clear ? 2 : 1, args);
    if (args.size() != (clear ? 1u : 2u) || !account_ok(args[0])) return usage(text);
    std::string rates;
    if (!clear) {
        std::string bad;
        auto parsed = parse_rates(args[1], &bad);
        if (!parsed) {
            log::line("fatal: bad rate " + log::escape(bad));
            return 100;
        }
        rates = format_rates(*parsed);
    }
    const Config c = load_config();
    log_warnings(c);
    std::string error;
    auto store = open_store(c.store_spec, error);
    if (!store) {
        log::fatal(error);
        return 111;
    }
    StoreResult r = store->update(args[0], [&](const std::string* current) {
        Record record;
        if (current) {
            auto decoded = decode_record(*current);
            if (decoded) record = std::move(*decoded);
        }
        if (clear && !current) return StoreChange{};
        record.override_rates = rates;
        return StoreChange{StoreChange::replace, encode_record(record)};
    });
    if (r == StoreResult::fault) {
        log::fatal(store->error());
        return 111;
    }
    log::line((clear ? "override cleared account=" : "override account=") + log::escape(args[0]) +
              (clear ? "" : " rates=" + rates));
    return 0;
}

} // namespace qs::sendlimit
