// smtp-auth-checkpassword's whole job, so that tests link it: read
// descriptor 3, decide, log one line, and exec the next program (exit 0 by
// exec) or return 1, 2 or 111.
#ifndef QSEND_AUTH_CHECKPASSWORD_H
#define QSEND_AUTH_CHECKPASSWORD_H

#include "smtp-auth-checkpassword/config.h"
#include "smtp-auth-checkpassword/userdb.h"

#include <string_view>

namespace qs::auth {

// The process set-up after a successful login: as root with a complete
// record, switch to the user (setgroups, setgid, setuid, chdir, USER,
// HOME, SHELL); under Dovecot pass uid, gid and home back as userdb_*
// fields; otherwise only USER. As root for a POP request (qmail-popup's
// chain, whose PROG serves the mailbox) a record without uid, gid and home
// is refused like uid 0, unless CHKPW_ALLOWROOT. Returns 0, or the exit
// code (1 or 111) after logging why it could not.
int prepare_process(const UserRecord& r, std::string_view user, const Config& config, bool pop = false);

// Never returns 0: on success it execs next (PROG [ARG...]).
int check_and_exec(const Config& config, char** next);

} // namespace qs::auth

#endif
