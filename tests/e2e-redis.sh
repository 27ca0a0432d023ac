#!/bin/sh
# Several hosts, one store (INSTALL, step 31), for real on loopback (host
# A's services on 127.0.0.2, host B's on 127.0.0.3): a
# redis-server with the ACL file qsend-redis-acl writes, the installed
# stunnel-redis-server.conf in front of it, and for each of two "hosts"
# its own installed stunnel-redis-client.conf tunnel, the run scripts
# redis-tls and redis-tunnel starting them. Host A's POP chain locks a
# client, host B's relaylock-check honours the lock; a guesser spread over
# both hosts is counted as one; forged entries grant nothing; Redis
# stopped or killed blocks nothing and grants nothing, and is used again
# once it is back.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
  ok "# SKIP needs root (the POP chain's privilege separation, stunnel's setuid)"; finish
fi
H=$(head -n 1 "$TOP/conf-home") Q=$(head -n 1 "$TOP/conf-qmail") E=$(head -n 1 "$TOP/conf-etc")
R=$SCRATCH/root S=$SCRATCH/root$Q/supervise
(cd "$TOP" && make -s install-etc HOME_DIR=$R$H QMAIL_DIR=$R$Q ETC_DIR=$R$E) > $SCRATCH/make.log 2>&1 ||
  not_ok "make install-etc"
unset RELAYLOCK_DIR RELAYLOCK_RULES RELAYLOCK_CDB RELAYLOCK_EXPIRY RELAYCLIENT RBLSMTPD CHKPW_STATE CHKPW_STORE

# --- the secrets, made as INSTALL makes them
K=$R$E/qsend
(umask 077 && head -c 32 /dev/urandom > $K/store.key)
(umask 077 && echo "qsend:$(head -c 32 /dev/urandom | base64)" > $K/redis.psk)
(umask 077 && head -c 24 /dev/urandom | base64 > $K/redis.pass)
chmod 640 $K/store.key $K/redis.pass; chmod 600 $K/redis.psk

# --- the Redis host: redis-server with the installed ACL, TLS in front
mkdir $SCRATCH/redis
$R$H/libexec/qsend-redis-acl $K/redis.pass > $SCRATCH/redis/qsend.acl
status "qsend-redis-acl without its argument is a usage error" 100 $R$H/libexec/qsend-redis-acl
lacks "the ACL file holds the password's hash, not the password" $SCRATCH/redis/qsend.acl "$(cat $K/redis.pass)"
contains "... and switches the default user off" $SCRATCH/redis/qsend.acl '^user default off$'

# (and, for the test's own look inside, a user of its own)
echo 'user inspector on >inspector ~* +@all' >> $SCRATCH/redis/qsend.acl
REDIS_PORT=$(free_port)
start_redis() {
  redis-server --port $REDIS_PORT --bind 127.0.0.1 --save '' --appendonly no \
    --dir $SCRATCH/redis --aclfile $SCRATCH/redis/qsend.acl >> $SCRATCH/redis/log 2>&1 &
  REDIS_PID=$!
  CLEANUP_PIDS="$CLEANUP_PIDS $REDIS_PID"
  wait_port $REDIS_PORT || not_ok "redis-server did not start"
}
start_redis
TLS_PORT=$(free_port)
sed -i -e "s|^accept = 6380\$|accept = 127.0.0.1:$TLS_PORT|" \
  -e "s|^connect = 127.0.0.1:6379\$|connect = 127.0.0.1:$REDIS_PORT|" $K/stunnel-redis-server.conf
(cd $S/redis-tls && exec ./run) > $SCRATCH/redis-tls.log 2>&1 &
CLEANUP_PIDS="$CLEANUP_PIDS $!"

# --- two mail hosts, each with its tunnel (copies of the installed client
# configuration, edited as INSTALL says)
tunnel() {  # NAME: starts NAME's tunnel, sets TUNNEL_PORT
  TUNNEL_PORT=$(free_port)
  sed -e "s|^accept = 127.0.0.1:6379\$|accept = 127.0.0.1:$TUNNEL_PORT|" \
    -e "s|^connect = 10.0.0.9:6380\$|connect = 127.0.0.1:$TLS_PORT|" \
    $K/stunnel-redis-client.conf > $K/stunnel-redis-client-$1.conf
  sed "s|stunnel-redis-client.conf|stunnel-redis-client-$1.conf|" $S/redis-tunnel/run > $SCRATCH/run-$1
  sh $SCRATCH/run-$1 > $SCRATCH/tunnel-$1.log 2>&1 &
  CLEANUP_PIDS="$CLEANUP_PIDS $!"
}
tunnel a; PORT_A=$TUNNEL_PORT
tunnel b; PORT_B=$TUNNEL_PORT
for p in $TLS_PORT $PORT_A $PORT_B; do wait_port $p || not_ok "stunnel on port $p did not start"; done

rcli() { redis-cli -p $REDIS_PORT --user qsend --pass "$(cat $K/redis.pass)" --no-auth-warning "$@"; }
inspect() { redis-cli -p $REDIS_PORT --user inspector --pass inspector --no-auth-warning "$@"; }
same "through a tunnel, the ACL user reaches Redis" \
  "$(redis-cli -p $PORT_A --user qsend --pass "$(cat $K/redis.pass)" --no-auth-warning ping)" "PONG"
same "without the password, Redis answers nothing" \
  "$(redis-cli -p $PORT_A ping 2>&1 | grep -c PONG)" "0"
rcli flushall > $SCRATCH/flushall.out 2>&1
contains "the ACL user may not run what the programs never send" $SCRATCH/flushall.out 'NOPERM'

# each host's environment: INSTALL's envdir values, with its own tunnel
host_env() {  # PORT
  echo "RELAYLOCK_STORE=redis://qsend@127.0.0.1:$1 CHKPW_STORE=redis://qsend@127.0.0.1:$1" \
    "QSEND_STORE_KEYFILE=$K/store.key QSEND_STORE_PASSFILE=$K/redis.pass RELAYLOCK_NEVER="
}
ENV_A=$(host_env $PORT_A) ENV_B=$(host_env $PORT_B)
POP_A=$(free_port) SMTP_A=$(free_port) SMTP_B=$(free_port)
show_env='echo "RELAYCLIENT=${RELAYCLIENT-unset} USER=${RELAYLOCK_USER-unset}"'
env $ENV_A tcpserver -R -H -l pop.a 127.0.0.2 $POP_A relaylock-guard $STANDINS/qmail-popup \
  $STANDINS/checkpassword relaylock $STANDINS/qmail-pop3d 2>$SCRATCH/pop-a.log &
CLEANUP_PIDS="$CLEANUP_PIDS $!"
env $ENV_A tcpserver -R -H -l smtp.a 127.0.0.2 $SMTP_A relaylock-check sh -c "$show_env" 2>$SCRATCH/smtp-a.log &
CLEANUP_PIDS="$CLEANUP_PIDS $!"
env $ENV_B tcpserver -R -H -l smtp.b 127.0.0.3 $SMTP_B relaylock-check sh -c "$show_env" 2>$SCRATCH/smtp-b.log &
CLEANUP_PIDS="$CLEANUP_PIDS $!"
for p in 127.0.0.2:$POP_A 127.0.0.2:$SMTP_A 127.0.0.3:$SMTP_B; do  # (wait_port knows 127.0.0.1 only)
  python3 -c 'import socket, sys, time
host, port = sys.argv[1].split(":")
for _ in range(200):
    try:
        socket.create_connection((host, int(port)), 1).close(); sys.exit(0)
    except OSError: time.sleep(0.05)
sys.exit(1)' $p || not_ok "server on $p did not start"
done
pop_login() {  # FROM PASSWORD
  tcpclient -R -H -i $1 127.0.0.2 $POP_A sh -c "printf 'USER alice\r\nPASS $2\r\nQUIT\r\n' >&7; cat <&6" 2>/dev/null | sed 1d
}
smtp_env() {  # FROM [PORT]: host B, or host A's SMTP service when PORT is $SMTP_A
  host=127.0.0.3; [ "${2:-}" = "$SMTP_A" ] && host=127.0.0.2
  tcpclient -R -H -i $1 $host ${2:-$SMTP_B} sh -c 'cat <&6' 2>/dev/null
}
ms() { echo $(( $(date +%s%N) / 1000000 )); }
WELCOME=$(printf '+OK \n+OK maildrop ready (running as uid 65534)\n+OK ')

# --- POP before SMTP across hosts
same "before POP: 127.0.0.5 may not relay through host B" "$(smtp_env 127.0.0.5)" "RELAYCLIENT=unset USER=unset"
same "POP login on host A proceeds" "$(pop_login 127.0.0.5 secret)" "$WELCOME"
same "after POP on host A: 127.0.0.5 relays through host B" "$(smtp_env 127.0.0.5)" "RELAYCLIENT= USER=alice"
same "... and through host A" "$(smtp_env 127.0.0.5 $SMTP_A)" "RELAYCLIENT= USER=alice"
same "... 127.0.0.6 still may not" "$(smtp_env 127.0.0.6)" "RELAYCLIENT=unset USER=unset"
same "the lock is a Redis key under qsend:relaylock:" "$(rcli --scan --pattern 'qsend:relaylock:*')" "qsend:relaylock:127.0.0.5"
ttl=$(inspect ttl qsend:relaylock:127.0.0.5)
check "... with a time to live of the expiry (got $ttl)" test "$ttl" -gt 590 -a "$ttl" -le 601
same "relaylock-list on host B lists it" "$(env $ENV_B relaylock-list 2>&1 | grep -c '127\.0\.0\.5.*alice')" "1"

# --- forged entries: someone who reaches Redis, with the ACL password but
# without the store key
signed=$(rcli get qsend:relaylock:127.0.0.5)
rcli set qsend:relaylock:127.0.0.6 "$(date +%s) mallory" > /dev/null
same "an unsigned lock written with redis-cli grants nothing" "$(smtp_env 127.0.0.6)" "RELAYCLIENT=unset USER=unset"
rcli set qsend:relaylock:127.0.0.6 "$signed" > /dev/null
same "a genuine lock copied to another address grants nothing" "$(smtp_env 127.0.0.6)" "RELAYCLIENT=unset USER=unset"
rcli set qsend:relaylock:127.0.0.6 "$(printf '%s' "$signed" | sed 's/alice$/mallory/')" > /dev/null
same "a genuine lock with its user changed grants nothing" "$(smtp_env 127.0.0.6)" "RELAYCLIENT=unset USER=unset"
contains "relaylock-check logs the forgery" $SCRATCH/smtp-b.log 'relaylock-check: .*127\.0\.0\.6'
rcli del qsend:relaylock:127.0.0.6 > /dev/null

# --- the throttle: 40 guesses at once, half through each host
cd $SCRATCH || exit 111
printf 'bob:%s\n' "$(echo secret | smtp-auth-passwd)" > users
smtp-auth-mkdb users.cdb users.tmp < users || not_ok "smtp-auth-mkdb"
printf 'bob\000wrong\000' > in.wrong
printf 'bob\000secret\000' > in.right
guess() {  # ENV INPUT: exit status of one check from 192.0.2.40
  env $1 CHKPW_USERS=$SCRATCH/users.cdb CHKPW_MAXFAIL=5 CHKPW_WINDOW=600 CHKPW_LOCKOUT=600 SMTPAUTH= \
    TCPREMOTEIP=192.0.2.40 smtp-auth-checkpassword /bin/true 3<$2 </dev/null >/dev/null 2>>guess.log
}
guessers=""
i=0; while [ $i -lt 20 ]; do
  guess "$ENV_A" in.wrong & guessers="$guessers $!"
  guess "$ENV_B" in.wrong & guessers="$guessers $!"
  i=$((i + 1))
done
wait $guessers  # (not the servers)
verified=$(grep -c 'ip=192\.0\.2\.40 .*reason=bad_password$' guess.log)
locked=$(grep -c 'ip=192\.0\.2\.40 .*reason=locked_out$' guess.log)
same "40 parallel guesses over two hosts, CHKPW_MAXFAIL=5: exactly 5 passwords checked" "$verified" 5
same "... the other 35 refused unchecked" "$locked" 35
guess "$ENV_A" in.right; got $? 1 "the right password from the locked address is refused on host A"
guess "$ENV_B" in.right; got $? 1 "... and on host B"
env $ENV_B CHKPW_MAXFAIL=5 smtp-auth-throttle > list.txt 2>&1
contains "smtp-auth-throttle on host B lists the pair" list.txt '^192\.0\.2\.40 bob failures=0 locked=[0-9]+$'
for c in 192.0.2.40/bob 192.0.2.40 bob; do env $ENV_A CHKPW_MAXFAIL=5 smtp-auth-throttle -c $c; done
guess "$ENV_B" in.right; got $? 0 "cleared on host A, the right password works on host B"

# --- Redis stopped: nothing hangs past the timeouts, nothing relays, logins proceed
kill -STOP $REDIS_PID
t0=$(ms); out=$(pop_login 127.0.0.7 secret); t1=$(ms)
same "Redis stopped: the POP login proceeds" "$out" "$WELCOME"
check "... within the timeouts ($((t1 - t0)) ms)" test $((t1 - t0)) -lt 3000
contains "... with a warning" $SCRATCH/pop-a.log 'relaylock-guard: warning: .*127\.0\.0\.7'
t0=$(ms); out=$(smtp_env 127.0.0.5); t1=$(ms)
same "Redis stopped: no relay, even for a locked client" "$out" "RELAYCLIENT=unset USER=unset"
check "... within the timeouts ($((t1 - t0)) ms)" test $((t1 - t0)) -lt 3000
t0=$(ms); guess "$ENV_A" in.right; st=$?; t1=$(ms)
got $st 0 "Redis stopped: the checker checks the password without counting (CHKPW_STORE_FAULT=open)"
check "... within the timeouts ($((t1 - t0)) ms)" test $((t1 - t0)) -lt 3000
guess "$ENV_A CHKPW_STORE_FAULT=tempfail" in.right; got $? 111 "... or exits 111 with CHKPW_STORE_FAULT=tempfail"
kill -CONT $REDIS_PID
same "Redis resumed: the locked client relays again" "$(smtp_env 127.0.0.5)" "RELAYCLIENT= USER=alice"

# --- Redis killed, then restarted with nothing: service resumes, no restart of ours
kill -9 $REDIS_PID; wait $REDIS_PID 2>/dev/null
t0=$(ms); out=$(pop_login 127.0.0.8 secret); t1=$(ms)
same "Redis killed: the POP login proceeds" "$out" "$WELCOME"
check "... within the timeouts ($((t1 - t0)) ms)" test $((t1 - t0)) -lt 3000
same "Redis killed: no relay" "$(smtp_env 127.0.0.5)" "RELAYCLIENT=unset USER=unset"
start_redis
same "Redis restarted empty: the old lock is gone" "$(smtp_env 127.0.0.5)" "RELAYCLIENT=unset USER=unset"
same "a new POP login on host A" "$(pop_login 127.0.0.5 secret)" "$WELCOME"
same "... relays through host B again" "$(smtp_env 127.0.0.5)" "RELAYCLIENT= USER=alice"
out=$(env $ENV_B relaylock-revoke 127.0.0.5 2>&1)
same "relaylock-revoke on host B removes it" "$(smtp_env 127.0.0.5 $SMTP_A)" "RELAYCLIENT=unset USER=unset"
out=$(env $ENV_A relaylock-expire 2>&1); st=$?
got $st 0 "relaylock-expire works on the shared store"
cat $SCRATCH/pop-a.log $SCRATCH/smtp-a.log $SCRATCH/smtp-b.log guess.log > all.log
lacks "no log line holds the Redis password" all.log "$(cat $K/redis.pass)"
# the demonstration's part 4 tells the same story
(cd "$TOP" && sh demo/4-several-hosts.sh) > $SCRATCH/demo.out 2>&1
got $? 0 "demo/4-several-hosts.sh exits 0"
same "... shows a relay after the login on the other host, a refusal for the forgery, one while Redis is stopped, and a relay when it is back" \
  "$(grep -E '^    (250 ok|553 )' $SCRATCH/demo.out | cut -c5-7 | tr '\n' ' ')" "250 553 553 250 "
contains "... and the forgery's log line" $SCRATCH/demo.out 'no valid signature; ignored'
finish
