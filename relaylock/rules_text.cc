#include "relaylock/rules_text.h"

#include <charconv>

namespace qs::relaylock {

namespace {

constexpr std::string_view deny_word = "deny";
constexpr std::string_view allow_word = "allow";

// The colon that ends the address, or npos.
size_t address_end(std::string_view line)
{
    for (size_t colon = line.find(':'); colon != std::string_view::npos; colon = line.find(':', colon + 1)) {
        std::string_view rest = line.substr(colon + 1);
        if (rest.starts_with(deny_word) || rest.starts_with(allow_word)) return colon;
    }
    return std::string_view::npos;
}

// A range bound as tcprules reads it (djb's scan_ulong, then "the rest must
// be the end"): decimal digits only, wrapping on overflow; an empty bound is 0.
bool range_bound(std::string_view text, unsigned long& n)
{
    n = 0;
    for (char c : text) {
        if (c == '\0') break;  // tcprules sees a C string there
        if (c < '0' || c > '9') return false;
        n = n * 10 + static_cast<unsigned long>(c - '0');
    }
    return true;
}

// Gives address's records to sink: one, or one per number of a range such
// as "1.2.3.40-50" (only in keys without '=' and '@'). key: scratch space.
ParseEnd add_address(std::string_view address, std::string_view data, std::string& key, const RecordSink& sink)
{
    size_t dash = std::string_view::npos;
    if (address.find_first_of("=@") == std::string_view::npos) dash = address.find('-');
    if (dash == std::string_view::npos) return sink(address, data) ? ParseEnd::done : ParseEnd::sink;
    size_t dot = dash == 0 ? std::string_view::npos : address.rfind('.', dash - 1);
    size_t left = dot == std::string_view::npos ? 0 : dot + 1;
    size_t right = address.find('.', dash + 1);
    if (right == std::string_view::npos) right = address.size();
    unsigned long bottom = 0, top = 0;
    if (!range_bound(address.substr(left, dash - left), bottom) ||
        !range_bound(address.substr(dash + 1, right - dash - 1), top))
        return ParseEnd::syntax;
    if (top > 255) top = 255;
    for (unsigned long n = bottom; n <= top; ++n) {
        char digits[4];
        auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
        key.assign(address.substr(0, left));
        key.append(digits, end);
        key.append(address.substr(right));
        if (!sink(std::string_view(key), data)) return ParseEnd::sink;
    }
    return ParseEnd::done;
}

// ",VAR=QvalueQ ..." with any quote character Q, appended to data as
// "+VAR=value\0" each. False on a syntax error.
bool append_variables(std::string_view rest, std::string& data)
{
    while (!rest.empty()) {
        if (rest[0] != ',') return false;
        size_t equals = rest.find('=');
        if (equals == std::string_view::npos) return false;
        data += '+';
        data.append(rest.substr(1, equals));  // "VAR="
        rest.remove_prefix(equals + 1);
        if (rest.empty()) return false;
        char quote = rest[0];
        rest.remove_prefix(1);
        size_t close = rest.find(quote);
        if (close == std::string_view::npos) return false;
        data.append(rest.substr(0, close));
        data += '\0';
        rest.remove_prefix(close + 1);
    }
    return true;
}

// One line, without its newline and trailing blanks. data and key are
// scratch space kept across lines.
ParseEnd parse_line(std::string_view line, std::string& data, std::string& key, const RecordSink& sink)
{
    size_t colon = address_end(line);
    if (colon == std::string_view::npos)
        return line.find(':') == std::string_view::npos ? ParseEnd::done : ParseEnd::syntax;
    std::string_view address = line.substr(0, colon);
    std::string_view rest = line.substr(colon + 1);
    data.clear();
    if (rest.starts_with(deny_word)) {
        data.append("D", 2);
        rest.remove_prefix(deny_word.size());
    } else {
        rest.remove_prefix(allow_word.size());
    }
    if (!append_variables(rest, data)) return ParseEnd::syntax;
    return add_address(address, data, key, sink);
}

} // namespace

ParseEnd parse_each(LineSource& lines, RulesError& err, const RecordSink& sink)
{
    std::string data, key;
    unsigned long number = 0;
    std::string_view line;
    while (lines.next(line)) {
        ++number;
        if (!line.empty() && line[0] == '#') continue;
        while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
        ParseEnd end = parse_line(line, data, key, sink);
        if (end == ParseEnd::syntax) {
            err.line = number;
            err.text = std::string(line);
        }
        if (end != ParseEnd::done) return end;
    }
    return lines.error() ? ParseEnd::input : ParseEnd::done;
}

bool parse_rules(std::string_view text, std::vector<RuleRecord>& out, RulesError& err)
{
    TextLines lines(text);
    return parse_each(lines, err, [&](std::string_view key, std::string_view data) {
               out.push_back(RuleRecord{std::string(key), std::string(data)});
               return true;
           }) == ParseEnd::done;
}

} // namespace qs::relaylock
