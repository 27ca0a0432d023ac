# relaylock family and the clock: a clock stepped back or forward leaves
# locks neither immortal nor instantly dead. The system clock cannot be
# stepped here, so the entries a stepped-back clock leaves (login times
# ahead of now) are written straight into the dir: store.
. "$(dirname "$0")/lib.sh"

STORE=$SCRATCH/store
mkdir "$STORE"
export RELAYLOCK_DIR="$STORE"
unset RELAYLOCK_NEVER RELAYLOCK_RULES RELAYLOCK_CDB RELAYLOCK_EXPIRY RELAYLOCK_V6PREFIX RELAYCLIENT RBLSMTPD IP

now() { date +%s; }
show_env='echo "RELAYCLIENT=${RELAYCLIENT-unset} USER=${RELAYLOCK_USER-unset}"'
granted() { TCPREMOTEIP=$1 relaylock-check sh -c "$show_env" 2>/dev/null; }
login_of() { cut -d' ' -f1 "$STORE/$1"; }

# --- the clock stepped back ----------------------------------------------------
printf '%s ahead\n' $(( $(now) + 60 )) > "$STORE/192.0.2.60"
printf '%s halfway\n' $(( $(now) + 300 )) > "$STORE/192.0.2.61"
printf '%s junk\n' $(( $(now) + 1200 )) > "$STORE/192.0.2.62"
same "a lock 60 s ahead of now grants relay" "$(granted 192.0.2.60)" "RELAYCLIENT= USER=ahead"
same "a lock half an expiry ahead of now grants relay" "$(granted 192.0.2.61)" "RELAYCLIENT= USER=halfway"
same "a lock two expiries ahead of now grants nothing" "$(granted 192.0.2.62)" "RELAYCLIENT=unset USER=unset"
before=$(now)
status "relaylock-expire exits 0" 0 relaylock-expire
after=$(now)
t=$(login_of 192.0.2.60)
check "relaylock-expire rewrote the lock 60 s ahead to now" [ "$t" -ge "$before" ] && [ "$t" -le "$after" ]
same "the rewritten lock keeps its user" "$(cut -d' ' -f2 "$STORE/192.0.2.60")" "ahead"
t=$(login_of 192.0.2.61)
check "relaylock-expire rewrote the lock half an expiry ahead to now" [ "$t" -ge "$before" ] && [ "$t" -le "$after" ]
check "relaylock-expire removed the lock two expiries ahead" [ ! -e "$STORE/192.0.2.62" ]
same "the rewritten lock still grants relay" "$(granted 192.0.2.60)" "RELAYCLIENT= USER=ahead"
# With a short expiry, the end is seen for real: a lock 2 s ahead with a
# 2 s expiry, rewritten to now, is gone 3 s after the sweep.
printf '%s short\n' $(( $(now) + 2 )) > "$STORE/192.0.2.63"
same "a lock exactly one expiry ahead grants relay" \
  "$(RELAYLOCK_EXPIRY=2 TCPREMOTEIP=192.0.2.63 relaylock-check sh -c "$show_env" 2>/dev/null)" "RELAYCLIENT= USER=short"
RELAYLOCK_EXPIRY=2 relaylock-expire
sleep 4
same "a rewritten lock is not stretched by its future login time" \
  "$(RELAYLOCK_EXPIRY=2 TCPREMOTEIP=192.0.2.63 relaylock-check sh -c "$show_env" 2>/dev/null)" "RELAYCLIENT=unset USER=unset"

# --- the clock stepped forward -------------------------------------------------
rm -f "$STORE"/*
printf '%s old\n' $(( $(now) - 601 )) > "$STORE/192.0.2.64"
printf '%s older\n' $(( $(now) - 86400 )) > "$STORE/192.0.2.65"
printf '%s recent\n' $(( $(now) - 590 )) > "$STORE/192.0.2.66"
same "a lock older than one expiry grants nothing" "$(granted 192.0.2.64)" "RELAYCLIENT=unset USER=unset"
same "a lock a day old grants nothing" "$(granted 192.0.2.65)" "RELAYCLIENT=unset USER=unset"
same "a lock younger than one expiry grants relay" "$(granted 192.0.2.66)" "RELAYCLIENT= USER=recent"
recent=$(login_of 192.0.2.66)
status "relaylock-expire exits 0 after a forward step" 0 relaylock-expire
same "relaylock-expire removed the locks older than one expiry, kept the young one untouched" \
  "$(ls "$STORE") $(login_of 192.0.2.66)" "192.0.2.66 $recent"

finish
