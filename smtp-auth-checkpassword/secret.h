// Bytes that must not outlive their use: passwords, digests, HMAC
// contexts. Wiped (in a way the compiler cannot elide) on destruction.
#ifndef QSEND_AUTH_SECRET_H
#define QSEND_AUTH_SECRET_H

#include <openssl/crypto.h>
#include <string>

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
        if (!s_.empty()) OPENSSL_cleanse(s_.data(), s_.size());
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

// Equal bytes, in time that depends only on the lengths.
bool same_bytes(std::string_view a, std::string_view b);

} // namespace qs::auth

#endif
