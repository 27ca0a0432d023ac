// The running qmail-queue child of bounce-fmt -q.
#ifndef QSEND_BOUNCE_QUEUE_H
#define QSEND_BOUNCE_QUEUE_H

#include "lib/fd.h"
#include "lib/result.h"

#include <optional>
#include <string>
#include <sys/types.h>

namespace qs::bounce {

struct QueueChild {
    pid_t pid = -1;
    Fd message;  // its descriptor 0
    Fd envelope; // its descriptor 1
};

// Starts program with the two pipes; a temporary fault when it cannot. An
// exec failure shows up later as exit code 120, as in qmail.
Result<QueueChild> start_queue(const std::string& program);
// Closes both pipes and waits: the wait status, or -1 when waiting failed.
int finish_queue(QueueChild& child);

} // namespace qs::bounce

#endif
