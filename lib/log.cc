#include "lib/log.h"

#include "lib/fd.h"

#include <cstring>
#include <new>
#include <sys/stat.h>
#include <unistd.h>
#include <syslog.h>

namespace qs::log {

namespace {
const char* name = "qsend";
bool use_syslog = false;

bool same_file(const struct stat& a, int fd)
{
    struct stat b;
    return ::fstat(fd, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// Descriptor 2 is the client when it is the same open file as 0 or 1
// (qmail-popup copies the client's connection onto 2: a socket, or a pipe
// behind a TLS wrapper such as sslserver). A terminal is an administrator
// at an interactive shell, never a client, and keeps the lines.
bool client_on_stderr(const struct stat& err)
{
    return (same_file(err, 0) || same_file(err, 1)) && !::isatty(2);
}

void emit(int priority, std::string_view prefix, std::string_view text)
{
    if (use_syslog) {
        ::syslog(priority, "%.*s%.*s", static_cast<int>(prefix.size()), prefix.data(),
                 static_cast<int>(text.size()), text.data());
        return;
    }
    std::string out(name);
    out += ": ";
    out += prefix;
    out += text;
    for (auto& c : out)
        if (c == '\n') c = ' ';
    out += '\n';
    write_all(2, out.data(), out.size());
}
} // namespace

void init(const char* program_name)
{
    std::set_new_handler([] {
        // No allocation here: that is what just failed.
        if (use_syslog) {
            ::syslog(LOG_ERR, "fatal: out of memory");
        } else {
            write_all(2, name, std::strlen(name));
            write_all(2, ": fatal: out of memory\n", 23);
        }
        ::_exit(111);
    });
    if (program_name && *program_name) {
        const char* slash = std::strrchr(program_name, '/');
        name = slash ? slash + 1 : program_name;
    }
    struct stat err;
    use_syslog = ::fstat(2, &err) != 0 || client_on_stderr(err);
    if (use_syslog) ::openlog(name, LOG_PID, LOG_MAIL);
}

const char* program() { return name; }
bool to_syslog() { return use_syslog; }

std::string escape(std::string_view bytes)
{
    static const char hex[] = "0123456789abcdef";
    std::string out;
    size_t n = 0;
    for (unsigned char c : bytes) {
        if (++n > 200) {
            out += "...";
            break;
        }
        if (c > 32 && c < 127 && c != '\\') {
            out += static_cast<char>(c);
        } else {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

void line(std::string_view text) { emit(LOG_INFO, "", text); }
void warning(std::string_view text) { emit(LOG_WARNING, "warning: ", text); }
void fatal(std::string_view text) { emit(LOG_ERR, "fatal: ", text); }

std::string with_errno(std::string_view text, int err)
{
    std::string out(text);
    out += ": ";
    out += std::strerror(err);
    return out;
}

} // namespace qs::log
