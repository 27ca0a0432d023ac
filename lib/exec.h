#ifndef QSEND_LIB_EXEC_H
#define QSEND_LIB_EXEC_H

namespace qs {

// Runs argv[0] (searched in PATH, as djb's pathexec does) with the current
// environment. Never returns: on failure it logs one line and exits 111.
[[noreturn]] void exec_next(char** argv);

} // namespace qs

#endif
