// An in-memory backend of lib/store.h, for one process: the second
// implementation that tests/unit_store_contract.cc holds to the contract,
// so that the cases are known to describe the interface and not the
// directory store. No program chooses it (open_store has no spec for it).
#ifndef QSEND_LIB_STORE_MEMORY_H
#define QSEND_LIB_STORE_MEMORY_H

#include "lib/store.h"

#include <memory>

namespace qs {

std::unique_ptr<Store> open_memory_store();

} // namespace qs

#endif
