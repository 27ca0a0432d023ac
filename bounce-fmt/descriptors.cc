// Descriptors 0 to 2 as bounce-fmt and bounce-explain need them.
#include "bounce-fmt/bounce.h"

#include <fcntl.h>
#include <unistd.h>

namespace qs::bounce {

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

Status fill_closed_descriptors(int first)
{
    for (int fd = first; fd <= 2; ++fd)
        if (!is_open(fd) && ::open("/dev/null", O_RDWR) != fd) return temporary_fault("unable to open /dev/null");
    return {};
}

} // namespace qs::bounce
