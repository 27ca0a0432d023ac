// bounce-explain's line-level helpers (explain_lines.h).
#include "bounce-fmt/explain_lines.h"

#include "lib/ascii.h"

namespace qs::bounce::explain {

namespace {

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

} // namespace

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool contains_nocase(std::string_view s, std::string_view what)
{
    if (what.empty()) return true;
    for (std::size_t i = 0; i + what.size() <= s.size(); ++i)
        if (ascii::istarts_with(s.substr(i), what)) return true;
    return false;
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

std::string status_in(std::string_view reason, std::string_view fallback)
{
    std::string code = find_enhanced_code(reason);
    if (!code.empty()) return code;
    code = basic_status(reason);
    return code.empty() ? std::string(fallback) : code;
}

void add_failed(std::vector<Failed>& out, std::string address, std::string status, std::string diagnostic)
{
    if (address.empty()) return;
    diagnostic = one_line(diagnostic);
    for (const Failed& f : out)
        if (f.address == address && f.status == status) return;
    out.push_back({std::move(address), std::move(status), std::move(diagnostic)});
}

} // namespace qs::bounce::explain
