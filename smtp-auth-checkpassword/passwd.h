// smtp-auth-passwd's logic: a password in, the users-file secret out.
#ifndef QSEND_AUTH_PASSWD_H
#define QSEND_AUTH_PASSWD_H

#include <optional>
#include <string>
#include <string_view>

namespace qs::auth {

// scheme: yescrypt (default), bcrypt, sha512, cram-md5, plain ({PLAIN}, or
// {PLAIN.b64} for a password the users file cannot hold as it is). nullopt with a
// reason for an unknown scheme or a failure of libxcrypt.
std::optional<std::string> make_secret(std::string_view scheme, std::string_view password, std::string& reason);

} // namespace qs::auth

#endif
