#include "smtp-auth-checkpassword/passwd.h"

#include "lib/base64.h"
#include "lib/digest.h"
#include "lib/fd.h"
#include "lib/hex.h"
#include "lib/log.h"
#include "smtp-auth-checkpassword/secret.h"

#include <cerrno>
#include <crypt.h>
#include <cstring>
#include <memory>
#include <termios.h>
#include <unistd.h>

namespace qs::auth {

namespace {
// Longer input is refused rather than cut: a cut password would not be the
// one typed. The checker reads at most 512 bytes of user, password and
// timestamp together (smtp-auth-checkpassword/request.h), so no longer
// password could ever log in.
constexpr size_t max_password = 256;

// APOP needs the plaintext. A password that the users file cannot hold as
// it is (its field separator, blanks, control or 8-bit bytes) is stored as
// {PLAIN.b64}.
std::string plain_secret(std::string_view password)
{
    for (unsigned char c : password)
        if (c <= ' ' || c >= 127 || c == ':') return "{PLAIN.b64}" + base64::encode(password);
    return "{PLAIN}" + std::string(password);
}

std::string cram_secret(std::string_view password)
{
    digest::HmacMd5Context ctx = digest::hmac_md5_context(password);
    std::string out = "{CRAM-MD5}" + hex::encode(ctx.data(), ctx.size());
    digest::wipe(ctx.data(), ctx.size());
    return out;
}

Result<std::string> crypt_secret(const char* prefix, unsigned long cost, std::string_view password)
{
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    // no random bytes given: libxcrypt takes them from the kernel
    if (!crypt_gensalt_rn(prefix, cost, nullptr, 0, setting, sizeof setting) || setting[0] == '*')
        return permanent_fault(std::string("unable to make a salt: ") + std::strerror(errno));
    auto data = std::make_unique<crypt_data>();
    Secret pw(password);
    const char* hash = crypt_r(pw.str().c_str(), setting, data.get());
    if (!hash || hash[0] == '*') return permanent_fault("crypt failed");
    std::string out(hash);
    digest::wipe(data.get(), sizeof(crypt_data));
    return out;
}

enum class Read { ok, empty, too_long, error };

// One line from fd, without its newline.
Read read_line(int fd, Secret& line)
{
    line.wipe();
    char c;
    for (;;) {
        ssize_t r = ::read(fd, &c, 1);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return Read::error;
        if (r == 0) return line.view().empty() ? Read::empty : Read::ok;
        if (c == '\n') return Read::ok;
        if (line.str().size() >= max_password) return Read::too_long;
        line.str() += c;
    }
}

// The exit code and message for a failed read.
int read_failure(Read r)
{
    switch (r) {
    case Read::empty:
        log::fatal("no password on standard input");
        return 100;
    case Read::too_long:
        log::fatal("password longer than 256 bytes");
        return 100;
    default:
        log::fatal(log::with_errno("unable to read the password", errno));
        return 111;
    }
}

// Prompt on the terminal with echo off; restored however we leave.
Read ask(int tty, const char* prompt, Secret& out)
{
    struct termios old, quiet;
    if (::tcgetattr(tty, &old) != 0) return Read::error;
    quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    // echo off before the prompt, so nothing typed after it is flushed
    if (::tcsetattr(tty, TCSAFLUSH, &quiet) != 0) return Read::error;
    write_all(2, prompt, std::char_traits<char>::length(prompt));
    Read r = read_line(tty, out);
    ::tcsetattr(tty, TCSAFLUSH, &old);
    write_all(2, "\n", 1);
    return r;
}
} // namespace

Result<std::string> make_secret(std::string_view scheme, std::string_view password)
{
    if (password.empty()) return permanent_fault("empty password");
    if (scheme == "plain") return plain_secret(password);
    if (scheme == "cram-md5") return cram_secret(password);
    if (scheme == "yescrypt") return crypt_secret("$y$", 0, password);
    if (scheme == "bcrypt") return crypt_secret("$2b$", 10, password);
    if (scheme == "sha512") return crypt_secret("$6$", 0, password);
    return permanent_fault("unknown scheme (yescrypt, bcrypt, sha512, cram-md5, plain)");
}

int print_secret(std::string_view scheme)
{
    Secret password;
    if (::isatty(0)) {
        Secret again;
        if (Read r = ask(0, "Password: ", password); r != Read::ok) return read_failure(r);
        if (Read r = ask(0, "Again: ", again); r != Read::ok) return read_failure(r);
        if (password.view() != again.view()) {
            log::fatal("the passwords differ");
            return 100;
        }
    } else if (Read r = read_line(0, password); r != Read::ok) {
        return read_failure(r);
    }
    auto secret = make_secret(scheme, password.view());
    if (!secret) {
        log::fatal(secret.fault().text);
        return secret.fault().exit_code;
    }
    *secret += '\n';
    if (!write_all(1, secret->data(), secret->size())) {
        log::fatal(log::with_errno("unable to write", errno));
        return 111;
    }
    return 0;
}

} // namespace qs::auth
