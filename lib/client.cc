#include "lib/client.h"

#include "lib/env.h"
#include "lib/log.h"

namespace qs {

ClientAddress client_address_from_env()
{
    ClientAddress c;
    for (const char* variable : {"TCPREMOTEIP", "IP"}) {
        if (auto text = env::get(variable)) {
            c.variable = variable;
            c.text = *text;
            c.address = parse_address(*text);
            break;
        }
    }
    return c;
}

std::string ClientAddress::for_log() const
{
    if (address) return canonical(*address);
    return variable ? log::escape(text) : std::string();
}

std::string ClientAddress::problem() const
{
    if (!variable) return "no client address: neither TCPREMOTEIP nor IP is set";
    if (!address) return std::string("malformed client address ") + variable + "=" + log::escape(text);
    return {};
}

} // namespace qs
