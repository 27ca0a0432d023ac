// One line per event, the program's name first, fields as key=value.
// Where the lines go depends on the program's role:
//  - an administrator's tool writes to descriptor 2, always (a run
//    script's exec 2>&1, cmd > log 2>&1, cron's mail); syslog only when
//    descriptor 2 is closed;
//  - a program in a connection's chain never writes to the client: it
//    uses the log descriptor a program ahead of it handed down in
//    QSEND_LOGFD (relaylock-guard, ahead of qmail-popup), else descriptor
//    2 unless that is the same open file as 0 or 1 (qmail-popup copies
//    the client's connection onto 2) or closed; else syslog, facility
//    mail. A terminal on 2 is an administrator at a shell and keeps them.
#ifndef QSEND_LIB_LOG_H
#define QSEND_LIB_LOG_H

#include <string>
#include <string_view>

namespace qs::log {

enum class Role { admin, connection };

// Call once from main before any other function here. It also makes
// running out of memory one fatal line and exit 111.
void init(const char* program_name, Role role = Role::admin);

// For a chain program whose successors will find the client on
// descriptor 2: hands this program's log descriptor down (a copy, kept
// across exec, named by QSEND_LOGFD). Returns false, unsetting
// QSEND_LOGFD, when lines go to syslog anyway.
bool hand_down();
// For the last of our programs in a chain (relaylock, before the mailbox
// user's qmail-pop3d): the handed-down descriptor stays usable here until
// exec but is not inherited, and QSEND_LOGFD goes, so that the program run
// next cannot write lines into our log (lines a fail2ban filter reads).
void end_hand_down();
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

// Under Dovecot, whose auth process reads a child's descriptor 2 as its
// log: frame each line in Dovecot's log protocol so that it is logged as
// Info or Warning, not as an Error.
void use_dovecot_framing();

// True when lines go to syslog (descriptor 2 is the client or closed).
bool to_syslog();

} // namespace qs::log

#endif
