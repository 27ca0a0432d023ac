// The relaylock programs' logic; each main() only calls one of these.
#ifndef QSEND_RELAYLOCK_PROGRAMS_H
#define QSEND_RELAYLOCK_PROGRAMS_H

namespace qs::relaylock {

int relaylock_main(int argc, char** argv);
int check_main(int argc, char** argv);
int guard_main(int argc, char** argv);
int expire_main(int argc, char** argv);
int list_main(int argc, char** argv);
int revoke_main(int argc, char** argv);

} // namespace qs::relaylock

#endif
