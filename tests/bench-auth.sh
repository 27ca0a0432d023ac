#!/bin/sh
# make bench, SMTP AUTH part. Each figure is printed next to a baseline
# measured in the same run, as a ratio:
#  1. smtp-auth-checkpassword PROG (a {PLAIN} user in a 1,000,000-user
#     cdb, then exec /bin/true) against env /bin/true: start-up and lookup
#     cost. Target: at most 1.0.
#  2. an unknown user against a wrong password for a yescrypt user: no user
#     enumeration by timing. Target: 0.9 to 1.1.
#  3. smtp-auth-mkdb against freecdb's cdbmake on the same 1,000,000
#     records. Target: at most 2.0.
#  4. the refusal floor: for each scheme (smtp-auth-passwd's yescrypt,
#     bcrypt, sha512, cram-md5, plain, and openssl's sha256-crypt), a
#     database of that one user, then one of all of them (its floor is the
#     costliest, bcrypt's): a wrong password for the scheme's user against
#     an unknown user. Limit: 0.9 to 1.1.
# Runs are interleaved; figures are medians of per-run wall times (mkdb:
# median of 5 builds each).
. "$(dirname "$0")/lib.sh"
cd "$SCRATCH" || exit 111
RUNS=${AUTH_BENCH_RUNS:-2000}
HASH_RUNS=${AUTH_BENCH_HASH_RUNS:-300}
USERS=${AUTH_BENCH_USERS:-1000000}

# The driver forks and execs each command with its own descriptor-3 pipe,
# interleaving the commands, and prints each median in microseconds.
cat > driver.cc <<'CC'
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <vector>
// driver RUNS INPUT1 CMD1... -- INPUT2 CMD2... : INPUT is written to fd 3
#include <fcntl.h>
int main(int argc, char** argv)
{
    int runs = std::atoi(argv[1]);
    // the programs' log lines go to a file of their own (not the same file
    // as descriptors 0 and 1, or they would go to syslog)
    int log = open("driver.log", O_WRONLY | O_CREAT | O_APPEND, 0644);
    std::vector<std::pair<std::string, std::vector<char*>>> cmds;
    for (int i = 2; i < argc;) {
        std::pair<std::string, std::vector<char*>> c;
        c.first = argv[i++];
        for (size_t j = 0; j < c.first.size(); ++j) if (c.first[j] == '|') c.first[j] = '\0';
        while (i < argc && std::strcmp(argv[i], "--") != 0) c.second.push_back(argv[i++]);
        ++i;
        c.second.push_back(nullptr);
        cmds.push_back(c);
    }
    std::vector<std::vector<double>> times(cmds.size());
    int bad = 0;
    for (int r = 0; r < runs; ++r)
        for (size_t k = 0; k < cmds.size(); ++k) {
            int p[2];
            if (pipe(p) != 0) return 111;
            if (write(p[1], cmds[k].first.data(), cmds[k].first.size()) < 0) return 111;
            close(p[1]);
            timespec a, b;
            clock_gettime(CLOCK_MONOTONIC, &a);
            pid_t pid = fork();
            if (pid == 0) {
                dup2(log, 2);
                dup2(p[0], 3);
                if (p[0] != 3) close(p[0]);
                execv(cmds[k].second[0], cmds[k].second.data());
                _exit(127);
            }
            int st;
            waitpid(pid, &st, 0);
            clock_gettime(CLOCK_MONOTONIC, &b);
            close(p[0]);
            if (r == 0) std::fprintf(stderr, "exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128);
            times[k].push_back((b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3);
        }
    for (auto& t : times) {
        std::sort(t.begin(), t.end());
        std::printf("%.1f ", t[t.size() / 2]);
    }
    std::printf("\n");
    return bad;
}
CC
g++ -O2 -o driver driver.cc || { echo "not ok - bench driver does not compile"; exit 1; }

ratio() { python3 -c "print('%.2f' % ($1 / $2))"; }
within() { python3 -c "import sys; sys.exit(0 if $2 <= $1 <= $3 else 1)"; }
seconds() { python3 -c 'import subprocess,sys,time
t=time.monotonic(); r=subprocess.run(sys.argv[2:], stdin=open(sys.argv[1],"rb")); e=time.monotonic()-t
print("%.3f" % e if r.returncode == 0 else "fail")' "$@"; }

echo "# generating $USERS users ({PLAIN}, plus a yescrypt user)"
yes_hash=$(echo secret | smtp-auth-passwd)
python3 - "$USERS" "$yes_hash" <<'PY'
import sys
n = int(sys.argv[1])
with open("users", "w") as u, open("cdbmake.in", "w") as c:
    u.write("yesuser:%s\n" % sys.argv[2])
    c.write("+7,%d:yesuser->%s\n" % (len(sys.argv[2]), sys.argv[2]))
    for i in range(n):
        k = "user%d@example.com" % i
        v = "{PLAIN}pw%d" % i
        u.write("%s:%s\n" % (k, v))
        c.write("+%d,%d:%s->%s\n" % (len(k), len(v), k, v))
    c.write("\n")
PY

mk=""; cm=""
for i in 1 2 3 4 5; do
  mk="$mk $(seconds users "$TOP/smtp-auth-checkpassword/smtp-auth-mkdb" users.cdb users.tmp)"
  cm="$cm $(seconds cdbmake.in cdbmake ref.cdb ref.tmp)"
done
median5() { echo "$@" | tr ' ' '\n' | grep -v '^$' | sort -n | sed -n 3p; }
mk=$(median5 $mk); cm=$(median5 $cm)
r=$(ratio "$mk" "$cm")
if within "$r" 0 2.0; then ok "smtp-auth-mkdb ${mk}s vs cdbmake ${cm}s on $USERS records: ratio $r (target <= 2.0)"
else not_ok "smtp-auth-mkdb ${mk}s vs cdbmake ${cm}s on $USERS records: ratio $r (target <= 2.0)"; fi
check "both cdbs answer the same" test "$(cdbget user4242@example.com < users.cdb)" = "$(cdbget user4242@example.com < ref.cdb)"

CHKPW_USERS=$SCRATCH/users.cdb TCPREMOTEIP=192.0.2.1 SMTPAUTH=
export CHKPW_USERS TCPREMOTEIP SMTPAUTH
checker=$TOP/smtp-auth-checkpassword/smtp-auth-checkpassword
env_bin=$(command -v env)
n=$((USERS / 2 + 1))
set -- $(./driver "$RUNS" "user$n@example.com|pw$n|" "$checker" /bin/true -- "x|y|" "$env_bin" /bin/true 2>driver.err)
r=$(ratio "$1" "$2")
if within "$r" 0 1.0; then ok "smtp-auth-checkpassword /bin/true ${1}us vs env /bin/true ${2}us (medians of $RUNS): ratio $r (target <= 1.0)"
else not_ok "smtp-auth-checkpassword /bin/true ${1}us vs env /bin/true ${2}us (medians of $RUNS): ratio $r (target <= 1.0)"; fi
same "the checker's runs succeeded" "$(head -1 driver.err)" "exit 0"

set -- $(./driver "$HASH_RUNS" "nosuchuser|wrong|" "$checker" /bin/true -- "yesuser|wrong|" "$checker" /bin/true 2>driver.err)
r=$(ratio "$1" "$2")
if within "$r" 0.9 1.1; then ok "unknown user ${1}us vs wrong password for a yescrypt user ${2}us (medians of $HASH_RUNS): ratio $r (target 0.9-1.1)"
else not_ok "unknown user ${1}us vs wrong password for a yescrypt user ${2}us (medians of $HASH_RUNS): ratio $r (target 0.9-1.1)"; fi
same "both were refused" "$(tr '\n' ' ' < driver.err)" "exit 1 exit 1 "

set -- $(./driver "$HASH_RUNS" "nosuchuser|wrong|" "$checker" /bin/true -- "user$n@example.com|wrong|" "$checker" /bin/true 2>driver.err)
r=$(ratio "$1" "$2")
if within "$r" 0.9 1.1; then ok "unknown user ${1}us vs wrong password for a {PLAIN} user ${2}us (medians of $HASH_RUNS): ratio $r (target 0.9-1.1)"
else not_ok "unknown user ${1}us vs wrong password for a {PLAIN} user ${2}us (medians of $HASH_RUNS): ratio $r (target 0.9-1.1)"; fi
same "both were refused" "$(tr '\n' ' ' < driver.err)" "exit 1 exit 1 "

# 4. the refusal floor, with medians of FLOOR_RUNS (bcrypt is slow)
FLOOR_RUNS=${AUTH_BENCH_FLOOR_RUNS:-25}
mkdb=$TOP/smtp-auth-checkpassword/smtp-auth-mkdb
passwd=$TOP/smtp-auth-checkpassword/smtp-auth-passwd
: > floor-all
for s in yescrypt bcrypt sha512 sha256 cram-md5 plain; do
  if [ "$s" = sha256 ]; then h=$(openssl passwd -5 secret 2>/dev/null) || continue
  else h=$(echo secret | "$passwd" -s "$s"); fi
  echo "$s-user:$h" > "floor-$s"
  echo "$s-user:$h" >> floor-all
  "$mkdb" "floor-$s.cdb" "floor-$s.tmp" < "floor-$s" || not_ok "smtp-auth-mkdb builds the $s database"
  set -- $(CHKPW_USERS=$SCRATCH/floor-$s.cdb ./driver "$FLOOR_RUNS" "$s-user|wrong|" "$checker" /bin/true -- "nosuchuser|wrong|" "$checker" /bin/true 2>driver.err)
  r=$(ratio "$1" "$2")
  text="refusal floor, $s alone: wrong password ${1}us vs unknown user ${2}us (medians of $FLOOR_RUNS): ratio $r (limit 0.9-1.1)"
  if within "$r" 0.9 1.1; then ok "$text"; else not_ok "$text"; fi
  same "both were refused ($s alone)" "$(tr '\n' ' ' < driver.err)" "exit 1 exit 1 "
done
"$mkdb" floor-all.cdb floor-all.tmp < floor-all || not_ok "smtp-auth-mkdb builds the database of every scheme"
schemes=$(cut -d- -f1 floor-all | sed 's/^cram$/cram-md5/')
args=""
for s in $schemes; do args="$args $s-user|wrong| $checker /bin/true --"; done
# shellcheck disable=SC2086
set -- $(CHKPW_USERS=$SCRATCH/floor-all.cdb ./driver "$FLOOR_RUNS" "nosuchuser|wrong|" "$checker" /bin/true -- $args 2>driver.err)
unknown=$1; shift
for s in $schemes; do
  r=$(ratio "$1" "$unknown")
  text="refusal floor, every scheme in one database: wrong password for the $s user ${1}us vs unknown user ${unknown}us (medians of $FLOOR_RUNS): ratio $r (limit 0.9-1.1)"
  if within "$r" 0.9 1.1; then ok "$text"; else not_ok "$text"; fi
  shift
done
check "all were refused (every scheme in one database)" sh -c '! grep -v "^exit 1$" driver.err'
finish
