// lib/tcprules: the keys tcpserver -x tries for an address, in its order,
// and the first matching record of a cdb, as relaylock-rules and
// proxy-remoteip both apply them.
#include "lib/tcprules.h"

#include "lib/cdb_write.h"
#include "lib/fd.h"

#include "tests/scratch.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <string>
#include <vector>

using qs::tcprules::rule_keys;
using namespace std::string_literals;

namespace {

// A cdb of records written as tcprules writes them, opened for reading.
qs::Fd rules_cdb(const ScratchDir& dir, const std::vector<qs::CdbRecord>& records)
{
    std::string cdb = (dir.path / "rules.cdb").string(), tmp = (dir.path / "rules.tmp").string();
    std::string error;
    REQUIRE(qs::write_cdb_atomically(cdb, tmp, records, error));
    qs::Fd fd(::open(cdb.c_str(), O_RDONLY | O_CLOEXEC));
    REQUIRE(fd);
    return fd;
}

std::optional<std::string> found(int fd, std::string_view ip, size_t max_data = 65536)
{
    auto rule = qs::tcprules::find_rule(fd, ip, max_data, "RULES");
    REQUIRE(rule.ok());
    return *rule;
}

} // namespace

TEST_CASE("tcprules keys: the exact address, shorter prefixes ending in . or :, then the default")
{
    CHECK(rule_keys("192.0.2.7") == std::vector<std::string>{"192.0.2.7", "192.0.2.", "192.0.", "192.", ""});
    CHECK(rule_keys("2001:db8::7") ==
          std::vector<std::string>{"2001:db8::7", "2001:db8::", "2001:db8:", "2001:", ""});
    CHECK(rule_keys("::ffff:192.0.2.7") == std::vector<std::string>{"::ffff:192.0.2.7", "::ffff:192.0.2.",
                                                                     "::ffff:192.0.", "::ffff:192.", "::ffff:",
                                                                     "::", ":", ""});
    // an address ending in ':' is not tried twice; the default only once
    CHECK(rule_keys("2001:db8::") == std::vector<std::string>{"2001:db8::", "2001:db8:", "2001:", ""});
    CHECK(rule_keys("") == std::vector<std::string>{""});
}

TEST_CASE("tcprules keys: trying stops at the first key found")
{
    std::vector<std::string> tried;
    bool any = qs::tcprules::try_keys("10.1.2.3", [&](std::string_view key) {
        tried.emplace_back(key);
        return key == "10.1.";
    });
    CHECK(any);
    CHECK(tried == std::vector<std::string>{"10.1.2.3", "10.1.2.", "10.1."});
    CHECK_FALSE(qs::tcprules::try_keys("10.1.2.3", [](std::string_view) { return false; }));
}

TEST_CASE("tcprules cdb: the first matching record is the one tcpserver uses")
{
    ScratchDir dir;
    const std::string exact = "+WHO=exact\0"s, net = "+WHO=net\0"s, deny = "D\0"s, fallback = "+WHO=default\0"s;
    qs::Fd fd = rules_cdb(dir, {{"192.0.2.7", exact}, {"192.0.2.", net}, {"198.51.100.", deny}, {"", fallback}});
    CHECK(found(fd.get(), "192.0.2.7") == exact);
    CHECK(found(fd.get(), "192.0.2.8") == net);
    CHECK(found(fd.get(), "198.51.100.1") == deny);
    CHECK(found(fd.get(), "203.0.113.1") == fallback);

    ScratchDir other;
    qs::Fd no_default = rules_cdb(other, {{"192.0.2.", net}});
    CHECK(found(no_default.get(), "192.0.2.9") == net);
    CHECK_FALSE(found(no_default.get(), "203.0.113.1").has_value());
}

TEST_CASE("tcprules cdb: oversized records and read errors are faults naming the cdb")
{
    ScratchDir dir;
    const std::string big(100, 'x');
    qs::Fd fd = rules_cdb(dir, {{"192.0.2.7", big}});
    CHECK(found(fd.get(), "192.0.2.7", big.size()) == big);
    auto oversized = qs::tcprules::find_rule(fd.get(), "192.0.2.7", big.size() - 1, "RULES /x.cdb");
    REQUIRE_FALSE(oversized.ok());
    CHECK(oversized.fault().text == "RULES /x.cdb holds an oversized record");
    CHECK(oversized.fault().exit_code == qs::Fault::temporary);

    qs::Fd directory(::open(dir.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(directory);
    auto unreadable = qs::tcprules::find_rule(directory.get(), "192.0.2.7", 65536, "RULES /x.cdb");
    REQUIRE_FALSE(unreadable.ok());
    CHECK(unreadable.fault().text.starts_with("unable to read RULES /x.cdb: "));
}
