// Which recipients a notice says failed, and with what status. Only the
// notice's own words are read: the MIME parts that carry the report
// (explain_mime.cc), never a returned message. RFC 3464 reports are read
// here, the texts of the other formats in explain_formats.cc.
#include "bounce-fmt/explain_lines.h"

#include "lib/ascii.h"

#include <algorithm>

namespace qs::bounce::explain {

namespace {

// CRLF and lone CR become LF, so every reader below sees "\n" only.
std::string normalised(std::string_view message)
{
    std::string out;
    out.reserve(message.size());
    for (std::size_t i = 0; i < message.size(); ++i) {
        if (message[i] == '\r') {
            out += '\n';
            if (i + 1 < message.size() && message[i + 1] == '\n') ++i;
        } else {
            out += message[i];
        }
    }
    return out;
}

// The From field's address: inside <...>, else the field without comments.
std::string bare_address(std::string_view field)
{
    auto lt = field.find('<');
    auto gt = lt == std::string_view::npos ? lt : field.find('>', lt);
    if (gt != std::string_view::npos) return std::string(trim(field.substr(lt + 1, gt - lt - 1)));
    std::string out;
    int comment = 0;
    for (char c : field) {
        if (c == '(') ++comment;
        else if (c == ')' && comment > 0) --comment;
        else if (comment == 0 && c != ' ' && c != '\t') out += c;
    }
    return out;
}

// ---- RFC 3464 --------------------------------------------------------------

struct DsnResult {
    std::vector<Failed> failed;
    bool delayed = false;
};

// The value after "type;" ("rfc822; a@b", "smtp; 550 ...").
std::string_view typed_value(std::string_view value)
{
    auto semi = value.find(';');
    if (semi != std::string_view::npos && semi < 20 && value.substr(0, semi).find('@') == std::string_view::npos)
        value = value.substr(semi + 1);
    return trim(value);
}

void read_delivery_status(std::string_view body, DsnResult& result)
{
    std::size_t at = 0;
    std::size_t groups = 0;
    while (at < body.size() && groups++ < parts_max) {
        while (at < body.size() && body[at] == '\n') ++at;
        if (at >= body.size()) break;
        Header group = parse_header(body.substr(at));
        if (group.body_offset == 0) {  // not a field: skip the line
            std::size_t nl = body.find('\n', at);
            at = nl == std::string_view::npos ? body.size() : nl + 1;
            continue;
        }
        at += group.body_offset;
        auto final_recipient = group.get("Final-Recipient");
        auto original = group.get("Original-Recipient");
        std::string address = clean_address(typed_value(final_recipient.value_or("")));
        if (address.empty()) address = clean_address(typed_value(original.value_or("")));
        if (address.empty()) address = clean_address(typed_value(group.get("X-Actual-Recipient").value_or("")));
        if (address.empty()) continue;
        std::string action = ascii::lowered(trim(group.get("Action").value_or("")));
        if (auto sp = action.find_first_of(" (;"); sp != std::string::npos) action.resize(sp);
        std::string diagnostic(typed_value(group.get("Diagnostic-Code").value_or("")));
        std::string status = find_enhanced_code(group.get("Status").value_or(""));
        if (action == "delayed") {
            result.delayed = true;
            continue;
        }
        if (!action.empty() && action != "failed") continue;  // delivered, relayed, expanded
        if (action.empty() && !status.starts_with('5') && !status.starts_with('4')) continue;
        // The code in the server's own reply says more than a reporting
        // MTA's summary ("4.4.7" for any expired message), when they agree
        // on the class.
        std::string from_reply = find_enhanced_code(diagnostic);
        if (!from_reply.empty() && (status.empty() || from_reply[0] == status[0]))
            status = from_reply;
        if (status.empty()) status = status_in(diagnostic, "5.0.0");
        add_failed(result.failed, std::move(address), std::move(status), std::move(diagnostic));
    }
}

// The first part that reader finds anything in.
template <class Reader>
std::optional<Found> first_found(const std::vector<Part>& parts, Reader&& reader)
{
    for (const Part& p : parts)
        if (p.type.starts_with("text/"))
            if (auto found = reader(p.body)) return found;
    return std::nullopt;
}

// The delivery-status parts; a report whose MIME structure is broken
// still has its fields: read them from the notice's text then, from the
// first per-recipient field on.
DsnResult delivery_status_of(const std::vector<Part>& parts)
{
    DsnResult dsn;
    for (const Part& p : parts)
        if (p.type == "message/delivery-status" || p.type == "message/global-delivery-status")
            read_delivery_status(p.body, dsn);
    if (!dsn.failed.empty() || dsn.delayed) return dsn;
    for (const Part& p : parts) {
        if (!p.type.starts_with("text/")) continue;
        std::size_t at = p.body.starts_with("Final-Recipient:") ? 0 : p.body.find("\nFinal-Recipient:");
        if (at == std::string::npos) continue;
        read_delivery_status(std::string_view(p.body).substr(at), dsn);
        if (!dsn.failed.empty() || dsn.delayed) break;
    }
    return dsn;
}

// qmail's own text first (a DSN of ours carries it too), then the report,
// then the other formats' texts, Gmail's last.
std::optional<Found> failures_of(const std::vector<Part>& parts, DsnResult& dsn)
{
    if (auto found = first_found(parts, read_qsbmf)) return found;
    if (!dsn.failed.empty()) return Found{Format::rfc3464, std::move(dsn.failed)};
    using Reader = std::optional<Found> (*)(std::string_view);
    for (Reader reader : {Reader(read_exim), Reader(read_postfix), Reader(read_microsoft)})
        if (auto found = first_found(parts, reader)) return found;
    return first_found(parts, [&](std::string_view body) { return read_gmail(body, dsn.delayed); });
}

} // namespace

std::string_view format_name(Format format)
{
    switch (format) {
    case Format::qmail: return "qmail";
    case Format::qmail_double: return "qmail-double-bounce";
    case Format::rfc3464: return "rfc3464";
    case Format::exim: return "exim";
    case Format::postfix: return "postfix";
    case Format::microsoft: return "microsoft";
    case Format::gmail: return "gmail";
    }
    return "rfc3464";
}

std::string find_enhanced_code(std::string_view text)
{
    for (std::size_t i = 0; i + 5 <= text.size(); ++i) {
        char c = text[i];
        if ((c != '2' && c != '4' && c != '5') || text[i + 1] != '.') continue;
        if (i > 0 && (digit(text[i - 1]) || text[i - 1] == '.' ||
                      (ascii::lower(text[i - 1]) >= 'a' && ascii::lower(text[i - 1]) <= 'z')))
            continue;
        std::size_t j = i + 2, start = j;
        while (j < text.size() && digit(text[j]) && j - start < 4) ++j;
        if (j == start || j - start > 3 || j >= text.size() || text[j] != '.') continue;
        start = ++j;
        while (j < text.size() && digit(text[j]) && j - start < 4) ++j;
        if (j == start || j - start > 3) continue;
        // "5.1.1.2" or "2.0.0.1" is an address or a version, not a code.
        if (j < text.size() && (text[j] == '.' && j + 1 < text.size() && digit(text[j + 1]))) continue;
        if (j < text.size() && ascii::lower(text[j]) >= 'a' && ascii::lower(text[j]) <= 'z') continue;
        return std::string(text.substr(i, j - i));
    }
    return "";
}

std::string clean_address(std::string_view text)
{
    text = trim(text);
    if (auto lt = text.find('<'); lt != std::string_view::npos) {
        auto gt = text.find('>', lt);
        std::string_view inside = text.substr(lt + 1, gt == std::string_view::npos ? gt : gt - lt - 1);
        // "a@b<mailto:a@b>": the address before the link.
        if (ascii::istarts_with(inside, "mailto:") && lt > 0) inside = text.substr(0, lt);
        text = trim(inside);
    }
    if (ascii::istarts_with(text, "rfc822;")) text = trim(text.substr(7));
    if (ascii::istarts_with(text, "mailto:")) text = text.substr(7);
    while (!text.empty() && (text.back() == '.' || text.back() == ':' || text.back() == ',' ||
                             text.back() == ';'))
        text.remove_suffix(1);
    while (!text.empty() && text.front() == '<') text.remove_prefix(1);
    while (!text.empty() && text.back() == '>') text.remove_suffix(1);
    text = trim(text);
    auto at = text.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == text.size() || text.size() > 512) return "";
    for (char c : text.substr(at))
        if (c == ' ' || c == '\t' || c == '<' || c == '>' || c == '"') return "";
    return std::string(text);
}

std::optional<Notice> read_notice(std::string_view raw)
{
    std::string message = normalised(raw);
    Header header = parse_header(message);
    Notice notice;
    notice.from = bare_address(header.get("From").value_or(""));
    notice.subject = std::string(trim(header.get("Subject").value_or("")));
    std::vector<Part> parts = leaves(message);
    DsnResult dsn = delivery_status_of(parts);
    std::optional<Found> found = failures_of(parts, dsn);
    if (!found) {
        if (!dsn.delayed) return std::nullopt;
        notice.delay_warning = true;
        return notice;
    }
    notice.format = found->format;
    notice.recipients = std::move(found->failed);
    return notice;
}

bool from_this_host(const Notice& notice, std::string_view bouncefrom, std::string_view bouncehost)
{
    std::string expected = ascii::lowered(bouncefrom) + "@" + ascii::lowered(bouncehost);
    return ascii::lowered(notice.from) == expected && ascii::lowered(notice.subject) == "failure notice";
}

} // namespace qs::bounce::explain