#ifndef QSEND_AUTH_OOM_H
#define QSEND_AUTH_OOM_H
namespace qs::auth {
// Out of memory: one line, exit 111 (a temporary failure for every caller).
void exit_111_when_out_of_memory();
}
#endif
