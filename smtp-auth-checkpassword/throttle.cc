#include "smtp-auth-checkpassword/throttle.h"

#include "smtp-auth-checkpassword/crammd5.h"

#include "lib/env.h"
#include "lib/log.h"

#include <charconv>

namespace qs::auth {

namespace {
// A user name that is long, or whose bytes the directory store escapes
// (three bytes each) into a long file name, is represented by its MD5: the
// file name of "pair ADDRESS USER" must stay under 255 bytes. The checker
// and smtp-auth-throttle -c map the same spelling the same way.
std::string user_part(std::string_view user)
{
    if (user.size() <= max_user_part && store_file_name(user).size() <= 2 * max_user_part) return std::string(user);
    Md5Digest d = md5(user);
    return "#md5:" + to_hex(d.data(), d.size());
}

bool parse_number(std::string_view& text, long long& out)
{
    size_t sp = text.find(' ');
    std::string_view word = text.substr(0, sp);
    auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), out);
    if (ec != std::errc() || end != word.data() + word.size() || out < 0) return false;
    text.remove_prefix(sp == std::string_view::npos ? text.size() : sp + 1);
    return true;
}
} // namespace

std::optional<Counter> parse_counter(std::string_view text)
{
    long long v[4];
    for (auto& x : v)
        if (!parse_number(text, x)) return std::nullopt;
    if (!text.empty()) return std::nullopt;
    return Counter{static_cast<unsigned long>(v[0]), v[1], v[2], v[3]};
}

std::string format_counter(const Counter& c)
{
    return std::to_string(c.fails) + ' ' + std::to_string(c.first) + ' ' + std::to_string(c.locked_until) + ' ' +
           std::to_string(c.last_ok);
}

Prefix client_block(const Address& a) { return qs::client_block(a, 64); }

std::string store_key(const ThrottleKey& k)
{
    if (!k.address) return "user " + user_part(k.user);
    if (k.user.empty()) return "ip " + canonical(*k.address);
    return "pair " + canonical(*k.address) + ' ' + user_part(k.user);
}

std::optional<ThrottleKey> parse_store_key(std::string_view key)
{
    ThrottleKey k;
    if (key.starts_with("user ")) {
        k.user = key.substr(5);
        return k;
    }
    bool pair = key.starts_with("pair ");
    if (!pair && !key.starts_with("ip ")) return std::nullopt;
    key.remove_prefix(pair ? 5 : 3);
    size_t sp = pair ? key.find(' ') : key.size();
    if (sp == std::string_view::npos) return std::nullopt;
    k.address = parse_prefix(key.substr(0, sp));
    if (!k.address) return std::nullopt;
    if (pair) k.user = key.substr(sp + 1);
    return k;
}

ThrottleKey parse_admin_key(std::string_view text)
{
    ThrottleKey k;
    auto as_block = [](std::string_view t) -> std::optional<Prefix> {
        if (auto a = parse_address(t)) return client_block(*a);
        return parse_prefix(t);
    };
    if ((k.address = as_block(text))) return k;
    for (size_t slash = text.rfind('/'); slash != std::string_view::npos && slash > 0;
         slash = text.rfind('/', slash - 1)) {
        if ((k.address = as_block(text.substr(0, slash)))) {
            k.user = text.substr(slash + 1);
            if (!k.user.empty()) return k;
        }
        if (slash == 0) break;
    }
    k.address.reset();
    k.user = text;
    return k;
}

bool stale(const Counter& c, const ThrottleConfig& config, long long now)
{
    return now >= c.locked_until && now - c.first >= static_cast<long long>(config.window) &&
           now - c.last_ok >= known_good_age;
}

bool Throttle::trusted(const std::optional<Address>& address) const
{
    if (!address) return false;
    for (const auto& p : config_.trusted)
        if (contains(p, *address)) return true;
    return false;
}

Throttle::Read Throttle::read(const ThrottleKey& k, Counter& c)
{
    std::string value;
    c = Counter{};
    switch (store_.get(store_key(k), value)) {
    case StoreResult::absent:
        return Read::ok;
    case StoreResult::fault:
        return Read::fault;
    case StoreResult::ok:
        break;
    }
    if (auto parsed = parse_counter(value)) c = *parsed;  // a mangled counter counts as empty
    return Read::ok;
}

Gate Throttle::check(const std::optional<Address>& address, std::string_view user)
{
    if (trusted(address)) return Gate::open;
    Counter c;
    bool known_good = false;
    if (address) {
        if (read({client_block(*address), {}}, c) == Read::fault) return Gate::fault;
        if (c.locked_until > now_) return Gate::locked;
        if (read({client_block(*address), std::string(user)}, c) == Read::fault) return Gate::fault;
        if (c.locked_until > now_) return Gate::locked;
        known_good = c.last_ok > 0 && now_ - c.last_ok < known_good_age;
    }
    if (read({std::nullopt, std::string(user)}, c) == Read::fault) return Gate::fault;
    if (c.locked_until > now_ && !known_good) return Gate::locked;
    return Gate::open;
}

bool Throttle::bump(const ThrottleKey& k, unsigned long limit)
{
    const long long now = now_;
    const ThrottleConfig& cfg = config_;
    auto r = store_.update(store_key(k), [&](const std::string* current) {
        Counter c;
        if (current)
            if (auto parsed = parse_counter(*current)) c = *parsed;
        if (c.locked_until <= now) {
            if (c.fails == 0 || now - c.first >= static_cast<long long>(cfg.window)) {
                c.fails = 0;
                c.first = now;
            }
            if (++c.fails >= limit) {
                c.locked_until = now + static_cast<long long>(cfg.lockout);
                c.fails = 0;
            }
        }
        return StoreChange{StoreChange::replace, format_counter(c)};
    });
    return r != StoreResult::fault;
}

Throttle::Count Throttle::count(const ThrottleKey& k, unsigned long limit, bool exempt, long long* last_ok)
{
    const long long now = now_;
    const ThrottleConfig& cfg = config_;
    Count result = Count::counted;
    auto r = store_.update(store_key(k), [&](const std::string* current) {
        Counter c;
        if (current)
            if (auto parsed = parse_counter(*current)) c = *parsed;
        if (last_ok) *last_ok = c.last_ok;
        if (c.locked_until > now) {
            result = exempt ? Count::uncounted : Count::locked;
            return StoreChange{};
        }
        if (c.fails == 0 || now - c.first >= static_cast<long long>(cfg.window)) {
            c.fails = 0;
            c.first = now;
        }
        if (c.fails >= limit) {
            // limit failures already: this attempt is one too many
            if (exempt) {
                result = Count::uncounted;
                return StoreChange{};
            }
            result = Count::locked;
            c.locked_until = now + static_cast<long long>(cfg.lockout);
            c.fails = 0;
        } else {
            result = Count::counted;
            ++c.fails;
        }
        return StoreChange{StoreChange::replace, format_counter(c)};
    });
    return r == StoreResult::fault ? Count::fault : result;
}

bool Throttle::uncount(const ThrottleKey& k)
{
    const long long now = now_;
    auto r = store_.update(store_key(k), [&](const std::string* current) {
        if (!current) return StoreChange{};
        auto c = parse_counter(*current);
        // a counter locked since (by other attempts) stays as it is
        if (!c || c->fails == 0 || c->locked_until > now) return StoreChange{};
        --c->fails;
        return StoreChange{StoreChange::replace, format_counter(*c)};
    });
    return r != StoreResult::fault;
}

Gate Throttle::admit(const std::optional<Address>& address, std::string_view user)
{
    pending_.clear();
    if (trusted(address)) return Gate::open;
    const unsigned long m = config_.maxfail;
    bool known_good = false;
    auto step = [&](ThrottleKey k, unsigned long limit, bool exempt, long long* last_ok) -> std::optional<Gate> {
        switch (count(k, limit, exempt, last_ok)) {
        case Count::counted:
            pending_.push_back(std::move(k));
            return std::nullopt;
        case Count::uncounted:
            return std::nullopt;
        case Count::locked:
            release();
            return Gate::locked;
        case Count::fault:
            break;
        }
        release();
        return Gate::fault;
    };
    if (address) {
        if (auto g = step({client_block(*address), {}}, 4 * m, false, nullptr)) return *g;
        long long last_ok = 0;
        if (auto g = step({client_block(*address), std::string(user)}, m, false, &last_ok)) return *g;
        known_good = last_ok > 0 && now_ - last_ok < known_good_age;
    }
    if (auto g = step({std::nullopt, std::string(user)}, 10 * m, known_good, nullptr)) return *g;
    return Gate::open;
}

bool Throttle::release()
{
    bool ok = true;
    for (const auto& k : pending_) ok = uncount(k) && ok;
    pending_.clear();
    return ok;
}

bool Throttle::settle_success(const std::optional<Address>& address, std::string_view user)
{
    bool ok = true;
    // the pair is reset by record_success; the others lose this attempt's count
    for (const auto& k : pending_)
        if (!(k.address && !k.user.empty())) ok = uncount(k) && ok;
    pending_.clear();
    return record_success(address, user) && ok;
}

bool Throttle::record_failure(const std::optional<Address>& address, std::string_view user)
{
    if (trusted(address)) return true;
    const unsigned long m = config_.maxfail;
    bool ok = true;
    if (address) {
        ok = bump({client_block(*address), {}}, 4 * m) && ok;
        ok = bump({client_block(*address), std::string(user)}, m) && ok;
    }
    return bump({std::nullopt, std::string(user)}, 10 * m) && ok;
}

bool Throttle::record_success(const std::optional<Address>& address, std::string_view user)
{
    if (trusted(address) || !address) return true;
    const long long now = now_;
    auto r = store_.update(store_key({client_block(*address), std::string(user)}), [&](const std::string*) {
        Counter c;
        c.last_ok = now;
        return StoreChange{StoreChange::replace, format_counter(c)};
    });
    return r != StoreResult::fault;
}

std::optional<ThrottleConfig> throttle_config_from_env(std::string& bad, ConfigUse use)
{
    const bool zero_ok = use == ConfigUse::pruning;
    ThrottleConfig c;
    auto maxfail = env::number("CHKPW_MAXFAIL", c.maxfail, 1000000);
    auto window = env::number("CHKPW_WINDOW", c.window, 10L * 365 * 86400);
    auto lockout = env::number("CHKPW_LOCKOUT", c.lockout, 10L * 365 * 86400);
    if (!maxfail || *maxfail == 0) bad = "CHKPW_MAXFAIL";
    else if (!window || (*window == 0 && !zero_ok)) bad = "CHKPW_WINDOW";      // 0 would count nothing
    else if (!lockout || (*lockout == 0 && !zero_ok)) bad = "CHKPW_LOCKOUT";  // 0 would lock nobody
    if (!bad.empty()) return std::nullopt;
    c.maxfail = *maxfail;
    c.window = *window;
    c.lockout = *lockout;
    if (auto trusted = env::get("CHKPW_TRUSTED")) {
        std::string item;
        auto list = parse_prefix_list(*trusted, &item);
        if (!list) {
            bad = "CHKPW_TRUSTED item " + log::escape(item);
            return std::nullopt;
        }
        c.trusted = std::move(*list);
    }
    return c;
}

} // namespace qs::auth
