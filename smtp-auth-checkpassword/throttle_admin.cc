#include "smtp-auth-checkpassword/throttle_admin.h"

#include "lib/fd.h"
#include "lib/log.h"
#include "smtp-auth-checkpassword/config.h"

#include <algorithm>
#include <ctime>

namespace qs::auth {

namespace {
// One listing line, or "" for a counter that neither counts nor locks.
std::string listing_line(const ThrottleKey& k, const Counter& c, const ThrottleConfig& config, long long now)
{
    bool counting = c.fails > 0 && now - c.first < static_cast<long long>(config.window);
    if (!counting && c.locked_until <= now) return {};
    std::string line = k.address ? canonical(*k.address) : "-";
    line += ' ';
    line += k.user.empty() ? "-" : log::escape(k.user);
    line += " failures=" + std::to_string(counting ? c.fails : 0);
    line += " locked=" + std::to_string(c.locked_until > now ? c.locked_until - now : 0);
    return line + '\n';
}

Status clear_counter(Store& store, std::string_view admin_key)
{
    if (store.remove(store_key(parse_admin_key(admin_key))) == StoreResult::fault)
        return temporary_fault(store.error());
    return {};
}

int fatal(const Fault& fault)
{
    log::fatal(fault.text);
    return fault.exit_code;
}
} // namespace

Result<ThrottleListing> list_counters(Store& store, const ThrottleConfig& config, long long now)
{
    ThrottleListing out;
    auto r = store.scan([&](std::string_view key, std::string_view value) {
        auto k = parse_store_key(key);
        auto c = parse_counter(value);
        if (!k || !c || stale(*c, config, now)) {
            out.stale_keys.emplace_back(key);
            return;
        }
        if (std::string line = listing_line(*k, *c, config, now); !line.empty()) out.lines.push_back(line);
    });
    if (r == StoreResult::fault) return temporary_fault(store.error());
    std::sort(out.lines.begin(), out.lines.end());
    return out;
}

Status prune_counters(Store& store, const std::vector<std::string>& stale_keys, const ThrottleConfig& config,
                      long long now)
{
    // re-checked under the store's lock: a login may have touched it since
    for (const auto& key : stale_keys) {
        auto u = store.update(key, [&](const std::string* current) {
            auto c = current ? parse_counter(*current) : std::nullopt;
            if (current && c && !stale(*c, config, now)) return StoreChange{StoreChange::keep, {}};
            return StoreChange{StoreChange::erase, {}};
        });
        if (u == StoreResult::fault) return temporary_fault(store.error());
    }
    if (store.sweep_leftovers(leftover_age) == StoreResult::fault) return temporary_fault(store.error());
    return {};
}

int run_throttle_admin(const ThrottleAdminOptions& options)
{
    const Config config = load_config();
    if (config.state.empty()) return fatal(temporary_fault("neither CHKPW_STORE nor CHKPW_STATE is set"));
    auto throttle = throttle_config(config.throttle, options.prune ? ConfigUse::pruning : ConfigUse::checking);
    if (!throttle) return fatal(throttle.fault());
    auto store = open_throttle_store(config.state, config.state_variable);
    if (!store) return fatal(store.fault());
    if (options.clear) {
        Status cleared = clear_counter(**store, *options.clear);
        return cleared ? 0 : fatal(cleared.fault());
    }
    const long long now = ::time(nullptr);
    auto listing = list_counters(**store, *throttle, now);
    if (!listing) return fatal(listing.fault());
    if (options.prune) {
        Status pruned = prune_counters(**store, listing->stale_keys, *throttle, now);
        return pruned ? 0 : fatal(pruned.fault());
    }
    std::string out;
    for (const auto& l : listing->lines) out += l;
    return write_all(1, out.data(), out.size()) ? 0 : 111;
}

} // namespace qs::auth
