// The relaylock programs' settings: RELAYLOCK_* read from the environment
// once, by each program before it touches a lock.
#ifndef QSEND_RELAYLOCK_CONFIG_H
#define QSEND_RELAYLOCK_CONFIG_H

#include "lib/ipaddr.h"
#include "lib/store.h"

#include <string>
#include <vector>

namespace qs::relaylock {

struct Config {
    // RELAYLOCK_STORE (a store spec, lib/store.h), else RELAYLOCK_DIR as
    // dir:PATH, else the default directory.
    std::string store;
    std::string store_variable;      // which of them, for fault messages
    unsigned long expiry = 600;      // RELAYLOCK_EXPIRY
    std::string relayclient;         // RELAYLOCK_RELAYCLIENT
    unsigned v6prefix = 64;          // RELAYLOCK_V6PREFIX
    std::vector<Prefix> never;       // RELAYLOCK_NEVER
    // RELAYLOCK_NEVER could not be parsed: nothing is locked at all, since
    // a lost entry there could open relay for a proxy.
    bool never_list_broken = false;
    std::string rules;               // RELAYLOCK_RULES ("" = rules mode off)
    std::string cdb;                 // RELAYLOCK_CDB
    // One line for each malformed value, for which the safe default is used.
    std::vector<std::string> warnings;

    bool rules_mode() const { return !rules.empty() && !cdb.empty(); }
};

// Reads RELAYLOCK_* from the environment; logs nothing.
Config load_config();
// load_config, with its warnings logged: what every program does.
Config load_config_and_warn();

} // namespace qs::relaylock

#endif
