// libFuzzer target: the users cdb read by smtp-auth-checkpassword when the
// file is hostile (truncated, corrupt, lying about its lengths):
// UserDb::open's sanity checks, then one find, as a login does.
#include "smtp-auth-checkpassword/userdb.h"
#include "tests/fuzz/input.h"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static fuzz::MemFile file;
    std::string path = file.hold(fuzz::text(data, size));
    qs::auth::UserDb db;
    if (!db.open(path)) return 0;
    std::string fields;
    db.find("alice", fields);
    return 0;
}
