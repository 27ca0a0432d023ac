// bounce-fmt's logic: the failure notice qmail-send writes (qmail-send.c
// addbounce() and injectbounce(), doc/reference/qmail-bounce.md), an
// RFC 3464 variant, qmail's control files, and the hand-over to qmail-queue.
// main() in bounce-fmt.cc only parses argv.
#ifndef QSEND_BOUNCE_BOUNCE_H
#define QSEND_BOUNCE_BOUNCE_H

#include "lib/date822.h"
#include "lib/result.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace qs::bounce {

// ---- qmail's text (format.cc) ------------------------------------------

// qmail's quote(): a local part as RFC 822 wants it, quoted only when needed.
std::string quote_local(std::string_view box);
// qmail's quote2(): the part before the last '@' through quote_local().
std::string quote_address(std::string_view address);
// "Date: 17 Mar 1996 03:54:40 -0000\n" (qmail's date822fmt, always UTC).
inline std::string date_line(std::int64_t seconds) { return date822_line(seconds); }

// qmail-send keeps at most this many bytes of a delivery report.
constexpr std::size_t report_max = 9998;
// One recipient's paragraph, as addbounce() appends it to the bounce file:
// "<" recipient ">:\n" report, a newline added when missing, blank lines
// broken with '/', then the blank line that ends the paragraph.
std::string paragraph(std::string_view recipient, std::string_view report);

struct Failure {
    std::string_view recipient;
    std::string_view reason;
};

// ---- control files (control.cc) ----------------------------------------

struct Controls {
    std::string bouncefrom;
    std::string bouncehost;
    std::string doublebounceto;  // the whole address: local part "@" host
    bool discard_double = false; // control/doublebounceto exists, first line empty
    std::uint64_t maxbytes = 0;  // bouncemaxbytes; 0 = keep the whole message
};

// Reads DIR/me, bouncefrom, bouncehost, doublebounceto, doublebouncehost and
// bouncemaxbytes as qmail does (first line, trailing spaces, tabs and
// newlines stripped; a missing file takes the default, an empty one is
// empty). A file that exists but cannot be read, or a DIR that is not a
// directory, is a fault (exit 111).
Result<Controls> read_controls(const std::string& dir);
// qmail's control_readint: the leading decimal digits; none means "unset".
std::optional<std::uint64_t> leading_number(std::string_view line);

// ---- who gets what (format.cc) -----------------------------------------

enum class Kind { bounce, double_bounce, triple_bounce, discarded };

struct Envelope {
    Kind kind = Kind::bounce;
    std::string original_sender; // after qmail's "-@[]" strip
    std::string sender;          // the bounce's envelope sender: "" or "#@[]"
    std::string recipient;       // the bounce's envelope recipient
};
Envelope envelope_for(std::string_view sender, const Controls& controls);

// The pieces of qmail-send's notice: the four header lines (Date, From,
// To, Subject); the intro and the paragraphs; the break paragraph (with
// its blank line); the Return-Path line.
std::string notice_header(const Envelope& envelope, const Controls& controls, std::int64_t now);
std::string notice_text(const Envelope& envelope, const Controls& controls,
                        std::span<const Failure> failures);
std::string_view break_paragraph(const Envelope& envelope);
std::string return_path_line(const Envelope& envelope);
// Everything qmail-send writes before the copy of the message: the four
// header lines, the intro, the paragraphs, the break paragraph and the
// Return-Path line.
std::string qmail_head(const Envelope& envelope, const Controls& controls,
                       std::span<const Failure> failures, std::int64_t now);
// The line qmail-ldap appends after a cut copy.
inline constexpr std::string_view stripped_line = "\n\n--- End of message stripped.\n";

// ---- RFC 3464 (dsn.cc) --------------------------------------------------

// The status of one reason for our DSN: the "(#x.y.z)" of class 4 or 5
// that ends it (qmail's own code), else the enhanced code (or the class of
// the basic code) of a "Remote host said:" reply, else 5.0.0.
std::string status_of(std::string_view reason);
// For reading a notice someone else wrote (bounce-explain): the last
// well-formed "(#x.y.z)" of class 4 or 5 anywhere, else status_of.
std::string reported_status_of(std::string_view reason);
// The remote SMTP reply in a reason ("550 5.1.1 no such user"), lines
// joined by spaces, control bytes made spaces; empty when there is none.
std::string smtp_reply_of(std::string_view reason);
// The address qmail-remote names in a reason ("192.0.2.1 does not like
// recipient.", "Connected to ... but", "Giving up on ..."); empty if none.
std::string remote_mta_of(std::string_view reason);
// The date after the last ';' of the message's first Received field, when
// it looks like an RFC 5322 date; empty otherwise.
std::string arrival_date_of(std::string_view header_block);
// The header block of a message: up to and including the empty line, or
// the whole text when there is none.
std::string_view header_block_of(std::string_view message);

struct DsnParts {
    std::string head;   // headers, human part, delivery-status, part 3 header
    std::string tail;   // the closing boundary
};
// original_start: the first bytes of the message (at least its header block
// when it has one); headers_only: part 3 is text/rfc822-headers.
DsnParts dsn_parts(const Envelope& envelope, const Controls& controls,
                   std::span<const Failure> failures, std::int64_t now,
                   std::string_view original_start, bool headers_only,
                   std::string_view boundary);

// ---- streaming (copy.cc) ------------------------------------------------

struct CopyResult {
    bool ok = true;
    bool read_failed = false; // else the write failed
    int error = 0;
    std::uint64_t copied = 0;
    bool hit_limit = false;   // limit bytes were copied (more may remain)
};
// Copies descriptor in to descriptor out until EOF, or until limit bytes
// when limit is not 0. Uses copy_file_range or splice where the kernel
// allows, else 64-KiB reads and writes; memory does not grow with the input.
CopyResult copy_stream(int in, int out, std::uint64_t limit);
// Reads from in until EOF or max bytes. A read error is a temporary fault:
// failure_text and the error's words.
Result<std::string> read_up_to(int in, std::size_t max, std::string_view failure_text);

// ---- configuration (config.cc) ------------------------------------------

struct Config {
    std::string controldir;   // CONTROLDIR
    std::string qmailqueue;   // QMAILQUEUE
    std::string tmpdir;       // TMPDIR: where -d spools what it reads ahead
    std::int64_t now = 0;     // SOURCE_DATE_EPOCH, else the clock
    bool fixed_time = false;  // SOURCE_DATE_EPOCH set: deterministic boundary too
};
// Reads the environment once; a malformed SOURCE_DATE_EPOCH is a fault.
Result<Config> load_config();

// ---- descriptors (descriptors.cc) ----------------------------------------

bool is_open(int fd);
// Opens /dev/null on each closed descriptor from first to 2, so that the
// files and pipes opened later never become one of them.
Status fill_closed_descriptors(int first);

// ---- the whole job (run.cc) ---------------------------------------------

// What bounce-fmt's argv says.
struct Options {
    bool queue = false;  // -q
    bool dsn = false;    // -d
    std::string_view sender;
    std::vector<Failure> failures;
};
// bounce-fmt after its argv: checks descriptors 0 and 1, reads the
// configuration and runs the job. The exit code (0, 100, 111).
int bounce_fmt(const Options& options);

struct Job {
    std::string_view sender;
    std::span<const Failure> failures;
    bool dsn = false;
    bool queue = false;
    Config config;
};
// Reads stdin (descriptor 0), writes to descriptor 1 or to qmail-queue.
// Returns the exit code (0, 100, 111) after logging any fault.
int run(const Job& job);

// Checks of the operands before anything is read: a permanent fault when
// they are unusable.
Status check_operands(std::string_view sender, std::span<const Failure> failures);

// ---- qmail-queue (queue.cc) ---------------------------------------------

// qmail-queue's exit code as ours: 0, 100 (permanent) or 111; and the text
// qmail's qmail.c gives it.
int queue_exit_code(int status, bool wrote_everything);
std::string_view queue_exit_text(int code);
// The envelope qmail-queue reads from descriptor 1.
std::string queue_envelope(std::string_view sender, std::string_view recipient);

} // namespace qs::bounce

#endif
