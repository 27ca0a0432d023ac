// An account's counters, suspension and override in one store value, and
// the decision for one message.
//
// Sliding windows: each window keeps up to 20 buckets of a twentieth of
// its length. A bucket counts as long as any part of it lies inside the
// window, so the count can only be too high (for at most a twentieth of
// the window), never too low: no window ever admits more than its limit.
#include "sendlimit/sendlimit.h"

#include <algorithm>
#include <charconv>

namespace qs::sendlimit {

namespace {
constexpr std::string_view magic = "sendlimit-record 1";
constexpr std::int64_t hour = 3600, day = 86400;
constexpr unsigned history_days = 7;

std::int64_t bucket_width(std::uint64_t seconds)
{
    return std::max<std::int64_t>(1, static_cast<std::int64_t>(seconds) / 20);
}

void prune(Window& w, std::int64_t now)
{
    const std::int64_t width = bucket_width(w.seconds);
    std::erase_if(w.buckets, [&](const Bucket& b) {
        return b.start + width <= now - static_cast<std::int64_t>(w.seconds) || b.start > now;
    });
}

void add(Window& w, std::int64_t now, std::uint64_t messages, std::uint64_t recipients)
{
    const std::int64_t width = bucket_width(w.seconds);
    const std::int64_t start = now - now % width;
    if (w.buckets.empty() || w.buckets.back().start != start) w.buckets.push_back({start, 0, 0});
    w.buckets.back().messages += messages;
    w.buckets.back().recipients += recipients;
}

Window& window_for(Record& r, std::uint64_t seconds)
{
    for (auto& w : r.windows)
        if (w.seconds == seconds) return w;
    r.windows.push_back({seconds, {}});
    return r.windows.back();
}

bool word(std::string_view& line, std::string_view& out)
{
    while (line.starts_with(' ')) line.remove_prefix(1);
    if (line.empty()) return false;
    size_t end = line.find(' ');
    out = line.substr(0, end);
    line.remove_prefix(end == std::string_view::npos ? line.size() : end);
    return true;
}

template <typename T> bool number(std::string_view text, T& out)
{
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

// "start:messages:recipients"
bool parse_bucket(std::string_view text, Bucket& b)
{
    size_t a = text.find(':'), c = text.rfind(':');
    if (a == std::string_view::npos || a == c) return false;
    return number(text.substr(0, a), b.start) && number(text.substr(a + 1, c - a - 1), b.messages) &&
           number(text.substr(c + 1), b.recipients);
}

bool parse_buckets(std::string_view rest, Window& w)
{
    std::string_view item;
    while (word(rest, item)) {
        Bucket b;
        if (!parse_bucket(item, b) || w.buckets.size() >= 64) return false;
        w.buckets.push_back(b);
    }
    return true;
}

std::string buckets_text(const Window& w)
{
    std::string out;
    for (const auto& b : w.buckets)
        out += " " + std::to_string(b.start) + ":" + std::to_string(b.messages) + ":" + std::to_string(b.recipients);
    return out;
}
} // namespace

std::string encode_record(const Record& r)
{
    std::string out(magic);
    out += '\n';
    if (r.suspended) out += "suspended " + std::to_string(r.suspended) + " " + r.reason + "\n";
    if (!r.override_rates.empty()) out += "override " + r.override_rates + "\n";
    for (const auto& w : r.windows) out += "window " + std::to_string(w.seconds) + buckets_text(w) + "\n";
    out += "attempts" + buckets_text(r.attempts) + "\n";
    out += "networks";
    for (const auto& [net, seen] : r.networks) out += " " + net + "=" + std::to_string(seen);
    out += "\npeaks";
    for (const auto& [d, peak] : r.peaks) out += " " + std::to_string(d) + ":" + std::to_string(peak);
    out += "\n";
    return out;
}

std::optional<Record> decode_record(std::string_view value)
{
    Record r;
    size_t pos = value.find('\n');
    if (pos == std::string_view::npos || value.substr(0, pos) != magic) return std::nullopt;
    value.remove_prefix(pos + 1);
    while (!value.empty()) {
        pos = value.find('\n');
        if (pos == std::string_view::npos) return std::nullopt;
        std::string_view line = value.substr(0, pos), tag, item;
        value.remove_prefix(pos + 1);
        if (!word(line, tag)) return std::nullopt;
        if (tag == "suspended") {
            if (!word(line, item) || !number(item, r.suspended) || !word(line, item)) return std::nullopt;
            r.reason = std::string(item);
        } else if (tag == "override") {
            while (line.starts_with(' ')) line.remove_prefix(1);
            if (!parse_rates(line, nullptr)) return std::nullopt;
            r.override_rates = std::string(line);
        } else if (tag == "window") {
            Window w;
            if (!word(line, item) || !number(item, w.seconds) || w.seconds == 0 || !parse_buckets(line, w) ||
                r.windows.size() >= 16)
                return std::nullopt;
            r.windows.push_back(std::move(w));
        } else if (tag == "attempts") {
            if (!parse_buckets(line, r.attempts)) return std::nullopt;
        } else if (tag == "networks") {
            while (word(line, item)) {
                size_t eq = item.rfind('=');
                std::int64_t seen = 0;
                if (eq == std::string_view::npos || !number(item.substr(eq + 1), seen) || r.networks.size() >= 64)
                    return std::nullopt;
                r.networks.emplace_back(std::string(item.substr(0, eq)), seen);
            }
        } else if (tag == "peaks") {
            while (word(line, item)) {
                size_t colon = item.find(':');
                std::int64_t d = 0;
                std::uint64_t peak = 0;
                if (colon == std::string_view::npos || !number(item.substr(0, colon), d) ||
                    !number(item.substr(colon + 1), peak) || r.peaks.size() >= 16)
                    return std::nullopt;
                r.peaks.emplace_back(d, peak);
            }
        } else {
            return std::nullopt;
        }
    }
    return r;
}

std::pair<std::uint64_t, std::uint64_t> count(const Window& w, std::int64_t now)
{
    const std::int64_t width = bucket_width(w.seconds);
    std::uint64_t messages = 0, recipients = 0;
    for (const auto& b : w.buckets)
        if (b.start + width > now - static_cast<std::int64_t>(w.seconds) && b.start <= now) {
            messages += b.messages;
            recipients += b.recipients;
        }
    return {messages, recipients};
}

Verdict admit(Record& r, std::int64_t now, std::uint64_t recipients, std::string_view network,
              const std::vector<Rate>& rates, const Signals& signals)
{
    if (r.suspended) return {Verdict::suspended, r.reason};
    // the windows the rates need, and always the hour (for the history)
    std::erase_if(r.windows, [&](const Window& w) {
        return w.seconds != hour && std::none_of(rates.begin(), rates.end(),
                                                 [&](const Rate& rate) { return rate.seconds == w.seconds; });
    });
    window_for(r, hour);
    for (const auto& rate : rates) window_for(r, rate.seconds);
    for (auto& w : r.windows) prune(w, now);
    r.attempts.seconds = hour;
    prune(r.attempts, now);
    add(r.attempts, now, 1, recipients);
    std::erase_if(r.networks, [&](const auto& n) { return n.second <= now - hour || n.second > now; });
    if (!network.empty()) {
        auto it = std::find_if(r.networks.begin(), r.networks.end(), [&](const auto& n) { return n.first == network; });
        if (it != r.networks.end()) it->second = now;
        else if (r.networks.size() < 64) r.networks.emplace_back(std::string(network), now);
    }
    const std::int64_t today = now / day;
    std::erase_if(r.peaks, [&](const auto& p) { return p.first < today - history_days || p.first > today; });

    // Signals of a hijacked account.
    if (signals.surge_min) {
        std::uint64_t baseline = 0;
        for (const auto& [d, peak] : r.peaks)
            if (d < today) baseline = std::max(baseline, peak);
        const std::uint64_t threshold = std::max(signals.surge_min, signals.surge_factor * baseline);
        const std::uint64_t tried = count(r.attempts, now).second;
        if (tried > threshold) {
            r.suspended = now;
            r.reason = "surge";
            return {Verdict::suspend_now, std::to_string(tried) + " recipients tried within an hour, above " +
                                              std::to_string(threshold) + " (the account's busiest hour of the last " +
                                              std::to_string(history_days) + " days: " + std::to_string(baseline) + ")"};
        }
    }
    if (signals.networks && r.networks.size() > signals.networks) {
        r.suspended = now;
        r.reason = "networks";
        return {Verdict::suspend_now, "mail from " + std::to_string(r.networks.size()) +
                                          " networks within an hour, above " + std::to_string(signals.networks)};
    }

    for (const auto& rate : rates) {
        auto [m, n] = count(window_for(r, rate.seconds), now);
        std::uint64_t would = rate.kind == Rate::messages ? m + 1 : n + recipients;
        if (would > rate.limit) return {Verdict::over, format_rate(rate)};
    }
    for (auto& w : r.windows) add(w, now, 1, recipients);
    const std::uint64_t this_hour = count(window_for(r, hour), now).second;
    if (!r.peaks.empty() && r.peaks.back().first == today) r.peaks.back().second = std::max(r.peaks.back().second, this_hour);
    else r.peaks.emplace_back(today, this_hour);
    return {Verdict::pass, {}};
}

} // namespace qs::sendlimit
