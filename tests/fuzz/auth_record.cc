// libFuzzer target: smtp-auth-checkpassword's parse_record, which decodes
// the value of a users-cdb record (the fields after the user name), and
// the client check of its allow_nets.
#include "lib/ipaddr.h"
#include "smtp-auth-checkpassword/userdb.h"
#include "tests/fuzz/input.h"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    auto r = qs::auth::parse_record(fuzz::text(data, size));
    if (!r) return 0;
    static const auto client = qs::parse_address("192.0.2.7");
    r->allowed_from(client);
    r->allowed_from(std::nullopt);
    return 0;
}
