// The contract of lib/store.h, run against every backend. A new backend
// adds one entry to backends() and passes these cases before any program
// uses it.
#include "lib/store.h"
#include "lib/store_directory.h"
#include "lib/store_memory.h"
#include "tests/redis_server.h"
#include "tests/scratch.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <functional>
#include <set>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using qs::Store;
using qs::StoreChange;
using qs::StoreResult;

// How a case reaches a backend: a fresh, empty store (owned by the
// fixture), and "several
// writers at once" as the backend means it (processes sharing a directory;
// threads sharing one in-memory store).
struct Backend {
    const char* name;
    std::function<Store&()> fresh;
    // Runs work(i, store) for i < n at once, each with a store of its own
    // that shares the data; true when every worker returned true.
    std::function<bool(int n, const std::function<bool(int, Store&)>& work)> together;
};

struct DirectoryFixture {
    ScratchDir dir;
    std::unique_ptr<Store> store;
    std::string spec() const { return "dir:" + dir.path.string(); }
};

// One real redis-server for the whole run, started by the first case that
// needs it and stopped (by its PID) at exit; each case starts on an
// emptied server.
RedisServer& contract_redis()
{
    static RedisServer server;
    return server;
}

std::unique_ptr<Store> open_contract_redis()
{
    auto& server = contract_redis();
    ::setenv("QSEND_STORE_KEYFILE", server.keyfile().c_str(), 1);
    ::setenv("QSEND_STORE_PASSFILE", server.passfile().c_str(), 1);
    auto s = qs::open_store(server.unix_spec(), "store", "contract");
    if (!s) return nullptr;
    return std::move(*s);
}

std::vector<Backend> backends(DirectoryFixture& fixture, std::unique_ptr<Store>& shared_memory)
{
    Backend directory{
        "directory",
        [&]() -> Store& {
            auto s = qs::open_store(fixture.spec());
            REQUIRE(s);
            fixture.store = std::move(*s);
            return *fixture.store;
        },
        [&](int n, const std::function<bool(int, Store&)>& work) {
            std::vector<pid_t> children;
            for (int i = 0; i < n; ++i) {
                pid_t pid = ::fork();
                if (pid == 0) {
                    auto s = qs::open_store(fixture.spec());
                    ::_exit(s && work(i, **s) ? 0 : 1);
                }
                children.push_back(pid);
            }
            bool all = true;
            for (pid_t pid : children) {
                int status = 0;
                ::waitpid(pid, &status, 0);
                all = all && WIFEXITED(status) && WEXITSTATUS(status) == 0;
            }
            return all;
        }};
    Backend memory{
        "memory",
        [&]() -> Store& {
            shared_memory = qs::open_memory_store();
            return *shared_memory;
        },
        [&](int n, const std::function<bool(int, Store&)>& work) {
            std::vector<std::thread> threads;
            std::vector<char> results(static_cast<size_t>(n), 0);
            for (int i = 0; i < n; ++i)
                threads.emplace_back([&, i] { results[static_cast<size_t>(i)] = work(i, *shared_memory); });
            for (auto& t : threads) t.join();
            for (char r : results)
                if (!r) return false;
            return true;
        }};
    Backend redis{
        "redis",
        [&]() -> Store& {
            REQUIRE(contract_redis().admin("FLUSHALL") == "OK");
            fixture.store = open_contract_redis();
            REQUIRE(fixture.store);
            return *fixture.store;
        },
        [&](int n, const std::function<bool(int, Store&)>& work) {
            std::vector<pid_t> children;
            for (int i = 0; i < n; ++i) {
                pid_t pid = ::fork();
                if (pid == 0) {
                    auto s = open_contract_redis();
                    ::_exit(s && work(i, *s) ? 0 : 1);
                }
                children.push_back(pid);
            }
            bool all = true;
            for (pid_t pid : children) {
                int status = 0;
                ::waitpid(pid, &status, 0);
                all = all && WIFEXITED(status) && WEXITSTATUS(status) == 0;
            }
            return all;
        }};
    return {directory, memory, redis};
}

// Runs a case against every backend, each on an empty store.
void for_each_backend(const std::function<void(Store&, const Backend&)>& run)
{
    for (int b = 0;; ++b) {
        DirectoryFixture fixture;
        std::unique_ptr<Store> shared_memory;
        auto all = backends(fixture, shared_memory);
        if (b == static_cast<int>(all.size())) break;
        INFO("backend: " << all[static_cast<size_t>(b)].name);
        run(all[static_cast<size_t>(b)].fresh(), all[static_cast<size_t>(b)]);
    }
}

std::string bytes(std::initializer_list<int> list)
{
    std::string s;
    for (int c : list) s += static_cast<char>(c);
    return s;
}

// Keys chosen to break a backend that maps keys onto names: the longest
// key of escaped bytes, NULs, path syntax, hidden-file and escape syntax.
std::vector<std::string> awkward_keys()
{
    std::vector<std::string> keys = {
        std::string(200, '!'), std::string(200, '\0'), std::string(200, '\xff'), std::string(200, '/'),
        std::string(200, 'a'), std::string(199, 'a') + "!", ".", "..", ".lock", ".tmp.1.2.3.4", "#abc",
        "%41", "A", "a/b", "../../etc/passwd", bytes({0, 1, 2, '\n', 0x7f, 0x80}), "10:x", "pair 1.2.3.4 user",
    };
    std::string all_bytes;
    for (int c = 1; c < 256; ++c) all_bytes += static_cast<char>(c);
    keys.push_back(all_bytes.substr(0, 200));
    keys.push_back(all_bytes.substr(55));
    return keys;
}

} // namespace

TEST_CASE("store contract: get, put and remove say ok, absent or fault")
{
    for_each_backend([](Store& s, const Backend&) {
        std::string v = "untouched";
        CHECK(s.get("k", v) == StoreResult::absent);
        CHECK(v == "untouched");
        CHECK(s.remove("k") == StoreResult::absent);
        CHECK(s.put("k", "one") == StoreResult::ok);
        CHECK(s.get("k", v) == StoreResult::ok);
        CHECK(v == "one");
        CHECK(s.put("k", "two") == StoreResult::ok);
        CHECK(s.get("k", v) == StoreResult::ok);
        CHECK(v == "two");
        CHECK(s.remove("k") == StoreResult::ok);
        CHECK(s.get("k", v) == StoreResult::absent);
    });
}

TEST_CASE("store contract: any bytes up to 200 make a key, each its own")
{
    for_each_backend([](Store& s, const Backend&) {
        auto keys = awkward_keys();
        for (size_t i = 0; i < keys.size(); ++i) {
            INFO("key " << i << " of " << keys[i].size() << " bytes");
            CHECK(s.put(keys[i], "value " + std::to_string(i)) == StoreResult::ok);
        }
        for (size_t i = 0; i < keys.size(); ++i) {
            std::string v;
            INFO("key " << i);
            REQUIRE(s.get(keys[i], v) == StoreResult::ok);
            CHECK(v == "value " + std::to_string(i));
        }
        std::set<std::string> seen;
        CHECK(s.scan([&](std::string_view k, std::string_view) { seen.insert(std::string(k)); }) ==
              StoreResult::ok);
        CHECK(seen == std::set<std::string>(keys.begin(), keys.end()));
        for (const auto& k : keys) CHECK(s.remove(k) == StoreResult::ok);
        seen.clear();
        CHECK(s.scan([&](std::string_view k, std::string_view) { seen.insert(std::string(k)); }) ==
              StoreResult::ok);
        CHECK(seen.empty());
    });
}

TEST_CASE("store contract: empty and 201-byte keys and 4097-byte values are faults")
{
    for_each_backend([](Store& s, const Backend&) {
        std::string v;
        CHECK(s.put("", "x") == StoreResult::fault);
        CHECK_FALSE(s.error().empty());
        CHECK(s.put(std::string(201, 'a'), "x") == StoreResult::fault);
        CHECK(s.get(std::string(201, 'a'), v) == StoreResult::fault);
        CHECK(s.remove(std::string(201, '!')) == StoreResult::fault);
        CHECK(s.put("k", std::string(4096, '\0')) == StoreResult::ok);
        CHECK(s.get("k", v) == StoreResult::ok);
        CHECK(v == std::string(4096, '\0'));
        CHECK(s.put("k", std::string(4097, 'x')) == StoreResult::fault);
        CHECK(s.get("k", v) == StoreResult::ok);
        CHECK(v.size() == 4096);  // the refused write changed nothing
        CHECK(s.put("empty", "") == StoreResult::ok);
        CHECK(s.get("empty", v) == StoreResult::ok);
        CHECK(v.empty());
    });
}

TEST_CASE("store contract: update keeps, replaces or erases what it is shown")
{
    for_each_backend([](Store& s, const Backend&) {
        auto keep = [](const std::string*) { return StoreChange{}; };
        CHECK(s.update("k", keep) == StoreResult::absent);
        CHECK(s.update("k", [](const std::string* cur) {
            CHECK(cur == nullptr);
            return StoreChange{StoreChange::erase, {}};
        }) == StoreResult::absent);
        CHECK(s.update("k", [](const std::string* cur) {
            return StoreChange{StoreChange::replace, cur ? *cur + "+" : "first"};
        }) == StoreResult::ok);
        CHECK(s.update("k", [](const std::string* cur) {
            REQUIRE(cur != nullptr);
            return StoreChange{StoreChange::replace, *cur + "+"};
        }) == StoreResult::ok);
        std::string v;
        CHECK(s.get("k", v) == StoreResult::ok);
        CHECK(v == "first+");
        CHECK(s.update("k", keep) == StoreResult::ok);
        CHECK(s.update("k", [](const std::string*) {
            return StoreChange{StoreChange::replace, std::string(4097, 'x')};
        }) == StoreResult::fault);
        CHECK(s.get("k", v) == StoreResult::ok);
        CHECK(v == "first+");
        CHECK(s.update("k", [](const std::string*) { return StoreChange{StoreChange::erase, {}}; }) ==
              StoreResult::ok);
        CHECK(s.get("k", v) == StoreResult::absent);
        // a key the directory store names by its hash behaves the same
        std::string long_key(200, '!');
        CHECK(s.update(long_key, [](const std::string*) { return StoreChange{StoreChange::replace, "h"}; }) ==
              StoreResult::ok);
        CHECK(s.get(long_key, v) == StoreResult::ok);
        CHECK(v == "h");
    });
}

TEST_CASE("store contract: concurrent updates are never lost")
{
    for_each_backend([](Store& s, const Backend& b) {
        constexpr int writers = 6, rounds = 40;
        auto increment = [](const std::string* cur) {
            long n = cur ? std::stol(*cur) : 0;
            return StoreChange{StoreChange::replace, std::to_string(n + 1)};
        };
        bool all = b.together(writers, [&](int, Store& mine) {
            for (int r = 0; r < rounds; ++r)
                if (mine.update("counter", increment) != StoreResult::ok) return false;
            return true;
        });
        CHECK(all);
        std::string v;
        REQUIRE(s.get("counter", v) == StoreResult::ok);
        CHECK(v == std::to_string(writers * rounds));
    });
}

TEST_CASE("store contract: a reader never sees a torn value")
{
    for_each_backend([](Store& s, const Backend& b) {
        const std::string a(4096, 'a'), z(4096, 'z');
        REQUIRE(s.put("k", a) == StoreResult::ok);
        bool all = b.together(2, [&](int i, Store& mine) {
            for (int r = 0; r < 150; ++r) {
                if (i == 0) {
                    if (mine.put("k", r % 2 ? a : z) != StoreResult::ok) return false;
                } else {
                    std::string v;
                    if (mine.get("k", v) != StoreResult::ok || (v != a && v != z)) return false;
                }
            }
            return true;
        });
        CHECK(all);
    });
}

TEST_CASE("store contract: sweeping leftovers never touches entries")
{
    for_each_backend([](Store& s, const Backend&) {
        REQUIRE(s.put("kept", "v") == StoreResult::ok);
        REQUIRE(s.put(std::string(200, '!'), "w") == StoreResult::ok);
        CHECK(s.sweep_leftovers(0) == StoreResult::ok);
        std::string v;
        CHECK(s.get("kept", v) == StoreResult::ok);
        CHECK(s.get(std::string(200, '!'), v) == StoreResult::ok);
    });
}
