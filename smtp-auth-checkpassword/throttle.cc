#include "smtp-auth-checkpassword/throttle.h"

#include "lib/digest.h"
#include "lib/hex.h"

#include <algorithm>
#include <charconv>

namespace qs::auth {

namespace {
// The longest key: "pair ", an address block in canonical form (a full
// IPv6 address and "/128"), a space and the user part.
constexpr size_t longest_block = 39 + 4;
static_assert(5 + longest_block + 1 + max_user_part <= Store::max_key, "every throttle key fits the store");
static_assert(5 + 2 * sizeof(digest::Md5) <= max_user_part, "a hashed user is a user part");

// A long user name is represented by its MD5, so that every key fits the
// store. The checker and smtp-auth-throttle -c map the same spelling the
// same way.
std::string user_part(std::string_view user)
{
    if (user.size() <= max_user_part) return std::string(user);
    return "#md5:" + hex::encode(digest::md5(user).data(), sizeof(digest::Md5));
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

Counter counter_of(const std::string* current)
{
    if (current)
        if (auto parsed = parse_counter(*current)) return *parsed;
    return Counter{};  // absent, or mangled: counts as empty
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

bool follow_clock(Counter& c, const ThrottleConfig& config, long long now)
{
    const long long lockout = static_cast<long long>(config.lockout);
    bool moved = false;
    auto at_most = [&](long long& t, long long limit) {
        if (t > limit) t = limit, moved = true;
    };
    at_most(c.first, now);
    at_most(c.last_ok, now);
    at_most(c.locked_until, now + lockout);
    return moved;
}

long long ThrottleConfig::user_interval() const
{
    long long interval = static_cast<long long>(user_window / user_limit());
    return interval > 0 ? interval : 1;
}

void drain(Counter& c, const ThrottleConfig& config, long long now)
{
    const long long interval = config.user_interval();
    long long leaked = c.first < now ? (now - c.first) / interval : 0;
    if (c.fails == 0 || leaked >= static_cast<long long>(c.fails)) {
        c.fails = 0;
        c.first = now;
        return;
    }
    c.fails -= static_cast<unsigned long>(leaked);
    c.first += leaked * interval;
}

bool stale(const Counter& counter, const ThrottleConfig& config, long long now)
{
    Counter c = counter;
    follow_clock(c, config, now);
    // a user counter's bucket drains one check per user_interval
    const long long drained = static_cast<long long>(c.fails) * config.user_interval();
    return now >= c.locked_until && now - c.first >= static_cast<long long>(config.window) &&
           now - c.first >= drained && now - c.last_ok >= known_good_age;
}

long counter_ttl(const ThrottleKey& k, const ThrottleConfig& config)
{
    const long window = static_cast<long>(config.window), lockout = static_cast<long>(config.lockout);
    if (!k.address) return static_cast<long>(config.user_window) + 1;  // a full bucket drains within user_window
    long ttl = std::max(window, lockout) + 1;
    if (!k.user.empty()) ttl = std::max(ttl, static_cast<long>(known_good_age));
    return ttl;
}

Result<std::unique_ptr<Store>> open_throttle_store(std::string_view spec, std::string_view variable)
{
    return open_store(spec, variable, "throttle");
}

bool Throttle::trusted(const std::optional<Address>& address) const
{
    if (!address) return false;
    for (const auto& p : config_.trusted)
        if (contains(p, *address)) return true;
    return false;
}

Status Throttle::store_status(bool ok) const
{
    if (ok) return {};
    return temporary_fault(store_.error());
}

Throttle::Count Throttle::count(const ThrottleKey& k, unsigned long limit, bool exempt, long long* last_ok)
{
    const long long now = now_;
    const long long window = static_cast<long long>(config_.window), lockout = static_cast<long long>(config_.lockout);
    Count result = Count::counted;
    const long ttl = counter_ttl(k, config_);
    // may run more than once: it only computes, from current
    auto r = store_.update(store_key(k), [&](const std::string* current) {
        Counter c = counter_of(current);
        bool moved = follow_clock(c, config_, now);
        if (last_ok) *last_ok = c.last_ok;
        if (c.locked_until > now) {
            result = exempt ? Count::uncounted : Count::locked;
            return moved ? StoreChange{StoreChange::replace, format_counter(c), ttl} : StoreChange{};
        }
        if (c.fails == 0 || now - c.first >= window) {
            c.fails = 0;
            c.first = now;
        }
        if (c.fails < limit) {
            result = Count::counted;
            ++c.fails;
        } else if (exempt) {
            result = Count::uncounted;
            return StoreChange{};
        } else {
            // limit failures already: this attempt is one too many
            result = Count::locked;
            c.locked_until = now + lockout;
            c.fails = 0;
        }
        return StoreChange{StoreChange::replace, format_counter(c), ttl};
    });
    return r == StoreResult::fault ? Count::fault : result;
}

// The user across addresses: a bucket of user_budget checks, drained one
// per user_interval, that never locks. Full: refused, except exempt
// (a known-good address), which then counts on it no more.
Throttle::Count Throttle::count_user(const ThrottleKey& k, bool exempt)
{
    const long long now = now_;
    const long ttl = counter_ttl(k, config_);
    Count result = Count::counted;
    auto r = store_.update(store_key(k), [&](const std::string* current) {
        Counter c = counter_of(current);
        follow_clock(c, config_, now);
        c.locked_until = 0;  // a user counter never locks (one written by an older version did)
        c.last_ok = 0;
        drain(c, config_, now);
        if (c.fails < config_.user_limit()) {
            result = Count::counted;
            ++c.fails;
        } else {
            result = exempt ? Count::uncounted : Count::locked;
        }
        return StoreChange{StoreChange::replace, format_counter(c), ttl};
    });
    return r == StoreResult::fault ? Count::fault : result;
}

bool Throttle::uncount(const ThrottleKey& k)
{
    const long long now = now_;
    const long ttl = counter_ttl(k, config_);
    auto r = store_.update(store_key(k), [&](const std::string* current) {
        if (!current) return StoreChange{};
        auto c = parse_counter(*current);
        // a counter locked since (by other attempts) stays as it is
        if (!c || c->fails == 0 || c->locked_until > now) return StoreChange{};
        --c->fails;
        return StoreChange{StoreChange::replace, format_counter(*c), ttl};
    });
    return r != StoreResult::fault;
}

Result<Gate> Throttle::admit(const std::optional<Address>& address, std::string_view user)
{
    pending_.clear();
    if (trusted(address)) return Gate::open;
    const unsigned long m = config_.maxfail;
    // nullopt: go on to the next counter
    auto step = [&](ThrottleKey k, unsigned long limit, bool exempt, long long* last_ok) -> std::optional<Result<Gate>> {
        switch (k.address ? count(k, limit, exempt, last_ok) : count_user(k, exempt)) {
        case Count::counted:
            pending_.push_back(std::move(k));
            return std::nullopt;
        case Count::uncounted:
            return std::nullopt;
        case Count::locked:
            (void)release();
            return Gate::locked;
        case Count::fault:
            break;
        }
        (void)release();
        return temporary_fault(store_.error());
    };
    bool known_good = false;
    if (address) {
        if (auto g = step({client_block(*address), {}}, 4 * m, false, nullptr)) return *g;
        long long last_ok = 0;
        if (auto g = step({client_block(*address), std::string(user)}, m, false, &last_ok)) return *g;
        known_good = last_ok > 0 && now_ - last_ok < known_good_age;
    }
    if (auto g = step({std::nullopt, std::string(user)}, config_.user_limit(), known_good, nullptr)) return *g;
    return Gate::open;
}

Status Throttle::release()
{
    bool ok = true;
    for (const auto& k : pending_) ok = uncount(k) && ok;
    pending_.clear();
    return store_status(ok);
}

Status Throttle::settle_success(const std::optional<Address>& address, std::string_view user)
{
    bool ok = true;
    // the pair is reset by record_success; the others lose this attempt's count
    for (const auto& k : pending_)
        if (!(k.address && !k.user.empty())) ok = uncount(k) && ok;
    pending_.clear();
    if (address && !trusted(address)) ok = record_success(*address, user) && ok;
    return store_status(ok);
}

bool Throttle::record_success(const Address& address, std::string_view user)
{
    const long long now = now_;
    const ThrottleKey k{client_block(address), std::string(user)};
    const long ttl = counter_ttl(k, config_);
    auto r = store_.update(store_key(k), [now, ttl](const std::string*) {
        Counter c;
        c.last_ok = now;
        return StoreChange{StoreChange::replace, format_counter(c), ttl};
    });
    return r != StoreResult::fault;
}

} // namespace qs::auth
