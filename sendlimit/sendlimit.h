// The sendlimit family: per-account sending limits in front of qmail-queue,
// suspension of accounts that look hijacked, and the admin tools. Each
// program's main() parses its argv and calls one of the program functions
// at the end.
#ifndef QSEND_SENDLIMIT_SENDLIMIT_H
#define QSEND_SENDLIMIT_SENDLIMIT_H

#include "lib/result.h"
#include "lib/store.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace qs::sendlimit {

// ---- rates (rates.cc) ----------------------------------------------------

// One limit: at most `limit` messages (or recipients) in any `seconds`.
struct Rate {
    enum Kind { messages, recipients } kind = recipients;
    std::uint64_t limit = 0;
    std::uint64_t seconds = 0;
    bool operator==(const Rate&) const = default;
};
// Items separated by spaces or commas, each KIND:N/DURATION: KIND is msg
// or rcpt, DURATION a number with s, m, h or d (none: seconds), from 1 s
// to 30 days. At most 8 items. nullopt names the bad item.
std::optional<std::vector<Rate>> parse_rates(std::string_view text, std::string* bad_item);
std::string format_rate(const Rate& r);   // "rcpt:400/1h"
std::string format_rates(const std::vector<Rate>& rates);  // comma-separated
// The words of text between runs of any of separators.
std::vector<std::string_view> words_of(std::string_view text, std::string_view separators);
// For a small business customer: never more than 2,000 recipients an hour.
inline constexpr std::string_view default_rates =
    "msg:40/10m rcpt:120/10m msg:150/1h rcpt:400/1h msg:500/1d rcpt:1500/1d";

// ---- configuration (config.cc) ------------------------------------------

struct Config {
    std::string store_spec;     // SENDLIMIT_STORE
    std::vector<Rate> rates;    // SENDLIMIT_RATES
    std::string queue;          // SENDLIMIT_QUEUE
    std::string controldir;     // CONTROLDIR
    std::string postmaster;     // SENDLIMIT_POSTMASTER ("" = postmaster@me)
    std::uint64_t surge_min = 1000;    // SENDLIMIT_SURGE (0 = off)
    std::uint64_t surge_factor = 10;   // SENDLIMIT_SURGE_FACTOR
    unsigned networks = 8;             // SENDLIMIT_NETWORKS (0 = off)
    enum class Senders { any, domain, exact, file } senders = Senders::any;  // SENDLIMIT_SENDERS
    std::string senders_file;  // SENDLIMIT_SENDERS=/PATH
    std::vector<std::string> warnings;  // malformed settings (defaults used)
};
// Reads the environment once. A malformed value is a warning and its
// default applies; nothing here refuses mail.
Config load_config();

// The one place the store is chosen: SENDLIMIT_STORE through
// qs::open_store ("dir:/path"; a Redis spec is recognised and reported as
// not available yet). A fault when the spec is unusable.
Result<std::unique_ptr<Store>> open_account_store(const Config& c);
// One warning line for each of c.warnings.
void log_warnings(const Config& c);

// ---- the envelope (envelope.cc) -----------------------------------------

struct Envelope {
    std::string sender;
    std::vector<std::string> recipients;
};
// qmail-queue's envelope: "F" sender NUL, ("T" recipient NUL)..., NUL.
// nullopt when the bytes are not exactly that.
std::optional<Envelope> parse_envelope(std::string_view bytes);
std::string format_envelope(std::string_view sender, const std::vector<std::string>& recipients);
// What qmail-queue reads from descriptor 1 at most (qmail-smtpd writes up
// to 900 bytes per address): more is refused as a temporary failure.
inline constexpr std::size_t max_envelope = 8u << 20;

// ---- who sends (account.cc) ---------------------------------------------

// What qmail-smtpd's environment says about the sender.
struct Session {
    std::optional<std::string> auth_marker;   // SMTPAUTHUSER, SMTP_AUTH_USER, AUTHUSER
    std::optional<std::string> remoteinfo;    // TCPREMOTEINFO
    std::optional<std::string> relaylock_user;// RELAYLOCK_USER
    bool relayclient = false;                 // RELAYCLIENT set (any value)
    std::optional<std::string> remoteip;      // TCPREMOTEIP
};
// Reads qmail-smtpd's environment once (config.cc).
Session session_from_environment();

struct Sender {
    bool counted = false;       // false: inbound mail, passes uncounted
    std::string account;        // a user name, or "[192.0.2.7]", "[2001:db8:1:2::/64]"
    std::string source;         // auth, relaylock, remoteinfo, address
    std::string network;        // the client's /24 or /48, "" when unknown
};
Sender identify(const Session& s);
// An account name as the tools take it: at most 190 bytes.
inline constexpr std::size_t max_account = 190;
inline bool valid_account(std::string_view a) { return !a.empty() && a.size() <= max_account; }

// SENDLIMIT_SENDERS: may this account use this envelope sender? The
// empty sender always may; accounts without a domain and address
// accounts are not checked. exact: the account itself; domain: any
// address of its domain; file: those, and what the account's line in the
// file lists ("ACCOUNT SENDER..."; a SENDER "@example.org" stands for the
// domain; "#" lines and blank lines ignored), compared without case.
bool sender_allowed(Config::Senders mode, const Sender& who, std::string_view sender,
                    std::string_view file_text = {});

// ---- an account's record and the decision (record.cc) -------------------

struct Bucket {
    std::int64_t start = 0;
    std::uint64_t messages = 0, recipients = 0;
};
struct Window {
    std::uint64_t seconds = 0;
    std::vector<Bucket> buckets;  // oldest first, only non-empty ones
};
struct Record {
    std::int64_t suspended = 0;   // since when; 0: not suspended
    std::string reason;           // one word: surge, networks
    std::string override_rates;   // this account's own SENDLIMIT_RATES
    std::vector<Window> windows;  // accepted mail
    Window attempts{3600, {}};    // every message tried, accepted or not
    std::vector<std::pair<std::string, std::int64_t>> networks;  // network, last seen
    std::vector<std::pair<std::int64_t, std::uint64_t>> peaks;   // day, peak hourly recipients
};
std::string encode_record(const Record& r);
// nullopt for junk.
std::optional<Record> decode_record(std::string_view value);

// Messages and recipients in the last `seconds` (buckets that may hold
// any of them count whole: the count never falls short).
std::pair<std::uint64_t, std::uint64_t> count(const Window& w, std::int64_t now);

struct Signals {
    std::uint64_t surge_min = 1000;
    std::uint64_t surge_factor = 10;
    unsigned networks = 8;
};
struct Verdict {
    enum Kind { pass, over, suspended, suspend_now } kind = pass;
    std::string detail;   // over: the rate; suspend_now: the evidence
};
// The whole decision for one message, applied to the record: counts it
// when it passes, records the attempt, suspends on a signal.
Verdict admit(Record& r, std::int64_t now, std::uint64_t recipients, std::string_view network,
              const std::vector<Rate>& rates, const Signals& signals);

// ---- an account's record in the store (updates.cc) ----------------------

// Store::update may call its function more than once (a backend that
// retries): these functions only compute in it, and what they report is
// what its last call saw.

struct Counted {
    std::optional<Verdict> verdict;  // nullopt: the record was never seen
    bool junk = false;               // the record was junk and is replaced
    StoreResult result = StoreResult::fault;
};
// admit() for one message, applied to the account's record in the store.
Counted count_message(Store& store, std::string_view account, const Config& c, std::uint64_t recipients,
                      std::string_view network, std::int64_t now);
// true: the account was suspended and is released; false: it was not
// suspended. A fault is the store's.
Result<bool> release_account(Store& store, std::string_view account);
// The account's own rates (formatted), or none when clear.
Status set_override(Store& store, std::string_view account, bool clear, std::string_view rates);
// sendlimit-list's line for one record (without its newline).
std::string list_line(std::string_view account, Record& record, std::int64_t now);

// ---- notices (notice.cc) -------------------------------------------------

// "Date ... From ... To ... Subject", blank line, the text (bounce-fmt's shape).
std::string suspension_notice(std::string_view host, std::string_view to, std::string_view account,
                              std::string_view evidence, std::int64_t now);
// The first line of CONTROLDIR/me, "" when missing.
std::string control_me(const std::string& controldir);
// Hands message and a fresh envelope (sender "") to the queue program:
// its exit code, or a fault when it could not be run.
Result<int> queue_message(const std::string& program, std::string_view message, std::string_view recipient);

// ---- the programs (gate.cc, admin.cc) ------------------------------------

// sendlimit, as QMAILQUEUE: qmail-queue's exit codes.
int sendlimit_queue();
// The admin tools: 0, 100 or 111.
int list_accounts();
int release_accounts(const std::vector<std::string>& accounts);
struct OverrideOptions {
    std::string account;
    bool clear = false;   // -c
    std::string rates;    // formatted; "" with clear
};
int override_account(const OverrideOptions& options);

// Operands after an optional "--" (the admin tools' argv).
std::vector<std::string> operands(int argc, char** argv, int first);

} // namespace qs::sendlimit

#endif
