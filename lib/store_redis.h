// The Redis backend of lib/store.h (qsend-store(7)). Only lib/store.cc
// (which chooses backends) and the store's own tests include this header.
#ifndef QSEND_LIB_STORE_REDIS_H
#define QSEND_LIB_STORE_REDIS_H

#include "lib/redis_spec.h"
#include "lib/store.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace qs {

// A store on the first of ENDPOINTS whose ROLE is master, its keys under
// "qsend:SPACE:". Reads QSEND_STORE_KEYFILE, QSEND_STORE_PASSFILE,
// QSEND_STORE_CONNECT_TIMEOUT and QSEND_STORE_TIMEOUT now; connects on the
// first operation (and again after a fault), so a Redis that is down is a
// fault of each operation, never of opening.
std::unique_ptr<Store> open_redis_store(std::vector<RedisEndpoint> endpoints, std::string_view space);

// How a value is kept: "q1 " + hex HMAC-SHA256(key file, len(KEY) ":" KEY
// VALUE) + " " + VALUE, KEY being the whole Redis key. The value of STORED
// when its signature verifies, else false.
std::string redis_signed_value(std::string_view secret, std::string_view redis_key, std::string_view value);
bool redis_verified_value(std::string_view secret, std::string_view redis_key, std::string_view stored,
                          std::string& value);

} // namespace qs

#endif
