#include "relaylock/locks.h"

#include "lib/client.h"
#include "lib/log.h"

#include <algorithm>
#include <charconv>

namespace qs::relaylock {

Prefix lock_block(const Address& client, const Config& config)
{
    Prefix block = client_block(client, config.v6prefix);
    // A customer next to a RELAYLOCK_NEVER proxy must not open its block.
    bool holds_never = std::any_of(config.never.begin(), config.never.end(),
                                   [&](const Prefix& p) { return overlaps(p, block); });
    return holds_never ? prefix_of(client, 128) : block;
}

bool never_locked(const Address& client, const Config& config)
{
    if (config.never_list_broken || !is_client_address(client)) return true;
    return std::any_of(config.never.begin(), config.never.end(),
                       [&](const Prefix& p) { return contains(p, client); });
}

std::optional<Address> client_address()
{
    ClientAddress client = client_address_from_env();
    if (!client.address) log::warning(client.problem());
    return client.address;
}

std::string sanitize_user(std::string_view user)
{
    std::string out;
    for (unsigned char c : user) {
        if (out.size() == 64) break;
        bool safe = c > 32 && c < 127 && c != '\\' && c != '"' && c != '\'' && c != '`';
        out += safe ? static_cast<char>(c) : '_';
    }
    return out.empty() ? "-" : out;
}

std::string encode_lock(std::time_t login, std::string_view user)
{
    char num[24];
    auto r = std::to_chars(num, num + sizeof num, static_cast<long long>(login));
    std::string v(num, r.ptr);
    v += ' ';
    v += sanitize_user(user);
    v += '\n';
    return v;
}

std::optional<Lock> decode_lock(std::string_view key, std::string_view value)
{
    auto block = parse_prefix(key);
    if (!block || canonical(*block) != key) return std::nullopt;
    if (value.empty() || value.back() != '\n') return std::nullopt;
    value.remove_suffix(1);
    auto space = value.find(' ');
    if (space == std::string_view::npos || space == 0) return std::nullopt;
    long long login = 0;
    auto digits = value.substr(0, space);
    // Exactly what encode_lock writes: no sign, no leading zero.
    if (digits[0] < '0' || digits[0] > '9' || (digits[0] == '0' && digits.size() > 1)) return std::nullopt;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), login);
    if (ec != std::errc() || end != digits.data() + digits.size() || login < 0) return std::nullopt;
    auto user = value.substr(space + 1);
    if (user.empty() || sanitize_user(user) != user) return std::nullopt;
    return Lock{std::string(key), *block, static_cast<std::time_t>(login), std::string(user)};
}

// A clock stepped back must neither end every lock (customers would all
// have to log in again) nor stretch one: a login time ahead of now by at
// most one expiry counts as now, so the lock has at most one expiry left
// from any moment it is judged; further ahead it is junk (relaylock.8).
bool is_active(const Lock& lock, std::time_t now, const Config& config)
{
    if (config.expiry == 0) return false;
    auto expiry = static_cast<std::time_t>(config.expiry);
    // "no more than RELAYLOCK_EXPIRY seconds old", either way of now
    return lock.login > now ? lock.login - now <= expiry : now - lock.login <= expiry;
}

std::time_t first_inactive_second(const Lock& lock, std::time_t now, const Config& config)
{
    return std::min(lock.login, now) + static_cast<std::time_t>(config.expiry) + 1;
}

bool is_future_dated(const Lock& lock, std::time_t now) { return lock.login > now; }

} // namespace qs::relaylock
