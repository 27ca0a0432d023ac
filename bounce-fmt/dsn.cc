// The RFC 3464 delivery-status notification (-d), which no qmail writes.
#include "bounce-fmt/bounce.h"

#include <regex>

namespace qs::bounce {

namespace {

constexpr std::string_view remote_said = "Remote host said: ";

bool digit(char c) { return c >= '0' && c <= '9'; }

// "d.ddd.ddd" at the start of text with class 2, 4 or 5: its length, else 0.
std::size_t enhanced_code_length(std::string_view text)
{
    if (text.size() < 5 || (text[0] != '2' && text[0] != '4' && text[0] != '5') || text[1] != '.')
        return 0;
    std::size_t i = 2;
    for (int part = 0; part < 2; ++part) {
        std::size_t start = i;
        while (i < text.size() && digit(text[i]) && i - start < 3) ++i;
        if (i == start) return 0;
        if (part == 0) {
            if (i >= text.size() || text[i] != '.') return 0;
            ++i;
        }
    }
    if (i < text.size() && digit(text[i])) return 0;
    return i;
}

// A byte that may stand in a header field as it is.
char header_byte(char c, char replacement)
{
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f ? replacement : c;
}

std::string header_safe(std::string_view text, char replacement)
{
    std::string out;
    for (char c : text) out += header_byte(c, replacement);
    return out;
}

bool eight_bit(std::string_view text)
{
    for (unsigned char c : text)
        if (c >= 0x80) return true;
    return false;
}

// The lines of an SMTP reply: "ddd" then ' ' or '-'.
bool reply_line(std::string_view line)
{
    return line.size() >= 3 && digit(line[0]) && digit(line[1]) && digit(line[2]) &&
           (line.size() == 3 || line[3] == ' ' || line[3] == '-');
}

// A report's lines joined by spaces, for a header field.
std::string one_line(std::string_view text)
{
    std::string out;
    for (char c : text) {
        c = header_byte(c, ' ');
        if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
        out += c;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

// A header field folded before 78 columns where it has spaces, ending in
// a newline (a word longer than a line stays whole).
std::string folded(std::string_view field)
{
    constexpr std::size_t width = 78;
    std::string out;
    std::size_t column = 0;
    while (!field.empty()) {
        auto space = field.find(' ', 1);
        std::string_view word = field.substr(0, space);
        if (column > 0 && column + word.size() > width) {
            out += '\n';
            column = 0;
        }
        out += word;
        column += word.size();
        field.remove_prefix(word.size());
    }
    return out + "\n";
}

} // namespace

std::string smtp_reply_of(std::string_view reason)
{
    auto at = reason.find(remote_said);
    if (at == std::string_view::npos) return {};
    std::string_view rest = reason.substr(at + remote_said.size());
    std::string reply;
    bool first = true;
    while (!rest.empty()) {
        auto nl = rest.find('\n');
        std::string_view line = rest.substr(0, nl);
        if (!first && !reply_line(line)) break;
        if (!first) reply += ' ';
        reply += header_safe(line, ' ');
        first = false;
        if (nl == std::string_view::npos) break;
        rest.remove_prefix(nl + 1);
    }
    while (!reply.empty() && reply.back() == ' ') reply.pop_back();
    return reply;
}

std::string remote_mta_of(std::string_view reason)
{
    // qmail-remote names the address it talked to in these lines. (No
    // std::regex here: its recursion grows with the input, and part of a
    // reason is a remote server's reply.)
    auto address = [](std::string_view text) {
        return !text.empty() && text.find_first_not_of("0123456789abcdefABCDEF:.") == text.npos;
    };
    auto starts = [](std::string_view text, std::string_view prefix) {
        return text.substr(0, prefix.size()) == prefix;
    };
    while (!reason.empty()) {
        auto nl = reason.find('\n');
        std::string_view line = reason.substr(0, nl);
        reason.remove_prefix(nl == reason.npos ? reason.size() : nl + 1);
        std::string_view host;
        if (starts(line, "Connected to ")) {
            host = line.substr(13);
            host = host.substr(0, host.find(" but "));
        } else if (starts(line, "Giving up on ") && line.back() == '.') {
            host = line.substr(13, line.size() - 14);
        } else {
            host = line.substr(0, line.find(' '));
            std::string_view rest = line.substr(host.size());
            if (rest != " does not like recipient." && rest != " failed on DATA command." &&
                rest != " failed after I sent the message.")
                host = {};
        }
        if (address(host)) return std::string(host);
    }
    return {};
}

// qmail's own code is the "(#x.y.z)" that qmail-local and qmail-remote put
// at the very end of a reason; one anywhere else is text (a remote
// server's reply may say "(#2.0.0)"). A failure's status is never 2.x.x:
// only a 4 or 5 class is taken, else the SMTP reply's, else 5.0.0.
std::string status_of(std::string_view reason)
{
    std::string_view trimmed = reason;
    auto trim = [&] {
        while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == ' ' || trimmed.back() == '\t'))
            trimmed.remove_suffix(1);
    };
    trim();
    // qmail-send's own last line after a temporary failure that timed out
    // follows qmail-remote's code
    constexpr std::string_view too_long = "I'm not going to try again; this message has been in the queue too long.";
    if (trimmed.ends_with(too_long)) {
        trimmed.remove_suffix(too_long.size());
        trim();
    }
    if (auto at = trimmed.rfind("(#"); at != std::string_view::npos && trimmed.back() == ')') {
        std::string_view code = trimmed.substr(at + 2, trimmed.size() - at - 3);
        if (!code.empty() && enhanced_code_length(code) == code.size() && (code[0] == '4' || code[0] == '5')) return std::string(code);
    }
    std::string reply = smtp_reply_of(reason);
    if (reply_line(reply) && (reply[0] == '4' || reply[0] == '5')) {
        std::string_view text = std::string_view(reply).substr(std::min<std::size_t>(4, reply.size()));
        std::size_t n = enhanced_code_length(text);
        if (n && text[0] == reply[0]) return std::string(text.substr(0, n));
        return std::string(1, reply[0]) + ".0.0";
    }
    return "5.0.0";
}

std::string reported_status_of(std::string_view reason)
{
    for (auto at = reason.rfind("(#"); at != std::string_view::npos;
         at = at ? reason.rfind("(#", at - 1) : std::string_view::npos) {
        std::string_view code = reason.substr(at + 2);
        std::size_t n = enhanced_code_length(code);
        if (n && n < code.size() && code[n] == ')' && code[0] != '2') return std::string(code.substr(0, n));
    }
    return status_of(reason);
}

std::string_view header_block_of(std::string_view message)
{
    std::size_t pos = 0;
    while (pos < message.size()) {
        auto nl = message.find('\n', pos);
        if (nl == std::string_view::npos) break;
        std::string_view line = message.substr(pos, nl - pos);
        pos = nl + 1;
        if (line.empty() || line == "\r") return message.substr(0, pos);
    }
    return message;
}

std::string arrival_date_of(std::string_view header_block)
{
    std::string field;
    bool in_received = false;
    std::size_t pos = 0;
    while (pos < header_block.size()) {
        auto nl = header_block.find('\n', pos);
        std::string_view line = header_block.substr(pos, nl == std::string_view::npos ? nl : nl - pos);
        pos = nl == std::string_view::npos ? header_block.size() : nl + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) break;
        if (line[0] == ' ' || line[0] == '\t') {
            if (in_received) (field += ' ') += line;
            continue;
        }
        if (in_received) break;
        constexpr std::string_view name = "received:";
        if (line.size() >= name.size()) {
            bool match = true;
            for (std::size_t i = 0; i < name.size() && match; ++i)
                match = (line[i] | 0x20) == name[i] || (name[i] == ':' && line[i] == ':');
            if (match) {
                in_received = true;
                field = line.substr(name.size());
            }
        }
    }
    auto semicolon = field.rfind(';');
    if (semicolon == std::string::npos) return {};
    std::string date;
    for (char c : field.substr(semicolon + 1)) {
        if (c == '\t') c = ' ';
        if (c == ' ' && (date.empty() || date.back() == ' ')) continue;
        date += c;
    }
    while (!date.empty() && date.back() == ' ') date.pop_back();
    static const std::regex rfc5322_date(
        "(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), ?)?[0-9]{1,2} "
        "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} "
        "[0-9]{2}:[0-9]{2}(?::[0-9]{2})? (?:[+-][0-9]{4}|[A-Z]{1,5})(?: \\([ -~]{0,40}\\))?");
    if (date.size() > 80 || !std::regex_match(date, rfc5322_date)) return {};
    return date;
}

DsnParts dsn_parts(const Envelope& envelope, const Controls& controls,
                   std::span<const Failure> failures, std::int64_t now,
                   std::string_view original_start, bool headers_only,
                   std::string_view boundary)
{
    const std::string human = notice_text(envelope, controls, failures);
    std::string dash_boundary = "--";
    dash_boundary += boundary;
    DsnParts parts;
    std::string& out = parts.head;
    out = notice_header(envelope, controls, now);
    out += "MIME-Version: 1.0\n";
    out += "Content-Type: multipart/report; report-type=delivery-status;\n\tboundary=\"";
    out += boundary;
    out += "\"\n";
    if (eight_bit(human)) out += "Content-Transfer-Encoding: 8bit\n";
    // The preamble, which MIME readers hide, is qmail's whole text up to
    // its break line: QSBMF readers (ezmlm-return, Sisimai's qmail module)
    // read the "<addr>:" paragraphs there and stop at the break line
    // instead of reading the same paragraphs again in part 1.
    out += '\n';
    out += human;
    out += break_paragraph(envelope);
    out += dash_boundary + "\n";
    out += eight_bit(human) ? "Content-Type: text/plain; charset=unknown-8bit\n"
                              "Content-Transfer-Encoding: 8bit\n"
                            : "Content-Type: text/plain; charset=us-ascii\n";
    out += "Content-Description: Notification\n\n";
    out += human;
    out += dash_boundary + "\n";
    out += "Content-Type: message/delivery-status\n";
    out += "Content-Description: Delivery report\n\n";
    out += "Reporting-MTA: dns; " + header_safe(controls.bouncehost, '_') + "\n";
    std::string arrival = arrival_date_of(header_block_of(original_start));
    if (!arrival.empty()) out += "Arrival-Date: " + arrival + "\n";
    for (const auto& f : failures) {
        std::string_view reason = f.reason.substr(0, std::min(f.reason.size(), report_max));
        out += "\nFinal-Recipient: rfc822; " + header_safe(f.recipient, '_') + "\n";
        out += "Action: failed\n";
        out += "Status: " + status_of(reason) + "\n";
        std::string remote = remote_mta_of(reason);
        if (!remote.empty()) out += "Remote-MTA: dns; [" + remote + "]\n";
        std::string reply = smtp_reply_of(reason);
        out += reply.empty() ? folded("Diagnostic-Code: X-qmail; " + one_line(reason))
                             : folded("Diagnostic-Code: smtp; " + reply);
    }
    out += "\n" + dash_boundary + "\n";
    if (headers_only) {
        out += "Content-Type: text/rfc822-headers\n";
        out += "Content-Description: Undelivered message headers\n\n";
    } else {
        out += "Content-Type: message/rfc822\n";
        out += "Content-Description: Undelivered message\n\n";
    }
    out += return_path_line(envelope);
    parts.tail = "\n" + dash_boundary + "--\n";
    return parts;
}

} // namespace qs::bounce
