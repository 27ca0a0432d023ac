// What the programs do to an account's record in the store. Each
// Store::update function only computes: it may run more than once, and
// every output it reports is set anew on each run, so the last one wins.
#include "sendlimit/sendlimit.h"

#include "lib/log.h"

#include <algorithm>

namespace qs::sendlimit {

namespace {
std::string duration(std::uint64_t seconds)
{
    return format_rate(Rate{Rate::messages, 0, seconds}).substr(6);  // "msg:0/" cut off
}
} // namespace

Counted count_message(Store& store, std::string_view account, const Config& c, std::uint64_t recipients,
                      std::string_view network, std::int64_t now)
{
    const Signals signals{c.surge_min, c.surge_factor, c.networks};
    Counted counted;
    counted.result = store.update(account, [&](const std::string* current) {
        Record record;
        counted.junk = false;
        if (current) {
            if (auto decoded = decode_record(*current)) record = std::move(*decoded);
            else counted.junk = true;
        }
        std::vector<Rate> rates = c.rates;
        if (!record.override_rates.empty()) rates = *parse_rates(record.override_rates, nullptr);
        counted.verdict = admit(record, now, recipients, network, rates, signals);
        return StoreChange{StoreChange::replace, encode_record(record)};
    });
    return counted;
}

Result<bool> release_account(Store& store, std::string_view account)
{
    bool released = false;
    StoreResult r = store.update(account, [&](const std::string* current) {
        released = false;
        std::optional<Record> record;
        if (current) record = decode_record(*current);
        if (!record || !record->suspended) return StoreChange{};
        record->suspended = 0;
        record->reason.clear();
        record->attempts.buckets.clear();  // the evidence is answered
        record->networks.clear();
        released = true;
        return StoreChange{StoreChange::replace, encode_record(*record)};
    });
    if (r == StoreResult::fault) return temporary_fault(store.error());
    return released;
}

Status set_override(Store& store, std::string_view account, bool clear, std::string_view rates)
{
    StoreResult r = store.update(account, [&](const std::string* current) {
        Record record;
        if (current) {
            auto decoded = decode_record(*current);
            if (decoded) record = std::move(*decoded);
        }
        if (clear && !current) return StoreChange{};
        record.override_rates = std::string(rates);
        return StoreChange{StoreChange::replace, encode_record(record)};
    });
    if (r == StoreResult::fault) return temporary_fault(store.error());
    return {};
}

std::string list_line(std::string_view account, Record& record, std::int64_t now)
{
    std::string line = log::escape(account);
    if (record.suspended)
        line += " suspended " + record.reason + " " + std::to_string(std::max<std::int64_t>(0, now - record.suspended));
    else
        line += " active - -";
    std::sort(record.windows.begin(), record.windows.end(),
              [](const Window& a, const Window& b) { return a.seconds < b.seconds; });
    for (const auto& w : record.windows) {
        auto [m, n] = count(w, now);
        line += " " + duration(w.seconds) + "=" + std::to_string(m) + "/" + std::to_string(n);
    }
    line += " override=" + (record.override_rates.empty() ? std::string("-") : record.override_rates);
    return line;
}

} // namespace qs::sendlimit
