#include "lib/env.h"

#include <charconv>
#include <cstdlib>

namespace qs::env {

std::optional<std::string_view> get(const char* name)
{
    const char* v = std::getenv(name);
    if (!v) return std::nullopt;
    return std::string_view(v);
}

std::optional<unsigned long> number(const char* name, unsigned long fallback, unsigned long max)
{
    auto v = get(name);
    if (!v || v->empty()) return fallback;
    unsigned long n = 0;
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc() || end != v->data() + v->size() || n > max) return std::nullopt;
    return n;
}

} // namespace qs::env
