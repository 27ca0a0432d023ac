// What one bounce-fmt run writes, in order (run.cc writes it, dsn_plan.cc
// plans -d's). Internal to the family.
#ifndef QSEND_BOUNCE_PLAN_H
#define QSEND_BOUNCE_PLAN_H

#include "bounce-fmt/bounce.h"

#include "lib/fd.h"
#include "lib/result.h"

#include <cstdint>
#include <string>

namespace qs::bounce {

// What to write: head, then what was read ahead, then the rest of stdin
// (when copy is set; with a limit, at most limit bytes and qmail-ldap's
// stripped line when the limit is reached), then the tail.
struct Plan {
    std::string head;
    std::string read_ahead;
    Fd spool;  // more read-ahead, when open
    bool copy = true;
    std::uint64_t limit = 0;
    std::string tail;
};

// The DSN plan: reads the start of the message (its header block gives the
// Arrival-Date) and finds out whether it reaches bouncemaxbytes. Part 3 is
// the whole message or, from bouncemaxbytes on, its header block.
Result<Plan> dsn_plan(const Job& job, const Envelope& envelope, const Controls& controls);

} // namespace qs::bounce

#endif
