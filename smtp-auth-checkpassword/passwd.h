// smtp-auth-passwd's logic: a password in, the users-file secret out.
#ifndef QSEND_AUTH_PASSWD_H
#define QSEND_AUTH_PASSWD_H

#include "lib/result.h"

#include <string>
#include <string_view>

namespace qs::auth {

// scheme: yescrypt (default), bcrypt, sha512, cram-md5, plain ({PLAIN}, or
// {PLAIN.b64} for a password the users file cannot hold as it is). A
// (permanent) fault for an empty password, an unknown scheme or a failure
// of libxcrypt.
Result<std::string> make_secret(std::string_view scheme, std::string_view password);

// smtp-auth-passwd after its arguments: the password from the terminal
// (asked twice, echo off) or one line of standard input, the secret on
// standard output. Logs why not and returns the exit code.
int print_secret(std::string_view scheme);

} // namespace qs::auth

#endif
