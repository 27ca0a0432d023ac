// smtp-auth-passwd [-s SCHEME]: see smtp-auth-passwd.8.
#include "lib/fd.h"
#include "lib/log.h"
#include "smtp-auth-checkpassword/passwd.h"
#include "smtp-auth-checkpassword/secret.h"

#include <cerrno>
#include <string>
#include <string_view>
#include <termios.h>
#include <unistd.h>

namespace {
constexpr const char* usage_text = "smtp-auth-passwd [-s yescrypt|bcrypt|sha512|cram-md5|plain]";
// Longer input is refused rather than cut: a cut password would not be the
// one typed. The checker reads at most 512 bytes of user, password and
// timestamp together (smtp-auth-checkpassword/request.h), so no longer
// password could ever log in.
constexpr size_t max_password = 256;

[[noreturn]] void usage()
{
    qs::log::fatal(std::string("usage: ") + usage_text);
    _exit(100);
}

enum class Read { ok, empty, too_long, error };

// One line from fd, without its newline.
Read read_line(int fd, qs::auth::Secret& line)
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
        qs::log::fatal("no password on standard input");
        return 100;
    case Read::too_long:
        qs::log::fatal("password longer than 256 bytes");
        return 100;
    default:
        qs::log::fatal(qs::log::with_errno("unable to read the password", errno));
        return 111;
    }
}

// Prompt on the terminal with echo off; restored however we leave.
Read ask(int tty, const char* prompt, qs::auth::Secret& out)
{
    struct termios old, quiet;
    if (::tcgetattr(tty, &old) != 0) return Read::error;
    quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    // echo off before the prompt, so nothing typed after it is flushed
    if (::tcsetattr(tty, TCSAFLUSH, &quiet) != 0) return Read::error;
    qs::write_all(2, prompt, std::char_traits<char>::length(prompt));
    Read r = read_line(tty, out);
    ::tcsetattr(tty, TCSAFLUSH, &old);
    qs::write_all(2, "\n", 1);
    return r;
}
} // namespace

int main(int argc, char** argv)
{
    qs::log::init(argv[0]);
    if (argc == 2 && std::string_view(argv[1]) == "--help") {
        std::string out = std::string("usage: ") + usage_text + "\n";
        return qs::write_all(1, out.data(), out.size()) ? 0 : 111;
    }
    std::string scheme = "yescrypt";
    int opt;
    while ((opt = ::getopt(argc, argv, "+s:")) != -1) {
        if (opt == 's') scheme = optarg;
        else usage();
    }
    if (optind != argc) usage();

    qs::auth::Secret password;
    if (::isatty(0)) {
        qs::auth::Secret again;
        if (Read r = ask(0, "Password: ", password); r != Read::ok) return read_failure(r);
        if (Read r = ask(0, "Again: ", again); r != Read::ok) return read_failure(r);
        if (password.view() != again.view()) {
            qs::log::fatal("the passwords differ");
            return 100;
        }
    } else if (Read r = read_line(0, password); r != Read::ok) {
        return read_failure(r);
    }
    std::string reason;
    auto secret = qs::auth::make_secret(scheme, password.view(), reason);
    if (!secret) {
        qs::log::fatal(reason);
        return 100;
    }
    *secret += '\n';
    if (!qs::write_all(1, secret->data(), secret->size())) {
        qs::log::fatal(qs::log::with_errno("unable to write", errno));
        return 111;
    }
    return 0;
}
