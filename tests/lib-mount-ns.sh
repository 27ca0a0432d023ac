# Sourced instead of tests/lib.sh by the suites that need accounts
# (qmaild, nofiles, mailbox users) over copies of /etc/passwd and
# /etc/group: runs the suite again in a private mount namespace, before
# tests/lib.sh makes a scratch directory that the first run would leak,
# then sources tests/lib.sh there. Without root or unshare -m the suite is
# one counted skip.
if [ "$(id -u)" -eq 0 ] && [ -z "$QSEND_MOUNT_NS" ] &&
   unshare -m --propagation private true 2>/dev/null; then
  QSEND_MOUNT_NS=1 exec unshare -m --propagation private sh "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ] || [ -z "$QSEND_MOUNT_NS" ]; then
  ok "# SKIP needs root and a private mount namespace (unshare -m)"; finish
fi
