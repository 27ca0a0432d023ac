// SENDLIMIT_RATES: "msg:150/1h rcpt:400/1h ...".
#include "sendlimit/sendlimit.h"

#include <algorithm>
#include <charconv>

namespace qs::sendlimit {

namespace {
std::optional<std::uint64_t> number(std::string_view text)
{
    std::uint64_t n = 0;
    if (text.empty()) return std::nullopt;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return n;
}

std::optional<Rate> parse_item(std::string_view item)
{
    Rate r;
    if (item.starts_with("msg:")) r.kind = Rate::messages, item.remove_prefix(4);
    else if (item.starts_with("rcpt:")) r.kind = Rate::recipients, item.remove_prefix(5);
    else return std::nullopt;
    auto slash = item.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    auto limit = number(item.substr(0, slash));
    std::string_view duration = item.substr(slash + 1);
    std::uint64_t unit = 1;
    if (!duration.empty()) {
        switch (duration.back()) {
        case 's': unit = 1; break;
        case 'm': unit = 60; break;
        case 'h': unit = 3600; break;
        case 'd': unit = 86400; break;
        default: unit = 0;
        }
        if (unit) duration.remove_suffix(1);
        else unit = 1;
    }
    auto amount = number(duration);
    if (!limit || !amount || *limit > 100000000 || *amount == 0 || *amount > 30 * 86400) return std::nullopt;
    r.limit = *limit;
    r.seconds = *amount * unit;
    if (r.seconds > 30 * 86400) return std::nullopt;
    return r;
}
} // namespace

std::vector<std::string_view> words_of(std::string_view text, std::string_view separators)
{
    std::vector<std::string_view> words;
    for (size_t start = text.find_first_not_of(separators); start != std::string_view::npos;) {
        size_t stop = std::min(text.find_first_of(separators, start), text.size());
        words.push_back(text.substr(start, stop - start));
        start = text.find_first_not_of(separators, stop);
    }
    return words;
}

std::optional<std::vector<Rate>> parse_rates(std::string_view text, std::string* bad_item)
{
    std::vector<Rate> out;
    for (std::string_view item : words_of(text, " ,\t")) {
        auto r = parse_item(item);
        if (!r || out.size() == 8) {
            if (bad_item) *bad_item = std::string(item);
            return std::nullopt;
        }
        out.push_back(*r);
    }
    if (out.empty()) {
        if (bad_item) *bad_item = "";
        return std::nullopt;
    }
    return out;
}

std::string format_rate(const Rate& r)
{
    std::string out = r.kind == Rate::messages ? "msg:" : "rcpt:";
    out += std::to_string(r.limit) + "/";
    if (r.seconds % 86400 == 0) out += std::to_string(r.seconds / 86400) + "d";
    else if (r.seconds % 3600 == 0) out += std::to_string(r.seconds / 3600) + "h";
    else if (r.seconds % 60 == 0) out += std::to_string(r.seconds / 60) + "m";
    else out += std::to_string(r.seconds) + "s";
    return out;
}

std::string format_rates(const std::vector<Rate>& rates)
{
    std::string out;
    for (const auto& r : rates) {
        if (!out.empty()) out += ',';
        out += format_rate(r);
    }
    return out;
}

} // namespace qs::sendlimit
