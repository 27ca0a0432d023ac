#include "smtp-auth-checkpassword/oom.h"

#include "lib/log.h"

#include <new>
#include <unistd.h>

namespace qs::auth {

void exit_111_when_out_of_memory()
{
    std::set_new_handler([] {
        log::fatal("out of memory");
        ::_exit(111);
    });
}

} // namespace qs::auth
