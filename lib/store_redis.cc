#include "lib/store_redis.h"

#include "lib/env.h"
#include "lib/fd.h"
#include "lib/hex.h"
#include "lib/log.h"
#include "lib/redis_connection.h"
#include "lib/sha256.h"

#include <hiredis/read.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <random>
#include <unistd.h>

namespace qs {

namespace {

constexpr unsigned long default_connect_ms = 250;
constexpr unsigned long default_command_ms = 500;
constexpr unsigned long max_timeout_ms = 600000;
constexpr size_t min_secret = 32, max_secret = 4096;
constexpr int max_attempts = 100;

void wipe(std::string& s)
{
    volatile char* p = s.data();
    for (size_t i = 0; i < s.size(); ++i) p[i] = 0;
    s.clear();
}

bool same(std::string_view a, std::string_view b)
{
    if (a.size() != b.size()) return false;
    unsigned char d = 0;
    for (size_t i = 0; i < a.size(); ++i) d |= static_cast<unsigned char>(a[i] ^ b[i]);
    return d == 0;
}

unsigned long timeout_ms(const char* name, unsigned long fallback)
{
    auto n = env::number(name, fallback, max_timeout_ms);
    if (n && *n > 0) return *n;
    log::warning(std::string(name) + " is not a number of milliseconds from 1 to " + std::to_string(max_timeout_ms) +
                 ": " + log::escape(env::get(name).value_or("")) + "; using " + std::to_string(fallback));
    return fallback;
}

// The first line of a file (the key file: all of it), or a one-line fault
// naming VARIABLE.
Result<std::string> read_secret_file(const char* variable, bool first_line)
{
    auto path = env::get(variable);
    if (!path || path->empty()) return temporary_fault(std::string(variable) + ": not set");
    std::string name(*path);
    Fd fd(::open(name.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd) return temporary_fault(log::with_errno(std::string(variable) + ": " + log::escape(name), errno));
    std::string bytes(max_secret + 1, '\0');
    long n = read_all(fd.get(), bytes.data(), bytes.size());
    if (n < 0) {
        int err = errno;
        wipe(bytes);
        return temporary_fault(log::with_errno(std::string(variable) + ": " + log::escape(name), err));
    }
    // shrinking in place keeps the one buffer, which wipe() clears
    bytes.resize(static_cast<size_t>(n));
    if (first_line) {
        size_t nl = bytes.find('\n');
        if (nl != std::string::npos) bytes.resize(nl);
        if (!bytes.empty() && bytes.back() == '\r') bytes.pop_back();
        if (bytes.empty()) return temporary_fault(std::string(variable) + ": " + log::escape(name) + ": empty first line");
        if (bytes.size() > max_secret) {
            wipe(bytes);
            return temporary_fault(std::string(variable) + ": " + log::escape(name) + ": longer than 4096 bytes");
        }
        return bytes;
    }
    if (bytes.size() > max_secret || bytes.size() < min_secret) {
        wipe(bytes);
        return temporary_fault(std::string(variable) + ": " + log::escape(name) + ": not " + std::to_string(min_secret) +
                               " to " + std::to_string(max_secret) + " bytes");
    }
    return bytes;
}

using Reply = RedisReplyPtr;

Reply run(RedisConnection* c, std::initializer_list<std::string_view> args)
{
    return c->command(RedisCommand(args));
}

// A message from the connection or Redis, for one log line: printable ASCII
// stays (spaces too: these are sentences, not client bytes), anything
// else becomes '?'; at most 200 bytes.
std::string plain(std::string_view text)
{
    std::string out;
    for (char c : text.substr(0, 200)) out += c >= 0x20 && c < 0x7f ? c : '?';
    return out;
}

// the connection's own text: "no answer within N ms" for a timeout
std::string io_reason(const RedisConnection* c) { return plain(c->error()); }

std::string reply_text(const RedisReply* r)
{
    if (!r) return "no reply";
    if (r->type == REDIS_REPLY_ERROR || r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_STRING)
        return plain(r->str);
    return "unexpected reply type " + std::to_string(r->type);
}

bool is_status(const RedisReply* r, std::string_view text)
{
    return r && r->type == REDIS_REPLY_STATUS && r->str == text;
}

// SCAN's MATCH is a glob: the prefix matches only itself.
std::string glob_escape(std::string_view s)
{
    std::string out;
    for (char c : s) {
        if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

std::atomic<bool> warned_junk{false};

class RedisStore final : public Store {
public:
    RedisStore(std::vector<RedisEndpoint> endpoints, std::string_view space)
        : endpoints_(std::move(endpoints)), prefix_("qsend:" + std::string(space) + ":"),
          connect_ms_(timeout_ms("QSEND_STORE_CONNECT_TIMEOUT", default_connect_ms)),
          command_ms_(timeout_ms("QSEND_STORE_TIMEOUT", default_command_ms)),
          random_(static_cast<unsigned>(::getpid()) ^ static_cast<unsigned>(std::time(nullptr)))
    {
        auto secret = read_secret_file("QSEND_STORE_KEYFILE", false);
        if (secret)
            secret_ = std::move(*secret);
        else
            setup_fault_ = secret.fault().text;
        bool needs_password = false;
        for (const auto& e : endpoints_) needs_password = needs_password || !e.has_password;
        if (setup_fault_.empty() && needs_password && env::get("QSEND_STORE_PASSFILE")) {
            auto password = read_secret_file("QSEND_STORE_PASSFILE", true);
            if (password)
                passfile_password_ = std::move(*password);
            else
                setup_fault_ = password.fault().text;
        }
    }

    ~RedisStore() override
    {
        wipe(secret_);
        wipe(passfile_password_);
        for (auto& e : endpoints_) wipe(e.password);
    }

    StoreResult get(std::string_view key, std::string& value) override
    {
        if (!usable(key)) return StoreResult::fault;
        std::string rkey = redis_key(key);
        Reply r = run(ctx_.get(), {"GET", rkey});
        if (!r) return io_fault();
        return read_value(r.get(), rkey, value);
    }

    StoreResult put(std::string_view key, std::string_view value, long ttl) override
    {
        if (!usable(key) || !value_fits(value)) return StoreResult::fault;
        std::string rkey = redis_key(key);
        std::string signed_value = redis_signed_value(secret_, rkey, value);
        Reply r = ttl > 0 ? run(ctx_.get(), {"SET", rkey, signed_value, "EX", std::to_string(ttl)})
                          : run(ctx_.get(), {"SET", rkey, signed_value});
        if (!r) return io_fault();
        if (!is_status(r.get(), "OK")) return reply_fault("SET", r.get());
        return StoreResult::ok;
    }

    StoreResult remove(std::string_view key) override
    {
        if (!usable(key)) return StoreResult::fault;
        Reply r = run(ctx_.get(), {"DEL", redis_key(key)});
        if (!r) return io_fault();
        if (r->type != REDIS_REPLY_INTEGER) return reply_fault("DEL", r.get());
        return r->integer > 0 ? StoreResult::ok : StoreResult::absent;
    }

    // An optimistic transaction: WATCH the key, read it, let fn decide,
    // then MULTI / SET or DEL / EXEC, which Redis refuses (a nil reply)
    // when anyone changed the key since WATCH; then read and decide again.
    // Not a Lua script: the contract's update runs a C++ callback, and
    // may run it more than once, so the one policy (the callback computes
    // from what it is shown) serves every backend, and the throttle's
    // check-and-count stays atomic across hosts sharing the server.
    StoreResult update(std::string_view key,
                       const std::function<StoreChange(const std::string* current)>& fn) override
    {
        if (!usable(key)) return StoreResult::fault;
        std::string rkey = redis_key(key);
        for (int attempt = 0; attempt < max_attempts; ++attempt) {
            if (attempt > 0) backoff(attempt);
            Reply w = run(ctx_.get(), {"WATCH", rkey});
            if (!w) return io_fault();
            if (!is_status(w.get(), "OK")) return reply_fault("WATCH", w.get());
            Reply g = run(ctx_.get(), {"GET", rkey});
            if (!g) return io_fault();
            std::string current;
            StoreResult now = read_value(g.get(), rkey, current);
            if (now == StoreResult::fault) return unwatch(StoreResult::fault);
            StoreChange change = fn(now == StoreResult::ok ? &current : nullptr);
            if (change.action == StoreChange::keep) return unwatch(now);
            if (change.action == StoreChange::erase && now == StoreResult::absent) return unwatch(StoreResult::absent);
            std::string signed_value, ttl;
            if (change.action == StoreChange::replace) {
                if (!value_fits(change.value)) return unwatch(StoreResult::fault);
                signed_value = redis_signed_value(secret_, rkey, change.value);
                if (change.ttl > 0) ttl = std::to_string(change.ttl);
            }
            // the transaction in one round trip
            std::vector<RedisCommand> transaction{{"MULTI"}};
            if (change.action == StoreChange::erase)
                transaction.push_back({"DEL", rkey});
            else if (ttl.empty())
                transaction.push_back({"SET", rkey, signed_value});
            else
                transaction.push_back({"SET", rkey, signed_value, "EX", ttl});
            transaction.push_back({"EXEC"});
            std::vector<Reply> replies;
            if (!ctx_->exchange(transaction, replies)) return io_fault();
            if (!is_status(replies[0].get(), "OK")) return reply_fault("MULTI", replies[0].get());
            if (replies[2]->type == REDIS_REPLY_NIL) continue;  // someone else changed it: again
            if (replies[2]->type != REDIS_REPLY_ARRAY || replies[2]->element.size() != 1)
                return reply_fault("EXEC", replies[1]->type == REDIS_REPLY_ERROR ? replies[1].get() : replies[2].get());
            const RedisReply* done = replies[2]->element[0].get();
            if (done->type == REDIS_REPLY_ERROR) return reply_fault("EXEC", done);
            return StoreResult::ok;
        }
        error_ = "store: too much contention on key=" + log::escape(key) + " (" + std::to_string(max_attempts) +
                 " attempts)";
        return StoreResult::fault;
    }

    StoreResult scan(const std::function<void(std::string_view key, std::string_view value)>& fn) override
    {
        if (!usable()) return StoreResult::fault;
        std::string pattern = glob_escape(prefix_) + "*";
        std::string cursor = "0";
        do {
            Reply s = run(ctx_.get(), {"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
            if (!s) return io_fault();
            if (s->type != REDIS_REPLY_ARRAY || s->element.size() != 2 || s->element[0]->type != REDIS_REPLY_STRING ||
                s->element[1]->type != REDIS_REPLY_ARRAY)
                return reply_fault("SCAN", s.get());
            cursor = s->element[0]->str;
            const RedisReply* keys = s->element[1].get();
            if (keys->element.empty()) continue;
            RedisCommand mget{"MGET"};
            for (const auto& k : keys->element) {
                if (k->type != REDIS_REPLY_STRING) return reply_fault("SCAN", k.get());
                mget.push_back(k->str);
            }
            Reply values = ctx_->command(mget);
            if (!values) return io_fault();
            if (values->type != REDIS_REPLY_ARRAY || values->element.size() != keys->element.size())
                return reply_fault("MGET", values.get());
            for (size_t i = 0; i < keys->element.size(); ++i) {
                std::string_view rkey = keys->element[i]->str;
                if (!rkey.starts_with(prefix_) || rkey.size() == prefix_.size()) continue;
                std::string value;
                // a key gone since SCAN is nil: skipped like junk
                if (read_value(values->element[i].get(), rkey, value) != StoreResult::ok) continue;
                fn(rkey.substr(prefix_.size()), value);
            }
        } while (cursor != "0");
        return StoreResult::ok;
    }

    StoreResult sweep_leftovers(long) override { return StoreResult::ok; }

private:
    std::string redis_key(std::string_view key) const { return prefix_ + std::string(key); }

    bool value_fits(std::string_view value)
    {
        if (value.size() <= max_value) return true;
        error_ = "store: value of " + std::to_string(value.size()) + " bytes (at most " + std::to_string(max_value) + ")";
        return false;
    }

    // The key file and the pass file read, the key's size right, and a
    // connection to a primary.
    bool usable(std::optional<std::string_view> key = std::nullopt)
    {
        if (!setup_fault_.empty()) {
            error_ = setup_fault_;
            return false;
        }
        if (key && (key->empty() || key->size() > max_key)) {
            error_ = "store: key of " + std::to_string(key->size()) + " bytes (1 to " + std::to_string(max_key) + ")";
            return false;
        }
        return ctx_ || connect();
    }

    bool connect()
    {
        std::string reason;
        for (const auto& e : endpoints_) {
            std::string label = "redis " + e.label();
            std::string why;
            auto c = connect_one(e, why);
            if (c) {
                ctx_ = std::move(c);
                label_ = label;
                return true;
            }
            reason = label + ": " + why;
        }
        if (endpoints_.size() == 1)
            error_ = "store: " + reason;
        else
            error_ = "store: no Redis primary among " + std::to_string(endpoints_.size()) + " endpoint(s): " + reason;
        return false;
    }

    std::unique_ptr<RedisConnection> connect_one(const RedisEndpoint& e, std::string& why)
    {
        auto c = RedisConnection::open(e, connect_ms_, command_ms_, why);
        if (!c) {
            why = plain(why);
            return nullptr;
        }
        const std::string& password = e.has_password ? e.password : passfile_password_;
        if (!password.empty()) {
            Reply a = e.user.empty() ? run(c.get(), {"AUTH", password}) : run(c.get(), {"AUTH", e.user, password});
            if (!a) {
                why = io_reason(c.get());
                return nullptr;
            }
            // Redis's refusal names neither the user nor the password
            if (!is_status(a.get(), "OK")) {
                why = "AUTH: " + reply_text(a.get());
                return nullptr;
            }
        }
        if (e.db != 0) {
            Reply s = run(c.get(), {"SELECT", std::to_string(e.db)});
            if (!s) {
                why = io_reason(c.get());
                return nullptr;
            }
            if (!is_status(s.get(), "OK")) {
                why = "SELECT: " + reply_text(s.get());
                return nullptr;
            }
        }
        // a replica (perhaps a primary Sentinel has demoted) is skipped
        Reply r = run(c.get(), {"ROLE"});
        if (!r) {
            why = io_reason(c.get());
            return nullptr;
        }
        if (r->type != REDIS_REPLY_ARRAY || r->element.empty()) {
            why = "ROLE: " + reply_text(r.get());
            return nullptr;
        }
        const RedisReply* role = r->element[0].get();
        std::string_view name = role->type == REDIS_REPLY_STRING ? std::string_view(role->str) : "";
        if (name != "master") {
            why = "not a primary (ROLE " + log::escape(name) + ")";
            return nullptr;
        }
        return c;
    }

    // The connection failed: a fault now, a new connection next time.
    StoreResult io_fault()
    {
        error_ = "store: " + label_ + ": " + io_reason(ctx_.get());
        ctx_.reset();
        return StoreResult::fault;
    }

    StoreResult reply_fault(std::string_view command, const RedisReply* r)
    {
        error_ = "store: " + label_ + ": " + std::string(command) + ": " + reply_text(r);
        return StoreResult::fault;
    }

    StoreResult unwatch(StoreResult result)
    {
        std::string saved = error_;
        Reply u = run(ctx_.get(), {"UNWATCH"});
        if (!u) return io_fault();
        error_ = saved;
        return result;
    }

    StoreResult read_value(const RedisReply* r, std::string_view rkey, std::string& value)
    {
        if (r->type == REDIS_REPLY_NIL) return StoreResult::absent;
        if (r->type != REDIS_REPLY_STRING) return reply_fault("GET", r);
        std::string v;
        if (!redis_verified_value(secret_, rkey, r->str, v)) {
            if (!warned_junk.exchange(true))
                log::warning("store: key=" + log::escape(rkey) + " has no valid signature; ignored");
            return StoreResult::absent;
        }
        value = std::move(v);
        return StoreResult::ok;
    }

    void backoff(int attempt)
    {
        unsigned long most = 50ul * static_cast<unsigned long>(attempt < 40 ? attempt : 40);
        std::uniform_int_distribution<unsigned long> pick(0, most);
        ::usleep(static_cast<useconds_t>(pick(random_)));
    }

    std::vector<RedisEndpoint> endpoints_;
    std::string prefix_;
    unsigned long connect_ms_, command_ms_;
    std::string secret_, passfile_password_, setup_fault_;
    std::unique_ptr<RedisConnection> ctx_;
    std::string label_;
    std::minstd_rand random_;
};

} // namespace

std::string redis_signed_value(std::string_view secret, std::string_view redis_key, std::string_view value)
{
    std::string message = std::to_string(redis_key.size()) + ":" + std::string(redis_key) + std::string(value);
    auto mac = hmac_sha256(secret, message);
    return "q1 " + hex::encode(mac.data(), mac.size()) + " " + std::string(value);
}

bool redis_verified_value(std::string_view secret, std::string_view redis_key, std::string_view stored,
                          std::string& value)
{
    constexpr size_t head = 3 + 64 + 1;
    if (stored.size() < head || !stored.starts_with("q1 ") || stored[head - 1] != ' ') return false;
    std::string_view v = stored.substr(head);
    std::string message = std::to_string(redis_key.size()) + ":" + std::string(redis_key) + std::string(v);
    auto mac = hmac_sha256(secret, message);
    if (!same(hex::encode(mac.data(), mac.size()), stored.substr(3, 64))) return false;
    value = v;
    return true;
}

std::unique_ptr<Store> open_redis_store(std::vector<RedisEndpoint> endpoints, std::string_view space)
{
    return std::make_unique<RedisStore>(std::move(endpoints), space);
}

} // namespace qs
