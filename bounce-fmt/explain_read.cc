// Which recipients a notice says failed, and with what status. Only the
// notice's own words are read: the MIME parts that carry the report
// (explain_mime.cc), never a returned message. Each format is recognised
// by the sentences its software writes; anything else is not guessed at.
#include "bounce-fmt/bounce.h"
#include "bounce-fmt/explain.h"

#include <algorithm>

namespace qs::bounce::explain {

namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowered(std::string_view s)
{
    std::string out(s);
    for (char& c : out) c = lower(c);
    return out;
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix)
{
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (lower(s[i]) != lower(prefix[i])) return false;
    return true;
}

bool contains_nocase(std::string_view s, std::string_view what)
{
    if (what.empty()) return true;
    for (std::size_t i = 0; i + what.size() <= s.size(); ++i)
        if (starts_with_nocase(s.substr(i), what)) return true;
    return false;
}

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

std::vector<std::string_view> lines_of(std::string_view text)
{
    std::vector<std::string_view> out;
    for (std::size_t at = 0; at < text.size();) {
        std::size_t nl = text.find('\n', at);
        if (nl == std::string_view::npos) nl = text.size();
        out.push_back(text.substr(at, nl - at));
        at = nl + 1;
    }
    return out;
}

bool blank(std::string_view line) { return trim(line).empty(); }
bool indented(std::string_view line) { return !line.empty() && (line[0] == ' ' || line[0] == '\t'); }

// Lines joined with single spaces, each trimmed.
std::string joined(std::span<const std::string_view> lines)
{
    std::string out;
    for (std::string_view l : lines) {
        l = trim(l);
        if (l.empty()) continue;
        if (!out.empty()) out += ' ';
        out.append(l);
    }
    return out;
}

// "550 ..." or "550-..." somewhere in text: the class of the first SMTP
// reply code, as a status ("5.0.0"); "" when there is none.
std::string basic_status(std::string_view text)
{
    for (std::size_t i = 0; i + 3 <= text.size(); ++i) {
        if ((text[i] != '4' && text[i] != '5') || !digit(text[i + 1]) || !digit(text[i + 2]))
            continue;
        if (i > 0 && (digit(text[i - 1]) || text[i - 1] == '.' || text[i - 1] == '#')) continue;
        if (i + 3 < text.size() && text[i + 3] != ' ' && text[i + 3] != '-') continue;
        return std::string(1, text[i]) + ".0.0";
    }
    return "";
}

// The status of a reason: an enhanced code in it, else the class of its
// SMTP reply, else fallback.
std::string status_in(std::string_view reason, std::string_view fallback)
{
    std::string code = find_enhanced_code(reason);
    if (!code.empty()) return code;
    code = basic_status(reason);
    return code.empty() ? std::string(fallback) : code;
}

// White space runs (folding, indentation) made one space, the ends trimmed.
std::string one_line(std::string_view text)
{
    std::string out;
    for (char c : text) {
        bool space = c == ' ' || c == '\t' || c == '\n';
        if (space) {
            if (!out.empty() && out.back() != ' ') out += ' ';
        } else {
            out += c;
        }
    }
    if (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

void add(std::vector<Failed>& out, std::string address, std::string status, std::string diagnostic)
{
    if (address.empty()) return;
    diagnostic = one_line(diagnostic);
    for (const Failed& f : out)
        if (f.address == address && f.status == status) return;
    out.push_back({std::move(address), std::move(status), std::move(diagnostic)});
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
        std::string action = lowered(trim(group.get("Action").value_or("")));
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
        add(result.failed, std::move(address), std::move(status), std::move(diagnostic));
    }
}

// ---- QSBMF -------------------------------------------------------------------

struct Found {
    Format format;
    std::vector<Failed> failed;
};

std::optional<Found> read_qsbmf(std::string_view text)
{
    auto lines = lines_of(text);
    std::size_t i = 0;
    while (i < lines.size() && blank(lines[i])) ++i;
    if (i == lines.size() || !lines[i].starts_with("Hi. This is the")) return std::nullopt;
    Found found{Format::qmail, {}};
    // The intro is the first paragraph; the double bounce's says so.
    // (Some hosts leave out the blank line after it.)
    auto address_line = [](std::string_view l) {
        l = trim(l);
        return l.starts_with('<') && l.ends_with(">:");
    };
    for (; i < lines.size() && !blank(lines[i]) && !address_line(lines[i]); ++i)
        if (lines[i].find("but the bounce bounced") != std::string_view::npos)
            found.format = Format::qmail_double;
    bool ended = false;
    while (i < lines.size() && !ended) {
        while (i < lines.size() && blank(lines[i])) ++i;
        std::size_t start = i;
        while (i < lines.size() && !blank(lines[i])) ++i;
        if (start == i) break;
        std::string_view first = lines[start];
        if (first.starts_with("-")) {
            ended = true;
            break;
        }
        // "<address>:" then the report; other paragraphs are not ours.
        if (!address_line(first)) continue;
        std::string_view head = trim(first);
        std::string address(head.substr(1, head.size() - 3));
        std::string report;
        for (std::size_t k = start + 1; k < i; ++k) {
            if (lines[k].find_first_not_of('/') != std::string_view::npos) report.append(lines[k]);
            report += '\n';
        }
        // Shown without the "/" lines qmail-send made of blank ones.
        std::vector<std::string_view> shown;
        for (std::size_t k = start + 1; k < i; ++k)
            if (lines[k].find_first_not_of('/') != std::string_view::npos) shown.push_back(lines[k]);
        std::string status = reported_status_of(report);
        add(found.failed, address.find('@') == std::string::npos ? "" : address, std::move(status),
            joined(shown));
    }
    if (found.failed.empty()) return std::nullopt;
    return found;
}

// ---- Exim ------------------------------------------------------------------------

std::optional<Found> read_exim(std::string_view text)
{
    if (text.find("This message was created automatically by") == std::string_view::npos)
        return std::nullopt;
    auto lines = lines_of(text);
    std::size_t i = 0;
    for (; i < lines.size(); ++i)
        if (contains_nocase(lines[i], "address(es) failed") ||
            contains_nocase(lines[i], "following addresses failed") ||
            contains_nocase(lines[i], "could not be delivered to one or more of its"))
            break;
    if (i == lines.size()) return std::nullopt;
    // The list can start after the sentence's last line.
    while (i < lines.size() && !indented(lines[i])) ++i;
    Found found{Format::exim, {}};
    while (i < lines.size()) {
        std::string_view line = lines[i];
        if (line.starts_with("---") || (!blank(line) && !indented(line))) break;
        if (blank(line)) {
            ++i;
            continue;
        }
        // "  address" then the reason, indented further.
        std::size_t depth = line.find_first_not_of(" \t");
        std::size_t start = ++i;
        while (i < lines.size() && !blank(lines[i]) && indented(lines[i]) &&
               lines[i].find_first_not_of(" \t") > depth)
            ++i;
        std::string_view head = trim(line);
        std::string address = clean_address(head.substr(0, head.find_first_of(" \t")));
        std::string reason = joined(std::span<const std::string_view>(lines.data() + start, i - start));
        add(found.failed, std::move(address), status_in(reason, "5.0.0"), reason);
    }
    if (found.failed.empty()) return std::nullopt;
    return found;
}

// ---- Postfix without a delivery-status part -------------------------------------

std::optional<Found> read_postfix(std::string_view text)
{
    if (text.find("This is the mail system at host") == std::string_view::npos &&
        text.find("This is the Postfix program at host") == std::string_view::npos)
        return std::nullopt;
    auto lines = lines_of(text);
    Found found{Format::postfix, {}};
    for (std::size_t i = 0; i < lines.size(); ++i) {
        std::string_view line = lines[i];
        if (!line.starts_with('<')) continue;
        auto close = line.find(">:");
        if (close == std::string_view::npos) continue;
        std::string address = clean_address(line.substr(1, close - 1));
        std::size_t start = i + 1;
        while (i + 1 < lines.size() && indented(lines[i + 1]) && !blank(lines[i + 1])) ++i;
        std::string reason(trim(line.substr(close + 2)));
        std::string rest = joined(std::span<const std::string_view>(lines.data() + start, i + 1 - start));
        if (!rest.empty()) reason += (reason.empty() ? "" : " ") + rest;
        add(found.failed, std::move(address), status_in(reason, "5.0.0"), reason);
    }
    if (found.failed.empty()) return std::nullopt;
    return found;
}

// ---- Gmail's text ---------------------------------------------------------------------

std::optional<Found> read_gmail(std::string_view text, bool& delayed)
{
    auto lines = lines_of(text);
    std::size_t i = 0;
    for (; i < lines.size(); ++i) {
        std::string_view l = trim(lines[i]);
        if (l.starts_with("Delivery to the following recipient") && l.find("delayed") != std::string_view::npos) {
            delayed = true;
            return std::nullopt;
        }
        if (l.starts_with("Delivery to the following recipient") &&
            l.find("failed") != std::string_view::npos)
            break;
    }
    if (i++ == lines.size()) return std::nullopt;
    std::vector<std::string> addresses;
    for (; i < lines.size(); ++i) {
        if (blank(lines[i])) {
            if (!addresses.empty()) break;
            continue;
        }
        std::string a = clean_address(trim(lines[i]));
        if (a.empty()) break;
        addresses.push_back(std::move(a));
    }
    std::vector<std::string_view> details;
    for (; i < lines.size(); ++i) {
        std::string_view l = trim(lines[i]);
        if (l.starts_with("----- Original message") || l.starts_with("----- Message header") ||
            l.starts_with("----- The header"))
            break;
        if (l.starts_with("Technical details of")) continue;
        details.push_back(l);
    }
    std::string reason = joined(details);
    // The remote server's words, when Google quotes them.
    std::string_view said = reason;
    for (std::string_view marker : {"The error that the other server returned was:",
                                    "The error that the other server returned was"})
        if (auto at = said.find(marker); at != std::string_view::npos) {
            said = trim(said.substr(at + marker.size()));
            break;
        }
    Found found{Format::gmail, {}};
    for (auto& a : addresses) add(found.failed, std::move(a), status_in(said, "5.0.0"), std::string(said));
    if (found.failed.empty()) return std::nullopt;
    return found;
}

// ---- Microsoft's text (Exchange 2003, Exchange Online without a report part) ---

std::optional<Found> read_microsoft(std::string_view text)
{
    auto lines = lines_of(text);
    Found found{Format::microsoft, {}};
    // Exchange Online: "address" then "Remote Server returned '550 5.1.10 ...'".
    for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
        std::string_view next = trim(lines[i + 1]);
        if (!next.starts_with("Remote Server returned")) continue;
        std::string address = clean_address(trim(lines[i]));
        std::string reason(next.substr(std::string_view("Remote Server returned").size()));
        std::string_view r = trim(reason);
        if (r.size() >= 2 && r.front() == '\'' && r.back() == '\'') r = r.substr(1, r.size() - 2);
        add(found.failed, std::move(address), status_in(r, "5.0.0"), std::string(r));
    }
    if (!found.failed.empty()) return found;
    // Exchange 2003: "did not reach the following recipient(s):" or "could
    // not be reached:", then "address on DATE" and its indented reason.
    std::size_t i = 0;
    for (; i < lines.size(); ++i)
        if (lines[i].find("did not reach the following recipient") != std::string_view::npos ||
            lines[i].find("The following recipient(s) could not be reached") != std::string_view::npos)
            break;
    if (i == lines.size()) return std::nullopt;
    for (++i; i < lines.size(); ++i) {
        std::string_view l = trim(lines[i]);
        auto on = l.find(" on ");
        if (on == std::string_view::npos) continue;
        std::string address = clean_address(l.substr(0, on));
        if (address.empty()) continue;
        std::size_t start = i + 1;
        std::size_t depth = lines[i].find_first_not_of(" \t");
        while (i + 1 < lines.size() && !blank(lines[i + 1]) &&
               (lines[i + 1].find_first_not_of(" \t") > depth || lines[i + 1].starts_with(";") ||
                lines[i + 1].find(" on ") == std::string_view::npos))
            ++i;
        std::string reason = joined(std::span<const std::string_view>(lines.data() + start, i + 1 - start));
        add(found.failed, std::move(address), status_in(reason, "5.0.0"), reason);
    }
    if (found.failed.empty()) return std::nullopt;
    return found;
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
                      (lower(text[i - 1]) >= 'a' && lower(text[i - 1]) <= 'z')))
            continue;
        std::size_t j = i + 2, start = j;
        while (j < text.size() && digit(text[j]) && j - start < 4) ++j;
        if (j == start || j - start > 3 || j >= text.size() || text[j] != '.') continue;
        start = ++j;
        while (j < text.size() && digit(text[j]) && j - start < 4) ++j;
        if (j == start || j - start > 3) continue;
        // "5.1.1.2" or "2.0.0.1" is an address or a version, not a code.
        if (j < text.size() && (text[j] == '.' && j + 1 < text.size() && digit(text[j + 1]))) continue;
        if (j < text.size() && lower(text[j]) >= 'a' && lower(text[j]) <= 'z') continue;
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
        if (starts_with_nocase(inside, "mailto:") && lt > 0) inside = text.substr(0, lt);
        text = trim(inside);
    }
    if (starts_with_nocase(text, "rfc822;")) text = trim(text.substr(7));
    if (starts_with_nocase(text, "mailto:")) text = text.substr(7);
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

    DsnResult dsn;
    for (const Part& p : parts)
        if (p.type == "message/delivery-status" || p.type == "message/global-delivery-status")
            read_delivery_status(p.body, dsn);

    // A report whose MIME structure is broken still has its fields: read
    // them from the notice's text, from the first per-recipient field on.
    if (dsn.failed.empty() && !dsn.delayed)
        for (const Part& p : parts) {
            if (!p.type.starts_with("text/")) continue;
            std::size_t at = p.body.starts_with("Final-Recipient:") ? 0 : p.body.find("\nFinal-Recipient:");
            if (at == std::string::npos) continue;
            read_delivery_status(std::string_view(p.body).substr(at), dsn);
            if (!dsn.failed.empty() || dsn.delayed) break;
        }
    bool delayed = dsn.delayed;
    std::optional<Found> found;
    for (const Part& p : parts) {
        if (found) break;
        if (!p.type.starts_with("text/")) continue;
        found = read_qsbmf(p.body);
    }
    if (!found && !dsn.failed.empty()) found = Found{Format::rfc3464, std::move(dsn.failed)};
    using Reader = std::optional<Found> (*)(std::string_view);
    for (Reader reader : {Reader(read_exim), Reader(read_postfix), Reader(read_microsoft)})
        for (const Part& p : parts) {
            if (found) break;
            if (p.type.starts_with("text/")) found = reader(p.body);
        }
    for (const Part& p : parts) {
        if (found) break;
        if (p.type.starts_with("text/")) found = read_gmail(p.body, delayed);
    }
    if (!found) {
        if (!delayed) return std::nullopt;
        notice.delay_warning = true;
        return notice;
    }
    notice.format = found->format;
    notice.recipients = std::move(found->failed);
    return notice;
}

bool from_this_host(const Notice& notice, std::string_view bouncefrom, std::string_view bouncehost)
{
    std::string expected = lowered(bouncefrom) + "@" + lowered(bouncehost);
    return lowered(notice.from) == expected && lowered(notice.subject) == "failure notice";
}

} // namespace qs::bounce::explain
