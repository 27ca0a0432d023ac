// proxy-remoteip's work: trust, read the header, rewrite the environment,
// apply PROXY_RULES, run the rest of the chain.
#ifndef QSEND_PROXY_RUN_H
#define QSEND_PROXY_RUN_H

#include "proxy-remoteip/config.h"
#include "proxy-remoteip/header.h"

#include <string>

namespace qs::proxy {

struct ReadResult {
    enum Kind { complete, refused, timeout, closed, fault } kind = fault;
    Header header;
    std::string reason;  // refused, fault
};

// Reads exactly one header from fd, within timeout_ms in all, never a byte
// past it.
ReadResult read_header(int fd, unsigned long timeout_ms);

// The environment the rest of the chain sees for a proxied client: tcpserver's
// variables from the header, the front end's address kept in
// PROXY_FRONTENDIP, and what tcpserver or its rules set for the front end
// (its host name, ident answer, RELAYCLIENT and friends) removed; PROTO
// (when tcpserver set it) names the client's protocol. False when the
// environment cannot be changed (out of memory).
bool rewrite_environment(const Header& h, const Address& frontend, bool proto);

// proxy-remoteip after its argv (program: PROG [ARG...]): 0 for a health
// check (nothing run), 100 for a refused connection, 111 for a setting or
// system fault; otherwise PROG runs.
int proxy_remoteip(char** program);

} // namespace qs::proxy

#endif
