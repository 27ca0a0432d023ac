#!/bin/sh
# IPv6 client addresses end to end, with the real tcpserver and tcpclient
# in a private network namespace (unshare -n: a loopback interface of its
# own, on which the test adds the client addresses it needs). Every shape
# that once went wrong (a trailing zero group, embedded zero runs of equal
# length, all zeros, v4-mapped, v4-compatible, Teredo, NAT64, 6to4): the
# spelling tcpserver puts in TCPREMOTEIP is the key relaylock writes and
# the ip= of every log line; relaylock-check and a relaylock-rules cdb under
# tcpserver -x relay exactly the address that logged in.
if [ "$(id -u)" -eq 0 ] && [ -z "$QSEND_IN_NETNS" ] && unshare -n true 2>/dev/null; then
  QSEND_IN_NETNS=1 exec unshare -n sh "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
if [ -z "$QSEND_IN_NETNS" ]; then
  ok "# SKIP needs root and unshare -n for a private network namespace"; finish
fi
cd "$SCRATCH" || exit 111
ip link set lo up || { not_ok "loopback up in the namespace"; finish; }

# address as tcpserver spells it, one per line: "ADDRESS SPELLING"
cat > shapes <<'SHAPES'
2001:db8:1:2:3:4:5:0 2001:db8:1:2:3:4:5::
2001:db8:1:2::5:0 2001:db8:1:2::5:0
2001:db8:aaaa:1:2:3:4:0 2001:db8:aaaa:1:2:3:4::
2a01:4f8:bbbb:cccc:dddd:eeee:ffff:0 2a01:4f8:bbbb:cccc:dddd:eeee:ffff::
2001:db8:1:2:3:4:0:0 2001:db8:1:2:3:4::
2001:db8:0:0:1:0:0:1 2001:db8::1:0:0:1
1:0:0:2:0:0:3:4 1::2:0:0:3:4
2001:db8:0:1:1:1:1:1 2001:db8::1:1:1:1:1
0:1:2:3:4:5:6:7 ::1:2:3:4:5:6:7
1:2:3:4:5:6:7:8 1:2:3:4:5:6:7:8
2001:DB8:0:0:0:0:0:0 2001:db8::
2001:db8:ab:cd:0:0:0:9 2001:db8:ab:cd::9
::102:304 ::102:304
64:ff9b::198.51.100.1 64:ff9b::c633:6401
2002:c000:201::1 2002:c000:201::1
2001:0:4136:e378:8000:63bf:3fff:fdd2 2001::4136:e378:8000:63bf:3fff:fdd2
SHAPES
# Neighbours that must not relay: the same /64 (or the same translator).
cat > strangers <<'STRANGERS'
2001:db8:1:2:3:4:5:1
2001:db8:aaaa:1:2:3:4:1
2001:0:4136:e378:8000:1234:5678:9abc
64:ff9b::cb00:7163
2002:c000:201::2
STRANGERS
while read -r address spelling; do ip -6 addr add "$address/128" dev lo nodad || not_ok "add $address"; done < shapes
while read -r address; do ip -6 addr add "$address/128" dev lo nodad || not_ok "add $address"; done < strangers
ip addr add 192.0.2.1/32 dev lo

STORE=$SCRATCH/store
mkdir "$STORE"
export RELAYLOCK_DIR="$STORE" RELAYLOCK_NEVER=""
unset RELAYLOCK_RULES RELAYLOCK_CDB RELAYLOCK_EXPIRY RELAYLOCK_V6PREFIX RELAYCLIENT RBLSMTPD

show='echo "$TCPREMOTEIP RELAYCLIENT=${RELAYCLIENT-unset}"'
POP=$(free_port)
RELAYLOCK_V6PREFIX=128 tcpserver -R -H -l pop.test 0 $POP relaylock sh -c 'echo "$TCPREMOTEIP"' 2>pop128.log &
CLEANUP_PIDS="$CLEANUP_PIDS $!"
POP64=$(free_port)
tcpserver -R -H -l pop.test 0 $POP64 relaylock true 2>pop64.log &
CLEANUP_PIDS="$CLEANUP_PIDS $!"
SMTP=$(free_port)
RELAYLOCK_V6PREFIX=128 tcpserver -R -H -l smtp.test 0 $SMTP relaylock-check sh -c "$show" 2>smtp128.log &
CLEANUP_PIDS="$CLEANUP_PIDS $!"
SMTP64=$(free_port)
tcpserver -R -H -l smtp.test 0 $SMTP64 relaylock-check sh -c "$show" 2>smtp64.log &
CLEANUP_PIDS="$CLEANUP_PIDS $!"
for p in $POP $POP64 $SMTP $SMTP64; do wait_port $p || not_ok "server on port $p did not start"; done
# connect FROM PORT: what the server program printed
connect() { tcpclient -R -H -i "$1" ::1 "$2" sh -c 'cat <&6' 2>/dev/null; }

# --- the spelling: tcpserver's TCPREMOTEIP is the lock key, exactly
while read -r address spelling; do
  same "tcpserver spells $address as $spelling" "$(connect "$address" $POP)" "$spelling"
  check "relaylock's key for $address is tcpserver's spelling" [ -f "$STORE/$spelling" ]
  contains "relaylock logs ip=$spelling" pop128.log "lock ip=$spelling user="
done < shapes
same "the IPv4 client is dotted" "$(tcpclient -R -H -i 192.0.2.1 127.0.0.1 $POP sh -c 'cat <&6' 2>/dev/null)" "192.0.2.1"
same "one lock per address, nothing else in the store" "$(ls "$STORE" | grep -vx 127.0.0.1 | wc -l)" "$(($(wc -l < shapes) + 1))"
lacks "no address is ever logged as ::" pop128.log "ip=:: "

# --- relaylock-check: the address that logged in relays, its neighbour not
while read -r address spelling; do
  same "exact lock: $address relays" "$(connect "$address" $SMTP)" "$spelling RELAYCLIENT="
done < shapes
while read -r address; do
  same "exact lock: the stranger $address does not relay" "$(connect "$address" $SMTP | cut -d' ' -f2)" "RELAYCLIENT=unset"
done < strangers
lacks "relaylock-check never names a lock ::" smtp128.log "lock=:: "

# A lock keyed :: (as an old build wrote for these clients) opens nothing,
# and :: itself is never locked.
rm -f "$STORE"/*
TCPREMOTEIP=:: RELAYLOCK_V6PREFIX=128 relaylock true 2>unspecified.log
check "TCPREMOTEIP=:: is never locked" [ ! -e "$STORE/::" ]
contains "... and says why" unspecified.log "not locking ip=:: \(not a client address\)"
printf '%s alice\n' "$(date +%s)" > "$STORE/::"
same "a lock keyed :: relays no client ending in a zero group" \
  "$(connect 2a01:4f8:bbbb:cccc:dddd:eeee:ffff:0 $SMTP | cut -d' ' -f2)" "RELAYCLIENT=unset"
rm -f "$STORE/::"

# --- /64 locks (the default): a customer's privacy addresses share its /64,
# but Teredo and NAT64 clients are strangers to each other.
connect 2001:db8:1:2:3:4:5:0 $POP64 >/dev/null
check "a native client is locked by its /64" [ -f "$STORE/2001:db8:1:2::%2f64" ]
same "... which covers its next privacy address" "$(connect 2001:db8:1:2:3:4:5:1 $SMTP64 | cut -d' ' -f2)" "RELAYCLIENT="
connect 2001:0:4136:e378:8000:63bf:3fff:fdd2 $POP64 >/dev/null
check "a Teredo client is locked by its exact address" [ -f "$STORE/2001::4136:e378:8000:63bf:3fff:fdd2" ]
same "... and relays" "$(connect 2001:0:4136:e378:8000:63bf:3fff:fdd2 $SMTP64 | cut -d' ' -f2)" "RELAYCLIENT="
same "... but another Teredo client of that server does not" "$(connect 2001:0:4136:e378:8000:1234:5678:9abc $SMTP64 | cut -d' ' -f2)" "RELAYCLIENT=unset"
connect 64:ff9b::198.51.100.1 $POP64 >/dev/null
check "a NAT64 client is locked by its exact address" [ -f "$STORE/64:ff9b::c633:6401" ]
same "... and another IPv4 host behind the translator does not relay" "$(connect 64:ff9b::cb00:7163 $SMTP64 | cut -d' ' -f2)" "RELAYCLIENT=unset"
connect 2002:c000:201::1 $POP64 >/dev/null
check "a 6to4 client is locked by its exact address" [ -f "$STORE/2002:c000:201::1" ]
same "... and its 6to4 neighbour does not relay" "$(connect 2002:c000:201::2 $SMTP64 | cut -d' ' -f2)" "RELAYCLIENT=unset"

# --- a login next to a RELAYLOCK_NEVER proxy locks the customer alone
rm -f "$STORE"/*
RELAYLOCK_NEVER="2001:db8:aaaa:1:2:3:4:1" TCPREMOTEIP=2001:db8:aaaa:1:2:3:4:0 relaylock true 2>/dev/null
check "a /64 holding a RELAYLOCK_NEVER address is not locked as a /64" [ ! -e "$STORE/2001:db8:aaaa:1::%2f64" ]
check "... the customer's exact address is" [ -f "$STORE/2001:db8:aaaa:1:2:3:4::" ]
same "... and the proxy does not relay" \
  "$(RELAYLOCK_NEVER="2001:db8:aaaa:1:2:3:4:1" TCPREMOTEIP=2001:db8:aaaa:1:2:3:4:1 relaylock-check sh -c "$show" 2>/dev/null | cut -d' ' -f2)" "RELAYCLIENT=unset"

# --- rules mode: the cdb keys are tcpserver's spelling, so tcpserver -x
# finds exactly the locked addresses.
rm -f "$STORE"/*
export RELAYLOCK_V6PREFIX=128
while read -r address spelling; do TCPREMOTEIP=$address relaylock true 2>/dev/null; done < shapes
printf ':allow\n' > smtp.rules
status "relaylock-rules compiles the IPv6 locks" 0 relaylock-rules smtp.cdb smtp.tmp < smtp.rules
RULES=$(free_port)
tcpserver -R -H -l smtp.test -x smtp.cdb 0 $RULES sh -c "$show" 2>rules.log &
CLEANUP_PIDS="$CLEANUP_PIDS $!"
wait_port $RULES || not_ok "rules server did not start"
while read -r address spelling; do
  same "tcpserver -x: the locked $address relays" "$(connect "$address" $RULES | cut -d' ' -f2)" "RELAYCLIENT="
done < shapes
while read -r address; do
  same "tcpserver -x: the stranger $address does not" "$(connect "$address" $RULES | cut -d' ' -f2)" "RELAYCLIENT=unset"
done < strangers

# --- the checker's log and throttle keys use the same spelling
yescrypt=$(echo secret | smtp-auth-passwd)
printf 'alice:%s\n' "$yescrypt" > users
smtp-auth-mkdb users.cdb users.tmp < users
mkdir state
while read -r address spelling; do
  printf 'alice\0wrong\0\0' > fd3
  CHKPW_USERS=$SCRATCH/users.cdb CHKPW_STATE=$SCRATCH/state TCPREMOTEIP=$address \
    smtp-auth-checkpassword true 3<fd3 </dev/null >/dev/null 2>chk.log
  contains "the checker logs $address as ip=$spelling" chk.log " ip=$spelling( |\$)"
done < shapes

# --- CHKPW_TRUSTED compares bytes: the spelling a broken formatter made of
# an address ending in a zero group must not make it trusted
guess() {  # TRUSTED ADDRESS: the exit status of a wrong password, then of the right one
  for password in wrong wrong secret; do
    printf 'alice\0%s\0\0' "$password" > fd3
    CHKPW_USERS=$SCRATCH/users.cdb CHKPW_STATE=$SCRATCH/state CHKPW_MAXFAIL=1 CHKPW_TRUSTED=$1 TCPREMOTEIP=$2 \
      smtp-auth-checkpassword true 3<fd3 </dev/null >/dev/null 2>>chk.log
    printf '%s ' $?
  done
}
same "CHKPW_TRUSTED=2001:db8:1:2::/128 does not trust 2001:db8:1:2::5:0 (locked out)" \
  "$(guess 2001:db8:1:2::/128 2001:db8:1:2::5:0)" "1 1 1 "
same "CHKPW_TRUSTED=::/128 does not trust 2001:db8:aaaa:1:2:3:4:0" "$(guess ::/128 2001:db8:aaaa:1:2:3:4:0)" "1 1 1 "
same "CHKPW_TRUSTED=2001:db8:9:2::5:0 trusts exactly that address (never locked)" \
  "$(guess 2001:db8:9:2::5:0 2001:db8:9:2::5:0)" "1 1 0 "
finish
