#include "smtp-auth-checkpassword/scheme.h"

#include "lib/ascii.h"
#include "lib/base64.h"
#include "lib/digest.h"
#include "lib/hex.h"
#include "smtp-auth-checkpassword/secret.h"

#include <crypt.h>
#include <cstring>
#include <unistd.h>
#include <memory>

namespace qs::auth {

namespace {
// A yescrypt setting with libxcrypt's default cost (tests/unit_auth_crypto.cc,
// "the dummy hash for unknown users costs what a default yescrypt user
// costs", checks that crypt_gensalt still picks this cost).
constexpr const char* dummy_setting = "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$";

// crypt_r into a zeroed heap crypt_data (about 32 KiB), result wiped.
bool crypt_matches(std::string_view password, std::string_view hash)
{
    auto data = std::make_unique<crypt_data>();
    Secret pw(password), setting(hash);
    const char* out = crypt_r(pw.str().c_str(), setting.str().c_str(), data.get());
    bool ok = out && out[0] != '*' && digest::same_bytes(out, hash);
    digest::wipe(data.get(), sizeof(crypt_data));
    return ok;
}

// yescrypt ($y$, $gy$) and scrypt ($7$) cost about what the dummy costs;
// a wrong password for any other scheme pays the dummy on top, so no
// refusal is faster than an unknown user's. (A success may be fast: the
// client knows the password, so the user's existence is no secret to it.)
bool yescrypt_class(std::string_view hash)
{
    return hash.starts_with("$y$") || hash.starts_with("$gy$") || hash.starts_with("$7$");
}

bool plaintext_of(const StoredSecret& s, Secret& plain)
{
    if (s.scheme == Scheme::plain) {
        plain.assign(s.value);
        return true;
    }
    if (s.scheme == Scheme::plain_b64) return base64_decode(s.value, plain.str());
    return false;
}
} // namespace

bool base64_decode(std::string_view in, std::string& out)
{
    out.clear();
    if (in.size() % 4 != 0) return false;
    for (size_t i = 0; i < in.size(); i += 4) {
        int v[4];
        int pad = 0;
        for (int j = 0; j < 4; ++j) {
            char c = in[i + j];
            if (c == '=' && i + 4 == in.size() && j >= 2) {
                v[j] = 0;
                ++pad;
                continue;
            }
            if (pad) return false;
            v[j] = base64::value(c);
            if (v[j] < 0) return false;
        }
        uint32_t n = uint32_t(v[0]) << 18 | uint32_t(v[1]) << 12 | uint32_t(v[2]) << 6 | uint32_t(v[3]);
        out += static_cast<char>(n >> 16);
        if (pad < 2) out += static_cast<char>(n >> 8 & 0xff);
        if (pad < 1) out += static_cast<char>(n & 0xff);
    }
    return true;
}

StoredSecret classify(std::string_view secret)
{
    if (secret.empty()) return {Scheme::empty, secret};
    if (secret[0] == '!' || secret[0] == '*') return {Scheme::locked, secret};
    if (secret[0] != '{') return {Scheme::crypt, secret};
    size_t close = secret.find('}');
    if (close == std::string_view::npos) return {Scheme::unsupported, secret};
    std::string_view name = secret.substr(1, close - 1), value = secret.substr(close + 1);
    // an empty plaintext is an empty secret: it must never log in (CRAM-MD5
    // with an empty key and APOP over the timestamp alone would otherwise
    // succeed without a password)
    if (ascii::iequals(name, "PLAIN") || ascii::iequals(name, "CLEARTEXT"))
        return {value.empty() ? Scheme::empty : Scheme::plain, value};
    if (ascii::iequals(name, "PLAIN.B64")) return {value.empty() ? Scheme::empty : Scheme::plain_b64, value};
    if (ascii::iequals(name, "CRAM-MD5")) return {Scheme::cram_md5, value};
    for (auto known : {"CRYPT", "SHA512-CRYPT", "SHA256-CRYPT", "BLF-CRYPT", "MD5-CRYPT", "DES-CRYPT"})
        if (ascii::iequals(name, known)) {
            if (value.empty()) return {Scheme::empty, value};
            if (value[0] == '!' || value[0] == '*') return {Scheme::locked, value};
            return {Scheme::crypt, value};
        }
    return {Scheme::unsupported, secret};
}

Status check_secret_syntax(std::string_view secret)
{
    StoredSecret s = classify(secret);
    unsigned char ctx[32];
    std::string decoded;
    switch (s.scheme) {
    case Scheme::empty:
    case Scheme::locked:
    case Scheme::plain:
        return {};
    case Scheme::plain_b64:
        if (base64_decode(s.value, decoded)) return {};
        return permanent_fault("{PLAIN.b64} secret is not base64");
    case Scheme::cram_md5:
        if (hex::decode(s.value, ctx, sizeof ctx)) return {};
        return permanent_fault("{CRAM-MD5} secret is not 64 hex digits");
    case Scheme::crypt:
        if (crypt_checksalt(std::string(s.value).c_str()) != CRYPT_SALT_INVALID) return {};
        return permanent_fault("secret is not a hash libxcrypt knows");
    case Scheme::unsupported:
        break;
    }
    return permanent_fault("unsupported scheme");
}

bool is_legacy_hash(std::string_view secret)
{
    StoredSecret s = classify(secret);
    return s.scheme == Scheme::crypt && crypt_checksalt(std::string(s.value).c_str()) == CRYPT_SALT_METHOD_LEGACY;
}

Outcome verify_password(std::string_view secret, std::string_view password, bool legacy_ok)
{
    StoredSecret s = classify(secret);
    switch (s.scheme) {
    case Scheme::crypt: {
        int check = crypt_checksalt(std::string(s.value).c_str());
        if (check != CRYPT_SALT_OK && !(legacy_ok && check == CRYPT_SALT_METHOD_LEGACY)) {
            dummy_password_work(password);
            return check == CRYPT_SALT_METHOD_LEGACY ? Outcome::legacy : Outcome::unsupported;
        }
        if (crypt_matches(password, s.value)) return Outcome::ok;
        if (!yescrypt_class(s.value)) dummy_password_work(password);
        return Outcome::bad;
    }
    case Scheme::plain:
    case Scheme::plain_b64: {
        Secret plain;
        if (!plaintext_of(s, plain)) return Outcome::unsupported;
        // compare digests: the time does not depend on where they differ
        // or on the stored length
        digest::Md5 a = digest::md5(plain.view()), b = digest::md5(password);
        bool ok = digest::same_bytes(a.data(), b.data(), a.size());
        if (!ok) dummy_password_work(password);
        return ok ? Outcome::ok : Outcome::bad;
    }
    case Scheme::cram_md5: {
        digest::HmacMd5Context stored, given = digest::hmac_md5_context(password);
        if (!hex::decode(s.value, stored.data(), stored.size())) return Outcome::unsupported;
        bool ok = digest::same_bytes(stored.data(), given.data(), stored.size());
        digest::wipe(stored.data(), stored.size());
        digest::wipe(given.data(), given.size());
        if (!ok) dummy_password_work(password);
        return ok ? Outcome::ok : Outcome::bad;
    }
    case Scheme::locked:
    case Scheme::empty:
        dummy_password_work(password);
        return Outcome::disabled;
    case Scheme::unsupported:
        break;
    }
    dummy_password_work(password);
    return Outcome::unsupported;
}

Outcome verify_cram(std::string_view secret, std::string_view challenge, const unsigned char* response)
{
    StoredSecret s = classify(secret);
    digest::HmacMd5Context ctx;
    Secret plain;
    if (s.scheme == Scheme::cram_md5) {
        if (!hex::decode(s.value, ctx.data(), ctx.size())) return Outcome::unsupported;
    } else if (plaintext_of(s, plain)) {
        ctx = digest::hmac_md5_context(plain.view());
    } else if (s.scheme == Scheme::locked || s.scheme == Scheme::empty) {
        return Outcome::disabled;
    } else {
        return Outcome::unsupported;  // a one-way hash cannot answer a challenge
    }
    digest::Md5 want = digest::hmac_md5(ctx, challenge);
    digest::wipe(ctx.data(), ctx.size());
    bool ok = digest::same_bytes(want.data(), response, want.size());
    digest::wipe(want.data(), want.size());
    return ok ? Outcome::ok : Outcome::bad;
}

Outcome verify_apop(std::string_view secret, std::string_view timestamp, const unsigned char* response)
{
    StoredSecret s = classify(secret);
    Secret plain;
    if (s.scheme == Scheme::locked || s.scheme == Scheme::empty) return Outcome::disabled;
    if (!plaintext_of(s, plain)) return Outcome::unsupported;
    digest::Md5 want = digest::md5(timestamp, plain.view());
    bool ok = digest::same_bytes(want.data(), response, want.size());
    digest::wipe(want.data(), want.size());
    return ok ? Outcome::ok : Outcome::bad;
}

namespace {
unsigned long dummy_work_count = 0;
}

void dummy_password_work(std::string_view password)
{
    ++dummy_work_count;
    (void)crypt_matches(password, dummy_setting);
}

unsigned long dummy_password_work_done() { return dummy_work_count; }

std::string cost_setting(std::string_view secret)
{
    StoredSecret s = classify(secret);
    if (s.scheme != Scheme::crypt || !s.value.starts_with('$')) return {};
    std::string_view v = s.value.substr(1);
    size_t end = v.find('$');
    if (end == std::string_view::npos) return {};
    std::string_view id = v.substr(0, end), rest = v.substr(end + 1);
    std::string out = "$" + std::string(id) + "$";
    size_t next = rest.find('$');
    std::string_view field = rest.substr(0, next);
    bool with_param = id == "y" || id == "gy" || id == "7" || id == "2a" || id == "2b" || id == "2y" ||
                      ((id == "5" || id == "6") && field.starts_with("rounds="));
    if (with_param && next != std::string_view::npos) out += std::string(field) + "$";
    return out;
}

std::string dummy_cost_setting() { return cost_setting(dummy_setting); }

std::string unknowable_hash(std::string_view like)
{
    unsigned char raw[24];
    if (::getentropy(raw, sizeof raw) != 0) return {};
    Secret pw(hex::encode(raw, sizeof raw));
    digest::wipe(raw, sizeof raw);
    std::string setting(like.empty() ? std::string_view(dummy_setting) : classify(like).value);
    auto data = std::make_unique<crypt_data>();
    const char* out = crypt_r(pw.str().c_str(), setting.c_str(), data.get());
    std::string hash = out && out[0] != '*' ? out : "";
    digest::wipe(data.get(), sizeof(crypt_data));
    return hash;
}

} // namespace qs::auth
