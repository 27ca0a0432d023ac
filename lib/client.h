// The client's address as the program ahead in the chain announced it:
// TCPREMOTEIP (tcpserver, proxy-remoteip), else IP (qmail-popup callers
// such as Dovecot's checkpassword driver and sslserver set it). One place
// reads it, so that every family agrees on which variable wins.
#ifndef QSEND_LIB_CLIENT_H
#define QSEND_LIB_CLIENT_H

#include "lib/ipaddr.h"

#include <optional>
#include <string>
#include <string_view>

namespace qs {

struct ClientAddress {
    const char* variable = nullptr;  // "TCPREMOTEIP", "IP", or nullptr: neither set
    std::string_view text;           // the variable's value as set
    std::optional<Address> address;  // nullopt: not set, or not an address

    // The canonical address, else the escaped text, else "".
    std::string for_log() const;
    // One line saying why address is missing ("" when it is not).
    std::string problem() const;
};

ClientAddress client_address_from_env();

} // namespace qs

#endif
