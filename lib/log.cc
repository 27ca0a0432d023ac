#include "lib/log.h"

#include "lib/fd.h"
#include "lib/hex.h"

#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <new>
#include <sys/stat.h>
#include <unistd.h>
#include <syslog.h>

namespace qs::log {

namespace {
const char* name = "qsend";
bool use_syslog = false;
int log_fd = 2;
constexpr const char* handed_down_variable = "QSEND_LOGFD";

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

// The descriptor QSEND_LOGFD names, if it is open and not the client.
int handed_down_fd()
{
    const char* text = std::getenv(handed_down_variable);
    if (!text) return -1;
    int fd = 0;
    for (const char* p = text; *p; ++p) {
        if (*p < '0' || *p > '9' || fd > 100000) return -1;
        fd = fd * 10 + (*p - '0');
    }
    struct stat st;
    if (!*text || fd < 3 || ::fstat(fd, &st) != 0 || same_file(st, 0) || same_file(st, 1)) return -1;
    return fd;
}

bool choose_connection_log()
{
    if (int fd = handed_down_fd(); fd >= 0) {
        log_fd = fd;
        return false;
    }
    struct stat err;
    return ::fstat(2, &err) != 0 || client_on_stderr(err);
}

bool dovecot_framing = false;

// Dovecot's internal log protocol (src/lib/failures.c in Dovecot 2.3):
// "\001", the log type plus one, the pid, a space. Without it Dovecot logs
// every line on a child's descriptor 2 as an error.
char dovecot_type(int priority)
{
    switch (priority) {
    case LOG_INFO: return 2;     // LOG_TYPE_INFO + 1
    case LOG_WARNING: return 3;  // LOG_TYPE_WARNING + 1
    default: return 4;           // LOG_TYPE_ERROR + 1
    }
}

void emit(int priority, std::string_view prefix, std::string_view text)
{
    if (use_syslog) {
        ::syslog(priority, "%.*s%.*s", static_cast<int>(prefix.size()), prefix.data(),
                 static_cast<int>(text.size()), text.data());
        return;
    }
    std::string out;
    if (dovecot_framing) {
        out += '\001';
        out += dovecot_type(priority);
        out += std::to_string(::getpid());
        out += ' ';
    }
    out += name;
    out += ": ";
    out += prefix;
    out += text;
    for (auto& c : out)
        if (c == '\n') c = ' ';
    out += '\n';
    write_all(log_fd, out.data(), out.size());
}
} // namespace

void init(const char* program_name, Role role)
{
    std::set_new_handler([] {
        // No allocation here: that is what just failed.
        if (use_syslog) {
            ::syslog(LOG_ERR, "fatal: out of memory");
        } else {
            write_all(log_fd, name, std::strlen(name));
            write_all(log_fd, ": fatal: out of memory\n", 23);
        }
        ::_exit(111);
    });
    if (program_name && *program_name) {
        const char* slash = std::strrchr(program_name, '/');
        name = slash ? slash + 1 : program_name;
    }
    struct stat err;
    use_syslog = role == Role::connection ? choose_connection_log() : ::fstat(2, &err) != 0;
    if (use_syslog) ::openlog(name, LOG_PID, LOG_MAIL);
}

bool hand_down()
{
    if (!use_syslog) {
        // at 10 or above: qmail-popup puts its pipe on 3 and 4
        int fd = ::fcntl(log_fd, F_DUPFD, 10);
        if (fd >= 0) {
            std::string value = std::to_string(fd);
            if (::setenv(handed_down_variable, value.c_str(), 1) == 0) return true;
            ::close(fd);
        }
    }
    ::unsetenv(handed_down_variable);
    return false;
}

void end_hand_down()
{
    if (int fd = handed_down_fd(); fd >= 0) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    ::unsetenv(handed_down_variable);
}

void use_dovecot_framing() { dovecot_framing = true; }

const char* program() { return name; }
bool to_syslog() { return use_syslog; }

std::string escape(std::string_view bytes)
{
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
            out += hex::digits[c >> 4];
            out += hex::digits[c & 15];
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
