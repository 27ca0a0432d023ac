// smtp-auth-mkdb's logic: users-file text in, cdb records out, or the
// numbered lines that are wrong.
#ifndef QSEND_AUTH_MKDB_H
#define QSEND_AUTH_MKDB_H

#include "lib/cdb_write.h"
#include "smtp-auth-checkpassword/userdb.h"

#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qs::auth {

struct MkdbOptions {
    bool vpasswd = false;      // -v: vpopmail's vpasswd layout
    bool vpasswd_clear = false; // -c: from vpasswd's cleartext field, store a {CRAM-MD5} context
    std::string domain;        // -d: appended to names without '@'
    std::string ids;           // -u UID:GID for every vpasswd user
};

// vpopmail's flag word that disables SMTP (its NO_SMTP, 0x800).
constexpr unsigned long vpopmail_no_smtp = 0x800;

// Converts a whole users file. Records view text, or storage where a key
// or value had to be rewritten (keep both alive while records are used).
// Every bad or duplicate line gives one message "line N: ..." in errors
// (then records are meaningless).
// warnings, when given, gets "line N: ..." for a line that compiles but
// that logins refuse under the default settings (a legacy hash, refused
// unless CHKPW_LEGACY=1).
void compile_users(std::string_view text, const MkdbOptions& options, std::vector<CdbRecord>& records,
                   std::deque<std::string>& storage, std::vector<std::string>& errors,
                   std::vector<std::string>* warnings = nullptr);

// The refusal floor of a set of records (userdb.h): every distinct cost
// setting (cost_setting) and the dummy for unknown users timed with a wrong
// password (median of 3), the costliest kept. On this host: the checker's.
RefusalFloor measure_refusal_floor(const std::vector<CdbRecord>& records);

// smtp-auth-mkdb after its arguments: the users file from descriptor 0,
// the cdb written atomically (through tmp) unless a line is bad. Logs why
// not and returns the exit code.
struct MkdbRun {
    MkdbOptions options;
    bool empty_ok = false;  // -e: no users is an empty database, not an error
    std::string cdb, tmp;
};
int make_users_db(const MkdbRun& run);

} // namespace qs::auth

#endif
