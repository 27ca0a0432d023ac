// libFuzzer target: smtp-auth-mkdb's compile_users, the users-file line
// parser (Dovecot passwd-file, or vpopmail's vpasswd). The first byte
// picks the options (-v, -c, -d, -u); the rest is the users file.
// Property: without errors, every record has a value the
// checker's record decoder (parse_record) accepts.
#include "smtp-auth-checkpassword/mkdb.h"
#include "smtp-auth-checkpassword/userdb.h"
#include "tests/fuzz/input.h"

#include <deque>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size == 0) return 0;
    qs::auth::MkdbOptions options;
    options.vpasswd = data[0] & 1;
    options.vpasswd_clear = options.vpasswd && (data[0] & 2);
    if (data[0] & 4) options.domain = "example.com";
    if (options.vpasswd && (data[0] & 8)) options.ids = "89:89";
    std::vector<qs::CdbRecord> records;
    std::deque<std::string> storage;
    std::vector<std::string> errors, warnings;
    qs::auth::compile_users(fuzz::text(data + 1, size - 1), options, records, storage, errors, &warnings);
    if (!errors.empty()) return 0;
    for (const auto& rec : records) fuzz::require(qs::auth::parse_record(rec.value).ok());
    return 0;
}
