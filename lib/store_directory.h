// The embedded directory backend of lib/store.h. Only lib/store.cc (which
// chooses backends) and the store's own tests include this header.
#ifndef QSEND_LIB_STORE_DIRECTORY_H
#define QSEND_LIB_STORE_DIRECTORY_H

#include "lib/store.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace qs {

// One file per key in a directory made at install time (never created
// here). Writers replace files by rename; mutations hold an exclusive
// flock on DIR/.lock (created on first use).
std::unique_ptr<Store> open_directory_store(std::string_view directory);

// How a key becomes a file name: bytes outside [A-Za-z0-9:@+=,_-.] and a
// leading '.' become %XX, so no key can name a path outside the store or a
// hidden file. A name that would exceed NAME_MAX (255 bytes: a 200-byte
// key escapes to up to 600) is "#" and the key's SHA-256 in hex instead,
// and its file begins with the key (see lib/store_directory.cc). Empty and
// overlong keys give "".
std::string store_file_name(std::string_view key);
// The key of an escaped name; nullopt for a hashed name (its key is in the
// file) and for anything store_file_name would not have written.
std::optional<std::string> store_key_from_file_name(std::string_view name);

} // namespace qs

#endif
