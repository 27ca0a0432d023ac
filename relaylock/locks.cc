#include "relaylock/locks.h"

#include "conf.h"
#include "lib/env.h"
#include "lib/log.h"

#include <algorithm>
#include <charconv>

namespace qs::relaylock {

bool never_list_broken = false;

namespace {
constexpr const char* default_directory = CONF_QMAIL "/relaylock";
constexpr const char* default_never = "127.0.0.0/8 ::1/128";
constexpr unsigned long min_v6prefix = 48;
constexpr unsigned long max_expiry = 10UL * 365 * 86400;
// A login time further in the future than this is junk: hosts sharing a
// store keep their clocks within it, and a clock stepped back must not
// stretch a lock (relaylock-check.8 documents it).
constexpr std::time_t future_slack = 5;
} // namespace

Config load_config()
{
    Config c;
    c.directory = std::string(env::get("RELAYLOCK_DIR").value_or(""));
    if (c.directory.empty()) c.directory = default_directory;
    if (auto e = env::number("RELAYLOCK_EXPIRY", 600, max_expiry)) c.expiry = *e;
    else log::warning("RELAYLOCK_EXPIRY is not a number of seconds; using 600");
    if (auto r = env::get("RELAYLOCK_RELAYCLIENT")) c.relayclient = std::string(*r);
    // Shorter than a /48 (one customer site) would let one login open
    // relay for a whole provider, or with 0 for every IPv6 client.
    auto v6 = env::number("RELAYLOCK_V6PREFIX", 64, 128);
    if (v6 && *v6 >= min_v6prefix) c.v6prefix = static_cast<unsigned>(*v6);
    else log::warning("RELAYLOCK_V6PREFIX is not a prefix length 48-128; using 64");
    auto never_text = env::get("RELAYLOCK_NEVER").value_or(default_never);
    std::string bad;
    if (auto list = parse_prefix_list(never_text, &bad)) {
        c.never = std::move(*list);
    } else {
        log::warning("RELAYLOCK_NEVER has a bad item " + log::escape(bad) + "; locking nothing");
        never_list_broken = true;
    }
    if (auto r = env::get("RELAYLOCK_RULES")) c.rules = std::string(*r);
    if (auto r = env::get("RELAYLOCK_CDB")) c.cdb = std::string(*r);
    return c;
}

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
    if (never_list_broken || !is_client_address(client)) return true;
    return std::any_of(config.never.begin(), config.never.end(),
                       [&](const Prefix& p) { return contains(p, client); });
}

std::optional<Address> client_address()
{
    const char* variable = "TCPREMOTEIP";
    auto text = env::get(variable);
    if (!text) {
        variable = "IP";
        text = env::get(variable);
    }
    if (!text) {
        log::warning("no client address: neither TCPREMOTEIP nor IP is set");
        return std::nullopt;
    }
    auto a = parse_address(*text);
    if (!a) log::warning(std::string("malformed client address ") + variable + "=" + log::escape(*text));
    return a;
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

bool is_active(const Lock& lock, std::time_t now, const Config& config)
{
    if (lock.login > now + future_slack) return false;
    // "no more than RELAYLOCK_EXPIRY seconds old"; 0 turns locks off
    return config.expiry > 0 && now - lock.login <= static_cast<std::time_t>(config.expiry);
}

std::time_t first_inactive_second(const Lock& lock, const Config& config)
{
    return lock.login + static_cast<std::time_t>(config.expiry) + 1;
}

StoreResult active_locks(Store& store, std::time_t now, const Config& config, std::vector<Lock>& out)
{
    unsigned long junk = 0;
    std::string junk_key;
    StoreResult r = store.scan([&](std::string_view key, std::string_view value) {
        auto lock = decode_lock(key, value);
        if (!lock) {
            if (!junk++) junk_key = key;
            return;
        }
        if (is_active(*lock, now, config)) out.push_back(std::move(*lock));
    });
    if (junk)
        log::warning("store holds " + std::to_string(junk) + " malformed lock(s), first key=" +
                     log::escape(junk_key) + "; they grant nothing");
    std::sort(out.begin(), out.end(), [](const Lock& a, const Lock& b) {
        return a.login != b.login ? a.login < b.login : a.key < b.key;
    });
    return r;
}

std::unique_ptr<Store> open_store(const Config& config)
{
    return open_directory_store(config.directory);
}

} // namespace qs::relaylock
