// smtp-auth-passwd [-s SCHEME]: see smtp-auth-passwd.8.
#include "lib/fd.h"
#include "lib/log.h"
#include "smtp-auth-checkpassword/passwd.h"
#include "smtp-auth-checkpassword/secret.h"

#include <cerrno>
#include <string>
#include <termios.h>
#include <unistd.h>

namespace {
[[noreturn]] void usage()
{
    qs::log::fatal("usage: smtp-auth-passwd [-s yescrypt|bcrypt|sha512|cram-md5]");
    _exit(100);
}

// One line from fd, without its newline. False on error or when the
// input ends before a newline with nothing read.
bool read_line(int fd, qs::auth::Secret& line)
{
    line.wipe();
    char c;
    for (;;) {
        ssize_t r = ::read(fd, &c, 1);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return false;
        if (r == 0) return !line.view().empty();
        if (c == '\n') return true;
        if (line.str().size() >= 1024) return false;
        line.str() += c;
    }
}

// Prompt on the terminal with echo off; restored however we leave.
bool ask(int tty, const char* prompt, qs::auth::Secret& out)
{
    struct termios old, quiet;
    if (::tcgetattr(tty, &old) != 0) return false;
    quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    // echo off before the prompt, so nothing typed after it is flushed
    if (::tcsetattr(tty, TCSAFLUSH, &quiet) != 0) return false;
    qs::write_all(2, prompt, std::char_traits<char>::length(prompt));
    bool ok = read_line(tty, out);
    ::tcsetattr(tty, TCSAFLUSH, &old);
    qs::write_all(2, "\n", 1);
    return ok;
}
} // namespace

int main(int argc, char** argv)
{
    qs::log::init(argv[0]);
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
        if (!ask(0, "Password: ", password) || !ask(0, "Again: ", again)) {
            qs::log::fatal("unable to read the password");
            return 111;
        }
        if (password.view() != again.view()) {
            qs::log::fatal("the passwords differ");
            return 100;
        }
    } else if (!read_line(0, password)) {
        qs::log::fatal("unable to read the password from standard input");
        return 111;
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
