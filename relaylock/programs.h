// What each relaylock program does once its main (PROG.cc) has parsed
// argv into options: one function per program, returning its exit code.
// They read the configuration themselves, at the point where each program
// always has (relaylock-check never does for a client with RELAYCLIENT).
#ifndef QSEND_RELAYLOCK_PROGRAMS_H
#define QSEND_RELAYLOCK_PROGRAMS_H

#include "lib/ipaddr.h"

#include <string>
#include <vector>

namespace qs::relaylock {

// relaylock, relaylock-check and relaylock-guard: PROG [ARG...], the rest
// of the chain, run in the end whatever happens.
struct ChainOptions {
    char** next = nullptr;
};

// relaylock (after a successful POP login): records a lock for the
// client, or hands the login to relaylock-guard.
[[noreturn]] void run_relaylock(const ChainOptions& options);
// relaylock-check (ahead of qmail-smtpd): sets RELAYCLIENT for a locked client.
int run_check(const ChainOptions& options);
// relaylock-guard (ahead of qmail-popup): captures the address before the
// session and records the lock relaylock reports.
int run_guard(const ChainOptions& options);

struct ExpireOptions {
    bool watch = false;  // -w: a service that sweeps as locks expire
};
int run_expire(const ExpireOptions& options);

int run_list();

struct RevokeOptions {
    std::vector<Address> addresses;
};
int run_revoke(const RevokeOptions& options);

// relaylock-rules CDB TMP < RULES
struct RulesOptions {
    std::string cdb;
    std::string tmp;
};
int run_rules(const RulesOptions& options);

} // namespace qs::relaylock

#endif
