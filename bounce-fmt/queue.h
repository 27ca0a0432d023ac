// The running qmail-queue child of bounce-fmt -q.
#ifndef QSEND_BOUNCE_QUEUE_H
#define QSEND_BOUNCE_QUEUE_H

#include "lib/fd.h"

#include <optional>
#include <string>
#include <sys/types.h>

namespace qs::bounce {

struct QueueChild {
    pid_t pid = -1;
    Fd message;  // its descriptor 0
    Fd envelope; // its descriptor 1
};

// Starts program with the two pipes; nullopt and the fault's text when it
// cannot. An exec failure shows up later as exit code 120, as in qmail.
std::optional<QueueChild> start_queue(const std::string& program, std::string& fault);
// Closes both pipes and waits: the wait status, or -1 when waiting failed.
int finish_queue(QueueChild& child);

} // namespace qs::bounce

#endif
