// libFuzzer target: relaylock's decode_lock, a lock entry read back from
// the store (the input is KEY NUL VALUE). Property: a decoded lock is
// exactly what encode_lock writes for it.
#include "relaylock/locks.h"
#include "tests/fuzz/input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    auto parts = fuzz::split(fuzz::text(data, size), '\0', 2);
    if (parts.size() < 2) return 0;
    auto lock = qs::relaylock::decode_lock(parts[0], parts[1]);
    if (!lock) return 0;
    fuzz::require(qs::relaylock::encode_lock(lock->login, lock->user) == parts[1]);
    return 0;
}
