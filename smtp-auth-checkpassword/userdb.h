// The users database: Dovecot passwd-file lines, compiled by smtp-auth-mkdb
// into a cdb keyed by the normalised user name, read with one probe.
#ifndef QSEND_AUTH_USERDB_H
#define QSEND_AUTH_USERDB_H

#include "lib/fd.h"

#include <cstddef>
#include <cstdint>
#include "lib/ipaddr.h"
#include "lib/result.h"

#include <optional>
#include <vector>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <time.h>

struct cdb;

namespace qs::auth {

// user:secret:uid:gid:gecos:home:shell:extra_fields, as text after "user:".
struct UserRecord {
    std::string secret;
    std::optional<uid_t> uid;
    std::optional<gid_t> gid;
    std::string home;
    std::string shell;
    bool nologin = false;
    // Dovecot's allow_nets (and allow_real_nets): logins only from these;
    // restricted with an empty list means from nowhere.
    bool restricted = false;
    std::vector<Prefix> allow_nets;
    bool has_identity() const { return uid && gid && !home.empty(); }
    // False when allow_nets excludes client (an unknown client included).
    bool allowed_from(const std::optional<Address>& client) const;
};

// Parses the fields after the user name. A fault says which field is
// malformed (a uid or gid that is not a number, an unknown scheme, a
// {CRAM-MD5} that is not 64 hex digits, ...).
Result<UserRecord> parse_record(std::string_view fields);

// How a login name becomes a key: the domain part (after the last '@') is
// lower-cased; the local part is kept as it is. A name without '@' gets
// "@" + default_domain when default_domain is not empty.
std::string normalise_user(std::string_view login, std::string_view default_domain);
// A user name fit for the users file: 1..255 bytes, no ':', controls,
// spaces or NUL.
bool valid_user_name(std::string_view name);

// The longest record (the text after the user name) smtp-auth-mkdb writes
// and the checker reads (smtp-auth-checkpassword.8, smtp-auth-mkdb.8): a
// longer one is a corrupt database, never an allocation of its length.
constexpr size_t max_record_size = 65536;

// The refusal floor (smtp-auth-mkdb.8): the wall time, in microseconds, a
// wrong password costs for the costliest secret setting in the database,
// measured when the database was built, and a hash with that setting that
// no password is known for. It is stored under refusal_floor_key, which
// starts with a NUL byte: valid_user_name refuses it, and a login name
// cannot hold one (descriptor 3 separates its fields with NUL).
struct RefusalFloor {
    uint64_t micros = 0;
    std::string hash;
};
inline constexpr std::string_view refusal_floor_key{"\0refusal-floor", 14};
// "micros:hash"
std::string encode_refusal_floor(const RefusalFloor& floor);
std::optional<RefusalFloor> decode_refusal_floor(std::string_view value);

// The refusal pad: start + micros, and a sleep (CLOCK_MONOTONIC, absolute,
// resumed after a signal) until then; a deadline already past returns at once.
struct timespec deadline_after(const struct timespec& start, uint64_t micros);
void sleep_until(const struct timespec& deadline);

enum class LookupResult { found, absent, fault };

class UserDb {
public:
    // Opens and sanity-checks the cdb (its hash tables must end exactly at
    // the end of the file): a missing, unreadable, truncated or corrupt
    // database is a fault, described by error().
    bool open(const std::string& path);
    // One cdb probe. fault on I/O errors, and on a record longer than
    // max_record_size or than what the file holds after its start.
    LookupResult find(std::string_view key, std::string& fields);
    const std::string& error() const { return error_; }
    ~UserDb();

private:
    Fd fd_;
    std::string path_;
    uint64_t size_ = 0;
    struct cdb* cdb_ = nullptr;
    std::string error_;
};

} // namespace qs::auth

#endif
