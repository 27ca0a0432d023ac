#include "lib/store_directory.h"
#include "tests/scratch.h"

#include <doctest/doctest.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <chrono>
#include <map>
#include <sys/stat.h>

namespace fs = std::filesystem;


TEST_CASE("file names never leave the store or hide")
{
    CHECK(qs::store_file_name("1.2.3.4") == "1.2.3.4");
    CHECK(qs::store_file_name("2001:db8::/64") == "2001:db8::%2f64");
    CHECK(qs::store_file_name("../etc/passwd") == "%2e.%2fetc%2fpasswd");
    CHECK(qs::store_file_name(".lock") == "%2elock");
    CHECK(qs::store_file_name(std::string_view("a\0b", 3)) == "a%00b");
    CHECK(qs::store_file_name("") == "");
    CHECK(qs::store_file_name(std::string(201, 'a')) == "");
    for (std::string key : {"1.2.3.4", "../x", "user@example.org/1.2.3.4", "%41", "a b\n"}) {
        auto name = qs::store_file_name(key);
        CHECK(name.find('/') == std::string::npos);
        CHECK(name[0] != '.');
        CHECK(qs::store_key_from_file_name(name) == key);
    }
    CHECK_FALSE(qs::store_key_from_file_name("%4"));
    CHECK_FALSE(qs::store_key_from_file_name("%zz"));
    CHECK_FALSE(qs::store_key_from_file_name("%41"));  // not how "A" is written
    CHECK_FALSE(qs::store_key_from_file_name("a b"));
}

TEST_CASE("directory store: put, get, update, remove, scan")
{
    ScratchDir dir;
    auto store = qs::open_directory_store(dir.path.string());
    std::string value;
    CHECK(store->get("1.2.3.4", value) == qs::StoreResult::absent);
    CHECK(store->put("1.2.3.4", "100 alice\n") == qs::StoreResult::ok);
    CHECK(store->get("1.2.3.4", value) == qs::StoreResult::ok);
    CHECK(value == "100 alice\n");
    CHECK(fs::exists(dir.path / "1.2.3.4"));
    CHECK(store->put("../escape", "x") == qs::StoreResult::ok);
    CHECK_FALSE(fs::exists(dir.path.parent_path() / "escape"));

    auto r = store->update("counter", [](const std::string* cur) {
        CHECK(cur == nullptr);
        return qs::StoreChange{qs::StoreChange::replace, "1"};
    });
    CHECK(r == qs::StoreResult::ok);
    r = store->update("counter", [](const std::string* cur) {
        REQUIRE(cur);
        return qs::StoreChange{qs::StoreChange::replace, std::to_string(std::stoi(*cur) + 1)};
    });
    CHECK(store->get("counter", value) == qs::StoreResult::ok);
    CHECK(value == "2");

    std::map<std::string, std::string> seen;
    CHECK(store->scan([&](std::string_view k, std::string_view v) { seen[std::string(k)] = v; }) ==
          qs::StoreResult::ok);
    CHECK(seen.size() == 3);
    CHECK(seen["../escape"] == "x");

    CHECK(store->remove("1.2.3.4") == qs::StoreResult::ok);
    CHECK(store->remove("1.2.3.4") == qs::StoreResult::absent);
    CHECK(store->update("counter", [](const std::string*) { return qs::StoreChange{qs::StoreChange::erase, {}}; }) ==
          qs::StoreResult::ok);
    CHECK(store->get("counter", value) == qs::StoreResult::absent);
}

TEST_CASE("directory store faults are reported, not thrown")
{
    auto missing = qs::open_directory_store("/nonexistent/qsend-store");
    std::string value;
    CHECK(missing->get("1.2.3.4", value) == qs::StoreResult::fault);
    CHECK(missing->put("1.2.3.4", "x") == qs::StoreResult::fault);
    CHECK(missing->error().find("No such file") != std::string::npos);

    ScratchDir dir;
    auto store = qs::open_directory_store(dir.path.string());
    CHECK(store->put("", "x") == qs::StoreResult::fault);
    CHECK(store->put("k", std::string(5000, 'x')) == qs::StoreResult::fault);
    fs::create_directory(dir.path / "adir");
    CHECK(store->get("adir", value) == qs::StoreResult::fault);
}

TEST_CASE("directory store: a key whose name would pass NAME_MAX is named by its hash")
{
    // 100 escaped bytes made a 300-byte name: "File name too long" before
    std::string long_key(100, '!'), other(200, '\xff');
    auto name = qs::store_file_name(long_key);
    CHECK(name.size() == 65);
    CHECK(name[0] == '#');
    CHECK(qs::store_file_name(other) != name);
    CHECK(qs::store_file_name(std::string(85, '!')).size() == 255);  // the longest escaped name
    CHECK(qs::store_file_name(std::string(86, '!'))[0] == '#');
    CHECK_FALSE(qs::store_key_from_file_name(name));

    ScratchDir dir;
    auto store = qs::open_directory_store(dir.path.string());
    REQUIRE(store->put(long_key, "one") == qs::StoreResult::ok);
    REQUIRE(store->put(other, "two") == qs::StoreResult::ok);
    std::ifstream in(dir.path / name, std::ios::binary);
    std::string contents((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(contents == "100:" + long_key + "one");

    // another key's file under this name (a swap by hand, or a collision)
    // is a fault, never the other key's value
    fs::rename(dir.path / qs::store_file_name(other), dir.path / name);
    std::string value;
    CHECK(store->get(long_key, value) == qs::StoreResult::fault);
    CHECK(store->error().find("two keys share the entry") != std::string::npos);
    {
        std::ofstream junk(dir.path / name, std::ios::binary | std::ios::trunc);
        junk << "999:x";
    }
    CHECK(store->get(long_key, value) == qs::StoreResult::fault);
    CHECK(store->error().find("malformed entry") != std::string::npos);
}

TEST_CASE("directory store: sweeping removes old temporary files only")
{
    ScratchDir dir;
    auto store = qs::open_directory_store(dir.path.string());
    REQUIRE(store->put("kept", "v") == qs::StoreResult::ok);
    for (const char* name : {".tmp.1.2.3.4", ".tmp.5.6.7.8"}) std::ofstream(dir.path / name) << "x";
    auto old = fs::last_write_time(dir.path / ".tmp.1.2.3.4") - std::chrono::hours(2);
    fs::last_write_time(dir.path / ".tmp.1.2.3.4", old);
    CHECK(store->sweep_leftovers(3600) == qs::StoreResult::ok);
    CHECK_FALSE(fs::exists(dir.path / ".tmp.1.2.3.4"));
    CHECK(fs::exists(dir.path / ".tmp.5.6.7.8"));
    CHECK(fs::exists(dir.path / "kept"));
}
