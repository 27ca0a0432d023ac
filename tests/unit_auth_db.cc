// The users file, the users cdb, smtp-auth-mkdb and the atomic cdb writer.
#include "lib/cdb_write.h"
#include "smtp-auth-checkpassword/mkdb.h"
#include "smtp-auth-checkpassword/userdb.h"

#include "tests/scratch.h"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>

using namespace qs::auth;
namespace fs = std::filesystem;


TEST_CASE("users-file records")
{
    auto r = parse_record("{PLAIN}secret:1001:1002:Alice:/home/alice:/bin/sh:nologin quota=1");
    REQUIRE(r);
    CHECK(r->secret == "{PLAIN}secret");
    CHECK(*r->uid == 1001);
    CHECK(*r->gid == 1002);
    CHECK(r->home == "/home/alice");
    CHECK(r->shell == "/bin/sh");
    CHECK(r->nologin);
    CHECK(r->has_identity());
    r = parse_record("{PLAIN}secret");
    REQUIRE(r);
    CHECK_FALSE(r->uid);
    CHECK_FALSE(r->has_identity());
    CHECK_FALSE(r->nologin);
    CHECK(parse_record("{PLAIN}x::::::userdb_quota_rule=*:storage=1G"));
    CHECK_FALSE(parse_record("{PLAIN}x:abc:1"));
    CHECK_FALSE(parse_record("{PLAIN}x:1:-1"));
    CHECK_FALSE(parse_record("{CRAM-MD5}00"));
}

TEST_CASE("user names: the domain part ignores case, an optional default domain")
{
    CHECK(normalise_user("Alice@Example.COM", "") == "Alice@example.com");
    CHECK(normalise_user("alice", "") == "alice");
    CHECK(normalise_user("alice", "Example.Org") == "alice@example.org");
    CHECK(normalise_user("alice@example.com", "example.org") == "alice@example.com");
    CHECK(valid_user_name("alice@example.com"));
    CHECK_FALSE(valid_user_name(""));
    CHECK_FALSE(valid_user_name("al ice"));
    CHECK_FALSE(valid_user_name("al:ice"));
    CHECK_FALSE(valid_user_name(std::string(256, 'a')));
}

TEST_CASE("smtp-auth-mkdb names every bad and duplicate line")
{
    std::vector<qs::CdbRecord> records;
    std::vector<std::string> errors;
    std::deque<std::string> storage;
    compile_users("# comment\n\nalice:{PLAIN}a\nbob:{SSHA}x\nAlice@Example.com:{PLAIN}b\nAlice@example.COM:{PLAIN}c\n"
                  "carol\nalice:{PLAIN}d\ndave:{PLAIN}e:x:1\n",
                  MkdbOptions{}, records, storage, errors);
    REQUIRE(errors.size() == 5);
    CHECK(errors[0] == "line 4: unsupported scheme");
    CHECK(errors[1] == "line 7: no secret field");
    CHECK(errors[2] == "line 9: uid is not a number");
    CHECK(errors[3] == "line 6: duplicate user (also on line 5)");
    CHECK(errors[4] == "line 8: duplicate user (also on line 3)");
    records.clear();
    errors.clear();
    compile_users("alice:{PLAIN}a:1:2::/home/a::\nBob@EXAMPLE.com:$6$s$h", MkdbOptions{}, records, storage, errors);
    CHECK(errors.empty());
    REQUIRE(records.size() == 2);
    CHECK(records[0].key == "alice");
    CHECK(records[0].value == "{PLAIN}a:1:2::/home/a::");
    CHECK(records[1].key == "Bob@example.com");
}

TEST_CASE("smtp-auth-mkdb -v reads vpopmail's vpasswd")
{
    std::vector<qs::CdbRecord> records;
    std::deque<std::string> storage;
    std::vector<std::string> errors;
    MkdbOptions o;
    o.vpasswd = true;
    o.domain = "Example.com";
    o.ids = "89:89";
    compile_users("alice:$6$s$h:1:0:Alice:/home/vpopmail/domains/example.com/alice:NOQUOTA:secret\n"
                  "bob:$6$s$h:1:2048:Bob:/home/vpopmail/domains/example.com/bob:NOQUOTA\n"
                  "carol:x:y\n",
                  o, records, storage, errors);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].starts_with("line 3:"));
    REQUIRE(records.size() == 2);
    CHECK(records[0].key == "alice@example.com");
    auto a = parse_record(records[0].value);
    REQUIRE(a);
    CHECK(a->secret == "$6$s$h");
    CHECK(*a->uid == 89);
    CHECK(a->home == "/home/vpopmail/domains/example.com/alice");
    CHECK_FALSE(a->nologin);
    auto b = parse_record(records[1].value);
    REQUIRE(b);
    CHECK(b->nologin);  // vpopmail's NO_SMTP
    o.vpasswd_clear = true;
    o.ids.clear();
    records.clear();
    compile_users("alice:$6$s$h:1:0:Alice:/home/a:NOQUOTA:secret\n", o, records, storage, errors);
    REQUIRE(records.size() == 1);
    a = parse_record(records[0].value);
    REQUIRE(a);
    CHECK(a->secret == "{CRAM-MD5}cd3ba7deaad6e5ca23448ba42e379747a9e0f7f1fbc00c8a81bbaac395731b56");
    CHECK_FALSE(a->uid);
}

TEST_CASE("the cdb is replaced atomically and read with one probe; damage is a fault")
{
    ScratchDir s;
    std::string cdb = s.path / "users.cdb", tmp = s.path / "users.tmp", error;
    std::vector<qs::CdbRecord> records;
    std::deque<std::string> storage;
    for (int i = 0; i < 1000; ++i)
        records.push_back({storage.emplace_back("user" + std::to_string(i)), storage.emplace_back("{PLAIN}p" + std::to_string(i))});
    REQUIRE(qs::write_cdb_atomically(cdb, tmp, records, error, 0640));
    CHECK_FALSE(fs::exists(tmp));
    CHECK((fs::status(cdb).permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read));
    UserDb db;
    REQUIRE(db.open(cdb));
    std::string fields;
    CHECK(db.find("user999", fields) == LookupResult::found);
    CHECK(fields == "{PLAIN}p999");
    CHECK(db.find("user1000", fields) == LookupResult::absent);

    // a failed write leaves the old file
    CHECK_FALSE(qs::write_cdb_atomically(cdb, (s.path / "no/such/dir").string(), records, error));
    CHECK(error.find("unable to create") != std::string::npos);
    UserDb again;
    CHECK(again.open(cdb));

    // truncated, empty, garbage, missing: all faults
    auto size = fs::file_size(cdb);
    fs::copy_file(cdb, s.path / "cut.cdb");
    fs::resize_file(s.path / "cut.cdb", size - 1);
    UserDb cut;
    CHECK_FALSE(cut.open(s.path / "cut.cdb"));
    std::ofstream(s.path / "garbage.cdb") << std::string(4096, 'x');
    UserDb garbage;
    CHECK_FALSE(garbage.open(s.path / "garbage.cdb"));
    std::ofstream(s.path / "empty.cdb");
    UserDb empty;
    CHECK_FALSE(empty.open(s.path / "empty.cdb"));
    UserDb missing;
    CHECK_FALSE(missing.open(s.path / "missing.cdb"));
    CHECK(missing.error().find("No such file") != std::string::npos);
}

TEST_CASE("the refusal floor: a record under a key no user can have, read back as written")
{
    CHECK(refusal_floor_key.size() == 14);
    CHECK(refusal_floor_key[0] == '\0');
    CHECK_FALSE(valid_user_name(refusal_floor_key));
    CHECK(valid_user_name(refusal_floor_key.substr(1)));  // the readable tail is an ordinary name
    // a users file cannot name a user like it
    std::vector<qs::CdbRecord> records;
    std::deque<std::string> storage;
    std::vector<std::string> errors;
    compile_users(std::string(refusal_floor_key) + ":{PLAIN}x\n", {}, records, storage, errors);
    CHECK_FALSE(errors.empty());

    RefusalFloor f{123456, "$2b$10$cojQauQUvRSRJeNmjNiMn.rTXK2BmI6b3pLSKOWU7A1MNMeRITuGe"};
    auto back = decode_refusal_floor(encode_refusal_floor(f));
    REQUIRE(back);
    CHECK(back->micros == f.micros);
    CHECK(back->hash == f.hash);
    CHECK_FALSE(decode_refusal_floor(""));
    CHECK_FALSE(decode_refusal_floor("12:"));
    CHECK_FALSE(decode_refusal_floor(":$y$x"));
    CHECK_FALSE(decode_refusal_floor("12x:$y$x"));
    CHECK_FALSE(decode_refusal_floor("99999999999:$y$x"));

    // mkdb: the floor is the costliest setting's, and its hash has that setting
    ScratchDir s;
    std::vector<qs::CdbRecord> users = {{"a", "{PLAIN}x"}, {"b", "$5$rounds=200000$saltsaltsalt$ignored"}};
    RefusalFloor m = measure_refusal_floor(users);
    CHECK(m.micros > 0);
    CHECK(m.hash.starts_with("$5$rounds=200000$saltsaltsalt$"));
    std::vector<qs::CdbRecord> plain = {{"a", "{PLAIN}x"}};
    CHECK(measure_refusal_floor(plain).hash.starts_with("$y$j9T$"));  // the dummy's when nothing costs more

    // the database holds it; a probe for the readable tail finds nothing
    std::string value = encode_refusal_floor(m), cdb = s.path / "f.cdb", tmp = s.path / "f.tmp", error;
    users.push_back({refusal_floor_key, value});
    REQUIRE(qs::write_cdb_atomically(cdb, tmp, users, error));
    UserDb db;
    REQUIRE(db.open(cdb));
    std::string fields;
    REQUIRE(db.find(refusal_floor_key, fields) == LookupResult::found);
    CHECK(decode_refusal_floor(fields)->hash == m.hash);
    CHECK(db.find(refusal_floor_key.substr(1), fields) == LookupResult::absent);
}

TEST_CASE("the refusal pad: a deadline after a start, slept to")
{
    struct timespec start = {10, 999'500'000};
    struct timespec d = deadline_after(start, 1'500'250);
    CHECK(d.tv_sec == 12);
    CHECK(d.tv_nsec == 499'750'000);
    d = deadline_after(start, 0);
    CHECK(d.tv_sec == 10);
    CHECK(d.tv_nsec == 999'500'000);

    struct timespec a, b;
    ::clock_gettime(CLOCK_MONOTONIC, &a);
    sleep_until(deadline_after(a, 20'000));
    ::clock_gettime(CLOCK_MONOTONIC, &b);
    double waited = (b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3;
    CHECK(waited >= 20'000);
    // a deadline already past returns at once
    ::clock_gettime(CLOCK_MONOTONIC, &a);
    sleep_until(deadline_after({a.tv_sec - 5, a.tv_nsec}, 0));
    ::clock_gettime(CLOCK_MONOTONIC, &b);
    CHECK((b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3 < 1'000'000);
}
