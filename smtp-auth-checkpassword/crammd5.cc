// Resuming a stored MD5 state needs the low-level interface, deprecated in
// OpenSSL 3 but present; it also keeps the provider machinery (and its
// dlopen) out of the static programs. Before any OpenSSL header.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "smtp-auth-checkpassword/crammd5.h"

#include "smtp-auth-checkpassword/secret.h"

#include <openssl/md5.h>

#include <cstring>

namespace qs::auth {

namespace {
void put_le(unsigned char* out, MD5_LONG v)
{
    for (int i = 0; i < 4; ++i) out[i] = static_cast<unsigned char>(v >> (8 * i));
}
MD5_LONG get_le(const unsigned char* in)
{
    MD5_LONG v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | in[i];
    return v;
}
void save_state(const MD5_CTX& c, unsigned char* out)
{
    put_le(out, c.A);
    put_le(out + 4, c.B);
    put_le(out + 8, c.C);
    put_le(out + 12, c.D);
}
// An MD5 state that has absorbed exactly one 64-byte block.
void resume_state(MD5_CTX& c, const unsigned char* in)
{
    MD5_Init(&c);
    c.A = get_le(in);
    c.B = get_le(in + 4);
    c.C = get_le(in + 8);
    c.D = get_le(in + 12);
    c.Nl = 512;
    c.Nh = 0;
    c.num = 0;
}
struct WipedCtx {
    MD5_CTX c;
    WipedCtx() { MD5_Init(&c); }
    ~WipedCtx() { OPENSSL_cleanse(&c, sizeof c); }
};
} // namespace

bool same_bytes(std::string_view a, std::string_view b)
{
    if (a.size() != b.size()) return false;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string to_hex(const unsigned char* bytes, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * len);
    for (size_t i = 0; i < len; ++i) {
        out += digits[bytes[i] >> 4];
        out += digits[bytes[i] & 15];
    }
    return out;
}

bool from_hex(std::string_view hex, unsigned char* out, size_t n)
{
    if (hex.size() != 2 * n) return false;
    auto value = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    for (size_t i = 0; i < n; ++i) {
        int hi = value(hex[2 * i]), lo = value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i] = static_cast<unsigned char>(hi << 4 | lo);
    }
    return true;
}

CramContext cram_context(std::string_view password)
{
    unsigned char key[64] = {};
    if (password.size() > 64) {
        Md5Digest d = md5(password);
        std::memcpy(key, d.data(), d.size());
        OPENSSL_cleanse(d.data(), d.size());
    } else {
        std::memcpy(key, password.data(), password.size());
    }
    unsigned char pad[64];
    CramContext ctx;
    WipedCtx outer, inner;
    for (int i = 0; i < 64; ++i) pad[i] = key[i] ^ 0x5c;
    MD5_Update(&outer.c, pad, 64);
    for (int i = 0; i < 64; ++i) pad[i] = key[i] ^ 0x36;
    MD5_Update(&inner.c, pad, 64);
    save_state(outer.c, ctx.data());
    save_state(inner.c, ctx.data() + 16);
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(pad, sizeof pad);
    return ctx;
}

Md5Digest hmac_md5_from_context(const CramContext& ctx, std::string_view message)
{
    WipedCtx outer, inner;
    resume_state(inner.c, ctx.data() + 16);
    MD5_Update(&inner.c, message.data(), message.size());
    Md5Digest inner_digest;
    MD5_Final(inner_digest.data(), &inner.c);
    resume_state(outer.c, ctx.data());
    MD5_Update(&outer.c, inner_digest.data(), inner_digest.size());
    Md5Digest out;
    MD5_Final(out.data(), &outer.c);
    OPENSSL_cleanse(inner_digest.data(), inner_digest.size());
    return out;
}

Md5Digest hmac_md5(std::string_view key, std::string_view message)
{
    CramContext ctx = cram_context(key);
    Md5Digest out = hmac_md5_from_context(ctx, message);
    OPENSSL_cleanse(ctx.data(), ctx.size());
    return out;
}

Md5Digest md5(std::string_view a, std::string_view b)
{
    WipedCtx c;
    MD5_Update(&c.c, a.data(), a.size());
    MD5_Update(&c.c, b.data(), b.size());
    Md5Digest out;
    MD5_Final(out.data(), &c.c);
    return out;
}

} // namespace qs::auth
