// The texts of failure notices without a report part, each recognised by
// the sentences its software writes: qmail-send's QSBMF, Exim, Postfix,
// Gmail and Microsoft Exchange. Anything else is not guessed at.
#include "bounce-fmt/bounce.h"
#include "bounce-fmt/explain_lines.h"

namespace qs::bounce::explain {

// ---- QSBMF -------------------------------------------------------------------

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
        add_failed(found.failed, address.find('@') == std::string::npos ? "" : address, std::move(status),
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
        add_failed(found.failed, std::move(address), status_in(reason, "5.0.0"), reason);
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
        add_failed(found.failed, std::move(address), status_in(reason, "5.0.0"), reason);
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
    for (auto& a : addresses) add_failed(found.failed, std::move(a), status_in(said, "5.0.0"), std::string(said));
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
        add_failed(found.failed, std::move(address), status_in(r, "5.0.0"), std::string(r));
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
        add_failed(found.failed, std::move(address), status_in(reason, "5.0.0"), reason);
    }
    if (found.failed.empty()) return std::nullopt;
    return found;
}

} // namespace qs::bounce::explain
