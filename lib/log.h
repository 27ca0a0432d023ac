// One line per event, the program's name first, fields as key=value.
// Descriptor 2 is used unless it is the same open file as descriptor 0 or
// 1 (qmail-popup copies the client's connection onto 2) or is closed: then
// the line goes to syslog, facility mail, so nothing reaches the client. A
// terminal is the exception: an administrator at a shell keeps the lines.
#ifndef QSEND_LIB_LOG_H
#define QSEND_LIB_LOG_H

#include <string>
#include <string_view>

namespace qs::log {

// Call once from main before any other function here. It also makes
// running out of memory one fatal line and exit 111.
void init(const char* program_name);
const char* program();

// Client-supplied bytes made safe for one log line: printable ASCII other
// than backslash and space stays, everything else becomes \xHH. Capped at
// 200 input bytes (then "...").
std::string escape(std::string_view bytes);

// "program: " + text, one line.
void line(std::string_view text);
void warning(std::string_view text);   // "program: warning: text"
void fatal(std::string_view text);     // "program: fatal: text"
// text + ": " + strerror(errno) captured by the caller.
std::string with_errno(std::string_view text, int err);

// True when lines go to syslog (descriptor 2 is the client or closed).
bool to_syslog();

} // namespace qs::log

#endif
