// A tcprules cdb as tcpserver -x applies it to a client address (ucspi-tcp
// 0.88 rules.c with fefe's IPv6 patch), for a connection whose
// TCPREMOTEINFO and TCPREMOTEHOST are unknown, so that no info@ or =host
// rule can match: the exact address, each shorter prefix of its text ending
// in '.' or ':', then the default rule (the empty key). The first key
// present is the record tcpserver uses. relaylock-rules (which must know
// the static rule a locked client would get) and proxy-remoteip (which
// applies a cdb itself) both follow this one order.
#ifndef QSEND_LIB_TCPRULES_H
#define QSEND_LIB_TCPRULES_H

#include "lib/result.h"

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qs::tcprules {

// Offers try_key each key tcpserver tries for ip, in order (views into ip),
// until try_key returns true: it found the record. False when none did.
bool try_keys(std::string_view ip, const std::function<bool(std::string_view key)>& try_key);

// The same keys as a list, in order.
std::vector<std::string> rule_keys(std::string_view ip);

// The data of the record tcpserver would use for ip in the cdb open on fd;
// nullopt when no key matches (tcpserver then allows, setting nothing). A
// read error, or a record longer than max_data (not one tcprules writes,
// or longer than the file), is a fault; cdb_name names the cdb in its text
// ("unable to read CDB_NAME: ...", "CDB_NAME holds an oversized record").
Result<std::optional<std::string>> find_rule(int fd, std::string_view ip, std::size_t max_data,
                                             std::string_view cdb_name);

} // namespace qs::tcprules

#endif
