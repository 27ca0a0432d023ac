// Resuming a stored MD5 state needs the low-level interface, deprecated in
// OpenSSL 3 but present; it also keeps the provider machinery (and its
// dlopen) out of the static programs. Before any OpenSSL header.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "lib/digest.h"

#include <openssl/crypto.h>
#include <openssl/md5.h>

#include <cstring>

namespace qs::digest {

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

Md5 md5(std::string_view a, std::string_view b)
{
    WipedCtx c;
    MD5_Update(&c.c, a.data(), a.size());
    MD5_Update(&c.c, b.data(), b.size());
    Md5 out;
    MD5_Final(out.data(), &c.c);
    return out;
}

HmacMd5Context hmac_md5_context(std::string_view key)
{
    unsigned char block[64] = {};
    if (key.size() > 64) {
        Md5 d = md5(key);
        std::memcpy(block, d.data(), d.size());
        OPENSSL_cleanse(d.data(), d.size());
    } else {
        std::memcpy(block, key.data(), key.size());
    }
    unsigned char pad[64];
    HmacMd5Context ctx;
    WipedCtx outer, inner;
    for (int i = 0; i < 64; ++i) pad[i] = block[i] ^ 0x5c;
    MD5_Update(&outer.c, pad, 64);
    for (int i = 0; i < 64; ++i) pad[i] = block[i] ^ 0x36;
    MD5_Update(&inner.c, pad, 64);
    save_state(outer.c, ctx.data());
    save_state(inner.c, ctx.data() + 16);
    OPENSSL_cleanse(block, sizeof block);
    OPENSSL_cleanse(pad, sizeof pad);
    return ctx;
}

Md5 hmac_md5(const HmacMd5Context& context, std::string_view message)
{
    WipedCtx outer, inner;
    resume_state(inner.c, context.data() + 16);
    MD5_Update(&inner.c, message.data(), message.size());
    Md5 inner_digest;
    MD5_Final(inner_digest.data(), &inner.c);
    resume_state(outer.c, context.data());
    MD5_Update(&outer.c, inner_digest.data(), inner_digest.size());
    Md5 out;
    MD5_Final(out.data(), &outer.c);
    OPENSSL_cleanse(inner_digest.data(), inner_digest.size());
    return out;
}

Md5 hmac_md5(std::string_view key, std::string_view message)
{
    HmacMd5Context ctx = hmac_md5_context(key);
    Md5 out = hmac_md5(ctx, message);
    OPENSSL_cleanse(ctx.data(), ctx.size());
    return out;
}

bool same_bytes(std::string_view a, std::string_view b)
{
    if (a.size() != b.size()) return false;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool same_bytes(const unsigned char* a, const unsigned char* b, std::size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}

void wipe(void* bytes, std::size_t n) { OPENSSL_cleanse(bytes, n); }

} // namespace qs::digest
