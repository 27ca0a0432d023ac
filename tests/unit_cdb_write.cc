// lib/cdb_write: the output is byte for byte what libowfat's cdb_make
// writes (the format tcprules and qmail read), the heap does not grow from
// one build to the next (libowfat's cdb_make_finish frees none of its
// lists), and the users cdb reader bounds every record length it reads.
#include "lib/cdb_write.h"
#include "lib/fd.h"
#include "lib/owfat.h"
#include "tests/cdb_make_free.h"
#include "smtp-auth-checkpassword/userdb.h"

#include "tests/scratch.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <malloc.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace {

std::string slurp(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The reference: libowfat's cdb_make on the same records (what it leaks is
// freed by free_cdb_make).
std::string with_libowfat(const std::string& path, const std::vector<qs::CdbRecord>& records)
{
    qs::Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    REQUIRE(fd);
    auto maker = std::make_unique<struct cdb_make>();
    REQUIRE(cdb_make_start(maker.get(), fd.get()) != -1);
    for (const auto& r : records)
        REQUIRE(cdb_make_add(maker.get(), reinterpret_cast<const unsigned char*>(r.key.data()), r.key.size(),
                             reinterpret_cast<const unsigned char*>(r.value.data()), r.value.size()) == 0);
    REQUIRE(cdb_make_finish(maker.get()) == 0);
    free_cdb_make(*maker);
    fd.reset();
    return slurp(path);
}

std::string with_ours(const std::string& dir, const std::vector<qs::CdbRecord>& records)
{
    std::string cdb = dir + "/ours.cdb", tmp = dir + "/ours.tmp", error;
    REQUIRE_MESSAGE(qs::write_cdb_atomically(cdb, tmp, records, error), error);
    return slurp(cdb);
}

struct Records {
    std::vector<std::string> storage;
    std::vector<qs::CdbRecord> list;
    void add(std::string key, std::string value)
    {
        storage.push_back(std::move(key));
        storage.push_back(std::move(value));
    }
    const std::vector<qs::CdbRecord>& views()
    {
        list.clear();
        for (size_t i = 0; i < storage.size(); i += 2) list.push_back({storage[i], storage[i + 1]});
        return list;
    }
};

// Bytes malloc has handed out: from the heap, and mapped for large blocks.
size_t heap_in_use()
{
    struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}

void put_le32(std::string& s, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; ++i) s[at + static_cast<size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
}

} // namespace

TEST_CASE("the cdb writer's output is byte-identical to libowfat's cdb_make")
{
    ScratchDir s;
    const std::string dir = s.path.string(), ref = dir + "/ref.cdb";
    SUBCASE("no records")
    {
        Records r;
        CHECK(with_ours(dir, r.views()) == with_libowfat(ref, r.views()));
        CHECK(slurp(dir + "/ours.cdb").size() == 2048);
    }
    SUBCASE("one record, empty key and value, duplicates")
    {
        Records r;
        r.add("key", "value");
        r.add("", "");
        r.add("key", "second");
        r.add("", "x");
        CHECK(with_ours(dir, r.views()) == with_libowfat(ref, r.views()));
    }
    SUBCASE("thousands of records: several of libowfat's 1000-entry blocks, full buckets, probing")
    {
        Records r;
        for (int i = 0; i < 4321; ++i) r.add("user" + std::to_string(i) + "@example.com", "{PLAIN}p" + std::to_string(i * 7));
        for (int i = 0; i < 300; ++i) r.add(std::string(1, static_cast<char>(i & 0xff)), std::to_string(i));
        CHECK(with_ours(dir, r.views()) == with_libowfat(ref, r.views()));
    }
    SUBCASE("records larger than any write buffer")
    {
        Records r;
        r.add("big", std::string(300000, 'b'));
        r.add(std::string(70000, 'k'), "v");
        r.add("small", "s");
        CHECK(with_ours(dir, r.views()) == with_libowfat(ref, r.views()));
    }
}

TEST_CASE("building a cdb again and again does not grow the heap")
{
    ScratchDir s;
    const std::string cdb = (s.path / "loop.cdb").string(), tmp = (s.path / "loop.tmp").string();
    Records r;
    for (int i = 0; i < 1500; ++i) r.add("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256), "+RELAYCLIENT=");
    const auto& records = r.views();
    std::string error;
    auto build = [&](int times) {
        for (int i = 0; i < times; ++i)
            if (!qs::write_cdb_atomically(cdb, tmp, records, error)) return false;
        return true;
    };
    REQUIRE_MESSAGE(build(100), error);
    const size_t after_100 = heap_in_use();
    REQUIRE_MESSAGE(build(1900), error);
    const size_t after_2000 = heap_in_use();
    MESSAGE("heap in use after 100 builds: " << after_100 << " bytes, after 2000: " << after_2000 << " bytes");
    CHECK(after_2000 <= after_100 + 16384);
}

TEST_CASE("the users cdb reader bounds record lengths by the file and by the maximum record size")
{
    ScratchDir s;
    const std::string dir = s.path.string();
    using qs::auth::LookupResult;
    using qs::auth::max_record_size;
    static_assert(max_record_size == 65536, "the maximum documented in smtp-auth-checkpassword.8 and smtp-auth-mkdb.8");
    auto build = [&](const std::string& name, const std::string& value) {
        std::string path = dir + "/" + name, error;
        REQUIRE_MESSAGE(qs::write_cdb_atomically(path, path + ".tmp", {{"alice", value}}, error), error);
        return path;
    };
    std::string fields;
    {
        // the largest record allowed is read back whole
        std::string value = "{PLAIN}secret::::::" + std::string(max_record_size - 19, 'x');
        REQUIRE(value.size() == max_record_size);
        qs::auth::UserDb db;
        REQUIRE(db.open(build("max.cdb", value)));
        CHECK(db.find("alice", fields) == LookupResult::found);
        CHECK(fields == value);
    }
    {
        // one byte more, present in the file: refused, not read
        std::string path = build("over.cdb", "{PLAIN}secret::::::" + std::string(max_record_size - 18, 'x'));
        qs::auth::UserDb db;
        REQUIRE(db.open(path));
        CHECK(db.find("alice", fields) == LookupResult::fault);
        CHECK(db.error().find("corrupt") != std::string::npos);
        CHECK(db.error().find('\n') == std::string::npos);
    }
    {
        // a length beyond the end of the file: a fault, nothing allocated
        // for it (tests/e2e-cdb-tmp.sh tries 4 GiB under ulimit -v)
        std::string path = build("huge.cdb", "{PLAIN}secret");
        std::string bytes = slurp(path);
        put_le32(bytes, 2048 + 4, 1u << 20);
        std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
        qs::auth::UserDb db;
        REQUIRE(db.open(path));
        const size_t before = heap_in_use();
        std::string untouched;
        CHECK(db.find("alice", untouched) == LookupResult::fault);
        CHECK(heap_in_use() < before + 4096);
        CHECK(untouched.capacity() < 4096);
        CHECK(db.error().find("corrupt") != std::string::npos);
    }
}
