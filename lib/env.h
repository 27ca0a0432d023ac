// Configuration from the environment, as envdir and tcprules set it.
#ifndef QSEND_LIB_ENV_H
#define QSEND_LIB_ENV_H

#include <optional>
#include <string_view>

namespace qs::env {

// The variable's value, or nullopt when it is not set (set but empty is "").
std::optional<std::string_view> get(const char* name);
// A non-negative decimal number; fallback when unset or empty. nullopt when
// the value is malformed or out of range (the caller logs and decides).
std::optional<unsigned long> number(const char* name, unsigned long fallback,
                                    unsigned long max = 0xffffffffUL);

} // namespace qs::env

#endif
