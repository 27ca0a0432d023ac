// Bytes that must not outlive their use: passwords, digests, HMAC
// contexts. Wiped (in a way the compiler cannot elide) on destruction.
#ifndef QSEND_AUTH_SECRET_H
#define QSEND_AUTH_SECRET_H

#include "lib/digest.h"

#include <string>
#include <string_view>

namespace qs::auth {

class Secret {
public:
    Secret() = default;
    explicit Secret(std::string_view bytes) : s_(bytes) {}
    Secret(const Secret&) = delete;
    Secret& operator=(const Secret&) = delete;
    ~Secret() { wipe(); }
    void wipe()
    {
        if (!s_.empty()) digest::wipe(s_.data(), s_.size());
        s_.clear();
    }
    void assign(std::string_view bytes)
    {
        wipe();
        s_.reserve(bytes.size());
        s_.assign(bytes);
    }
    std::string& str() { return s_; }
    std::string_view view() const { return s_; }

private:
    std::string s_;
};

} // namespace qs::auth

#endif
