// One bounce-fmt run: control files, the envelope, the notice on
// descriptor 1 or through qmail-queue.
#include "bounce-fmt/plan.h"
#include "bounce-fmt/queue.h"

#include "lib/log.h"

#include <cerrno>
#include <csignal>
#include <string_view>
#include <sys/wait.h>
#include <unistd.h>

namespace qs::bounce {

namespace {

// Where a write or read failed.
struct Outcome {
    bool ok = true;
    bool read_failed = false;
    int error = 0;
};

Outcome write_plan(const Plan& plan, int out)
{
    Outcome o;
    auto put = [&](std::string_view s) {
        if (!o.ok || s.empty()) return;
        if (!write_all(out, s.data(), s.size())) {
            o.ok = false;
            o.error = errno;
        }
    };
    put(plan.head);
    put(plan.read_ahead);
    if (o.ok && plan.spool) {
        CopyResult c = copy_stream(plan.spool.get(), out, 0);
        if (!c.ok) o = Outcome{false, c.read_failed, c.error};
    }
    if (o.ok && plan.copy) {
        CopyResult c = copy_stream(0, out, plan.limit);
        if (!c.ok) {
            o.ok = false;
            o.read_failed = c.read_failed;
            o.error = c.error;
        } else if (c.hit_limit) {
            put(stripped_line);
        }
    }
    put(plan.tail);
    return o;
}

std::string kind_name(Kind kind)
{
    return kind == Kind::bounce ? "bounce" : "double_bounce";
}

int deliver_to_queue(const Job& job, const Envelope& envelope, const Plan& plan)
{
    auto child = start_queue(job.config.qmailqueue);
    if (!child) {
        log::fatal(child.fault().text);
        return child.fault().exit_code;
    }
    Outcome o = write_plan(plan, child->message.get());
    child->message.reset();
    if (o.ok) {
        std::string env = queue_envelope(envelope.sender, envelope.recipient);
        if (!write_all(child->envelope.get(), env.data(), env.size())) {
            o.ok = false;
            o.error = errno;
        }
    }
    int status = finish_queue(*child);
    if (status == -1) {
        log::fatal(log::with_errno("unable to wait for qmail-queue", errno));
        return 111;
    }
    if (o.read_failed) {
        log::fatal(log::with_errno("unable to read message", o.error));
        return 111;
    }
    int code = queue_exit_code(status, o.ok);
    int qq = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (code == 0) {
        log::line("queued kind=" + kind_name(envelope.kind) + " to=" + log::escape(envelope.recipient) +
                  " qp=" + std::to_string(child->pid));
        return 0;
    }
    std::string text = "qmail-queue failed program=" + log::escape(job.config.qmailqueue);
    if (qq >= 0)
        text += " exit=" + std::to_string(qq) + " reason=" + log::escape(queue_exit_text(qq));
    else
        text += " signal=" + std::to_string(WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    if (!o.ok) text = log::with_errno(text + " write", o.error);
    log::fatal(text);
    return code;
}

int fail(const Fault& fault)
{
    log::fatal(fault.text);
    return fault.exit_code;
}

} // namespace

Status check_operands(std::string_view sender, std::span<const Failure> failures)
{
    if (sender.find_first_of("\r\n") != std::string_view::npos)
        return permanent_fault("sender contains a newline sender=" + log::escape(sender));
    for (const auto& f : failures)
        if (f.recipient.empty()) return permanent_fault("empty recipient");
    return {};
}

int bounce_fmt(const Options& options)
{
    if (!is_open(0)) {
        log::fatal("descriptor 0 is closed: no message to bounce");
        return 111;
    }
    if (!options.queue && !is_open(1)) {
        log::fatal("descriptor 1 is closed: nowhere to write the bounce");
        return 111;
    }
    // Descriptors we open later (pipes, control files) must not become 1 or 2.
    if (auto filled = fill_closed_descriptors(1); !filled) return fail(filled.fault());
    auto config = load_config();
    if (!config) return fail(config.fault());
    Job job{options.sender, options.failures, options.dsn, options.queue, std::move(*config)};
    std::signal(SIGPIPE, SIG_IGN);
    return run(job);
}

int run(const Job& job)
{
    if (auto checked = check_operands(job.sender, job.failures); !checked) return fail(checked.fault());
    auto controls = read_controls(job.config.controldir);
    if (!controls) return fail(controls.fault());
    Envelope envelope = envelope_for(job.sender, *controls);
    if (envelope.kind == Kind::triple_bounce) {
        log::line("triple bounce: discarding sender=" + log::escape(job.sender));
        return 0;
    }
    if (envelope.kind == Kind::discarded) {
        log::line("double bounce: discarding, doublebounceto is empty");
        return 0;
    }
    Plan plan;
    if (job.dsn) {
        auto dsn = dsn_plan(job, envelope, *controls);
        if (!dsn) return fail(dsn.fault());
        plan = std::move(*dsn);
    } else {
        plan.head = qmail_head(envelope, *controls, job.failures, job.config.now);
        plan.limit = controls->maxbytes;
    }
    if (job.queue) return deliver_to_queue(job, envelope, plan);

    Outcome o = write_plan(plan, 1);
    if (o.ok && ::close(1) != 0) o = Outcome{false, false, errno};
    if (!o.ok) {
        log::fatal(log::with_errno(o.read_failed ? "unable to read message"
                                                 : "unable to write bounce to descriptor 1",
                                   o.error));
        return 111;
    }
    return 0;
}

} // namespace qs::bounce
