// bounce-explain's logic: read a failure notice (qmail-send's QSBMF text,
// an RFC 3464 report, or the text of Exim, Postfix, Microsoft and Gmail),
// and say per failed recipient what went wrong and what to do next, in
// Japanese or English. main() in bounce-explain.cc only parses argv.
#ifndef QSEND_BOUNCE_EXPLAIN_H
#define QSEND_BOUNCE_EXPLAIN_H

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace qs::bounce::explain {

// ---- bounds (explain_mime.cc) --------------------------------------------

// At most this many bytes of each message are read; the rest is ignored
// (the report of every format comes before the copy of the message).
inline constexpr std::size_t read_max = 1024 * 1024;
// MIME: deeper nesting, more parts or more header fields are not looked at.
inline constexpr int depth_max = 8;
inline constexpr std::size_t parts_max = 256;
inline constexpr std::size_t fields_max = 300;

// ---- messages (explain_mime.cc) ------------------------------------------

struct Field {
    std::string name;   // as written
    std::string value;  // unfolded: continuation line breaks removed
};

// A header block: fields up to the first empty line (LF or CRLF), at most
// fields_max of them. body_offset is where the body starts in the text (the
// text's size when there is no body).
struct Header {
    std::vector<Field> fields;
    std::size_t body_offset = 0;
    // The first field named so (case-insensitively), or nullopt.
    std::optional<std::string_view> get(std::string_view name) const;
};
Header parse_header(std::string_view text);

// "multipart/report; boundary=x" gives type "multipart/report" (lower case)
// and the parameter values by lower-case name, unquoted.
struct ContentType {
    std::string type;
    std::string param(std::string_view name) const;
    std::vector<std::pair<std::string, std::string>> params;
};
ContentType parse_content_type(std::string_view value);

// Content-Transfer-Encoding bodies; output never longer than the input.
std::string decode_base64(std::string_view text);
std::string decode_quoted_printable(std::string_view text);

// One leaf of the MIME tree that a notice is read from: text parts and
// delivery-status parts, decoded. Parts inside a returned message
// (message/rfc822, text/rfc822-headers) are never looked into: a copy of
// a message may itself look like a notice.
struct Part {
    std::string type;      // lower case; "text/plain" when there is none
    std::string body;      // transfer encoding undone
    int depth = 0;         // 0: the message's own body
};
// The leaves in order, at most parts_max, nesting at most depth_max.
std::vector<Part> leaves(std::string_view message);

// ---- notices (explain_read.cc) -------------------------------------------

enum class Format { qmail, qmail_double, rfc3464, exim, postfix, microsoft, gmail };
std::string_view format_name(Format format);

struct Failed {
    std::string address;
    std::string status;      // enhanced status code, "5.1.1"
    std::string diagnostic;  // the failing server's words, one line
};

struct Notice {
    Format format = Format::rfc3464;
    std::vector<Failed> recipients;
    std::string from;        // the From address of the notice, bare
    std::string subject;     // its Subject, unfolded and trimmed
    bool delay_warning = false;  // no recipient failed, some are delayed
};

// nullopt when the message is not a failure notice in a format read here:
// it is never guessed at. A delay warning (RFC 3464 "Action: delayed",
// Gmail's "has been delayed") with no failed recipient gives a Notice
// without recipients and delay_warning set.
std::optional<Notice> read_notice(std::string_view message);

// The first enhanced status code ("5.1.1": class 2, 4 or 5, subject up to
// three digits, detail up to three) standing alone in text, or "".
std::string find_enhanced_code(std::string_view text);
// An address as the formats write it: angle brackets, "rfc822;", a
// trailing "mailto:" link and white space removed; "" when it has no '@'.
std::string clean_address(std::string_view text);

// ---- reasons (explain_class.cc) ------------------------------------------

enum class Class {
    user_unknown, host_unknown, mailbox_full, policy, authentication, too_large, timeout, other
};
std::string_view class_name(Class c);   // the JSON value: "user_unknown", ...
Class classify(std::string_view status, std::string_view diagnostic);
inline bool permanent(std::string_view status) { return !status.empty() && status[0] == '5'; }

// ---- words (explain_text.cc) ---------------------------------------------

enum class Language { english, japanese };
// From the first non-empty of LC_ALL, LC_MESSAGES and LANG: "ja..." is
// Japanese, anything else English. The values are strings only: no locale
// needs to be generated.
Language language_of(std::optional<std::string_view> lc_all,
                     std::optional<std::string_view> lc_messages,
                     std::optional<std::string_view> lang);

enum class Origin { this_host, elsewhere, unknown };

struct Explained {
    Failed failed;
    Class cls = Class::other;
    bool permanent = true;
    Origin origin = Origin::unknown;
    Format format = Format::rfc3464;
    std::string advice;       // the cause and the next step
    std::string origin_text;  // who sent the notice, "" when unknown
    std::string explanation;  // advice and origin_text together (JSON)
};
Explained explain(const Failed& failed, Format format, Origin origin, std::string_view host,
                  Language language);

std::string_view class_label(Class c, Language language);
// The text of one recipient, a block ended by an empty line.
std::string text_block(const Explained& e, Language language);
// One JSON object and a newline; file is left out when empty.
std::string json_line(const Explained& e, std::string_view file);
// What the reader is told when a message cannot be read.
std::string_view unreadable_text(Language language);
// What the reader is told about a delay warning.
std::string_view delay_text(Language language);

// Bytes from a message made safe to show: valid UTF-8 stays, except
// control characters (C0, DEL, C1) and bidirectional overrides, which
// become spaces; every byte of an invalid sequence becomes U+FFFD.
std::string printable(std::string_view bytes);
// A JSON string literal (quotes included) of printable(bytes).
std::string json_string(std::string_view bytes);

// ---- configuration (config.cc) ------------------------------------------

struct ExplainConfig {
    std::string controldir;                 // CONTROLDIR
    Language language = Language::english;  // LC_ALL, LC_MESSAGES, LANG
};
ExplainConfig load_explain_config();

// ---- the whole job (explain_run.cc) --------------------------------------

// What bounce-explain's argv says.
struct ExplainOptions {
    bool json = false;                   // -j
    std::vector<std::string_view> files; // none: descriptor 0
};
// bounce-explain after its argv: checks the descriptors, reads the
// configuration and runs the job. The exit code, as run's.
int bounce_explain(const ExplainOptions& options);

struct ExplainJob {
    bool json = false;
    std::span<const std::string_view> files;  // empty: descriptor 0
    std::string controldir;
    Language language = Language::english;
};
// Writes to descriptor 1; returns 0 (every message explained), 100 (a
// message is not a notice read here) or 111 (a file cannot be read, the
// control files cannot be read, descriptor 1 fails); the worst one wins.
int run(const ExplainJob& job);

// Whether a notice came from this host's qmail-send: From is
// bouncefrom@bouncehost (MAILER-DAEMON@ control/me by default) and Subject
// is "failure notice".
bool from_this_host(const Notice& notice, std::string_view bouncefrom, std::string_view bouncehost);

} // namespace qs::bounce::explain

#endif
