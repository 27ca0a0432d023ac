// ASCII case, independent of the locale (protocol keywords, domains,
// header names, mechanism names).
#ifndef QSEND_LIB_ASCII_H
#define QSEND_LIB_ASCII_H

#include <string>
#include <string_view>

namespace qs::ascii {

constexpr char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
constexpr char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

inline std::string lowered(std::string_view s)
{
    std::string out(s);
    for (char& c : out) c = lower(c);
    return out;
}

inline std::string uppered(std::string_view s)
{
    std::string out(s);
    for (char& c : out) c = upper(c);
    return out;
}

constexpr bool iequals(std::string_view a, std::string_view b)
{
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

constexpr bool istarts_with(std::string_view s, std::string_view prefix)
{
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

} // namespace qs::ascii

#endif
