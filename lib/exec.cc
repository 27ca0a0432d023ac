#include "lib/exec.h"

#include "lib/log.h"

#include <cerrno>
#include <string>
#include <unistd.h>

namespace qs {

void exec_next(char** argv)
{
    ::execvp(argv[0], argv);
    int err = errno;
    log::fatal(log::with_errno("unable to run " + log::escape(argv[0]), err));
    ::_exit(111);
}

} // namespace qs
