# Part 4: several hosts, one store (INSTALL, step 31).
. "$(dirname "$0")/../tests/lib.sh"

echo "Part 4. Several hosts: a POP login on one host, sending through another"
echo "======================================================================="
say "A provider runs several POP3 hosts and several SMTP hosts behind a load balancer, so the host that sees Alice's POP login is not the one she sends through. Here the relay locks live in one Redis (started for the demonstration on a Unix socket, with a password), and every value in it is signed with a key only the mail hosts have."

R=$SCRATCH/redis
mkdir -m 700 $R
head -c 32 /dev/urandom > $R/store.key
head -c 18 /dev/urandom | base64 > $R/redis.pass
redis-server --port 0 --unixsocket $R/sock --unixsocketperm 700 --save '' --appendonly no \
  --dir $R --requirepass "$(cat $R/redis.pass)" > $R/log 2>&1 &
REDIS_PID=$!
CLEANUP_PIDS="$CLEANUP_PIDS $REDIS_PID"
i=0; while [ ! -S $R/sock ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
export RELAYLOCK_STORE=redis+unix://$R/sock QSEND_STORE_KEYFILE=$R/store.key \
  QSEND_STORE_PASSFILE=$R/redis.pass RELAYLOCK_NEVER=""
rcli() { redis-cli -s $R/sock --pass "$(cat $R/redis.pass)" --no-auth-warning "$@"; }

POP_A=$(free_port) SMTP_B=$(free_port)
if [ "$(id -u)" -eq 0 ]; then
  serve $POP_A $SCRATCH/pop-a.log relaylock-guard $STANDINS/qmail-popup $STANDINS/checkpassword relaylock $STANDINS/qmail-pop3d
else
  serve $POP_A $SCRATCH/pop-a.log $STANDINS/qmail-popup $STANDINS/checkpassword relaylock $STANDINS/qmail-pop3d
fi
serve $SMTP_B $SCRATCH/smtp-b.log relaylock-check $STANDINS/qmail-smtpd

step "The services"
say "Host A, POP3 on 127.0.0.1:$POP_A, and host B, SMTP on 127.0.0.1:$SMTP_B, both with RELAYLOCK_STORE=redis+unix://.../sock (in production: redis://qsend@127.0.0.1:6379 through a stunnel tunnel to the Redis host)."

send() {  # FROM
  tcpclient -R -H -i $1 127.0.0.1 $SMTP_B sh -c '
    printf "HELO pc\r\nMAIL FROM:<alice@example.test>\r\nRCPT TO:<friend@elsewhere.example>\r\nQUIT\r\n" >&7
    cat <&6' 2>/dev/null | grep -E '^(250 ok|553)' | tail -n 1
}
fetch() { tcpclient -R -H -i $1 127.0.0.1 $POP_A sh -c "printf 'USER alice\r\nPASS secret\r\nQUIT\r\n' >&7; cat <&6" 2>/dev/null | sed 1d; }

step "1. Alice at 127.0.0.2 fetches her mail on host A, then sends through host B"
fetch 127.0.0.2 | show
send 127.0.0.2 | show
say "Accepted: host A wrote the lock into Redis, host B read it. In Redis it is one key with a time to live of the expiry, its value signed:"
echo "$(rcli --scan --pattern 'qsend:relaylock:*')  ttl $(rcli ttl qsend:relaylock:127.0.0.2) s" | show
printf "%s\n" "$(rcli get qsend:relaylock:127.0.0.2)" | show

step "2. Someone who can reach Redis, but has no key, writes a lock for 127.0.0.3"
rcli set qsend:relaylock:127.0.0.3 "$(date +%s) mallory" | show
send 127.0.0.3 | show
say "Refused: the value carries no valid signature, so it grants nothing, and host B says so:"
grep 'no valid signature' $SCRATCH/smtp-b.log | head -n 1 | show

step "3. Redis stops answering"
kill -STOP $REDIS_PID
fetch 127.0.0.4 | show
send 127.0.0.2 | show
say "The POP login still went through (with a warning, within the half-second timeout), and nobody relays while the locks cannot be read:"
grep 'warning' $SCRATCH/pop-a.log | tail -n 1 | show
kill -CONT $REDIS_PID
send 127.0.0.2 | show
say "Redis answers again: the next connection uses it, with no restart."
