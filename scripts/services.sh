#!/usr/bin/env bash
# services.sh - start the real services the test suite needs, from Debian packages, as root.
#
# Usage: scripts/services.sh start|stop|restart|url|status postgres|slurm|all
#        scripts/services.sh tools   installs the terminal tools tests drive programs with (tmux)
#   start  postgres: installs PostgreSQL if missing, starts its cluster, creates the test role and
#          database (idempotent), and prints the database URL on the last line of stdout
#          slurm: installs slurmctld, slurmd and munge if missing, writes /etc/slurm/slurm.conf for
#          one node 'localhost' (127.0.0.1), starts munged, slurmctld and slurmd and waits for the
#          node to be idle; sbatch, squeue, scontrol and scancel then work with no extra environment
#          all: both, Slurm first, so the URL stays the last line
#          A second start restarts nothing, unless our slurm.conf changed (e.g. SLURM_KILLWAIT).
#   stop   stops only what this script started (its pid files, postgres.started)
#   restart postgres: an immediate restart of the running cluster, as after a crash (tests of
#          outages use it; immediate, so it never waits for a checkpoint in progress)
#   url    prints the PostgreSQL URL without starting anything
#   status one line per service on stdout; exits 1 if one is not up
# Everything but the URL and status goes to stderr.
# Environment: SERVICES_DIR (default /tmp/farm-services; Slurm's state, spool, logs and pid files
# are in $SERVICES_DIR/slurm), PG_DB, PG_USER, PG_PASSWORD (default farm_test / farm / farm),
# SLURM_KILLWAIT (default 10: seconds from SIGTERM to SIGKILL when a job hits its time limit).
set -Eeuo pipefail

ACTION=${1:?usage: services.sh start|stop|restart|url|status postgres|slurm|all, or services.sh tools}
SERVICE=${2:-postgres}
DIR=$(realpath -m "${SERVICES_DIR:-/tmp/farm-services}")
PG_DB=${PG_DB:-farm_test}
PG_USER=${PG_USER:-farm}
PG_PASSWORD=${PG_PASSWORD:-farm}
SLURM_KILLWAIT=${SLURM_KILLWAIT:-10}
export DEBIAN_FRONTEND=noninteractive
export SLURM_CONF=/etc/slurm/slurm.conf    # our daemons and clients read our file, whatever the caller set

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }
trap 'die "line $LINENO: $BASH_COMMAND failed"' ERR

case $SERVICE in postgres | slurm | all) ;; *) die "unknown service '$SERVICE' (postgres|slurm|all)" ;; esac
[[ $SLURM_KILLWAIT =~ ^[0-9]+$ ]] || die "SLURM_KILLWAIT must be a number of seconds, not '$SLURM_KILLWAIT'"
want() { [[ $SERVICE == all || $SERVICE == "$1" ]]; }
install -d "$DIR"

need_root() { [[ $(id -u) -eq 0 ]] || die "$1 needs root"; }

APT_UPDATED=0
need_packages() {             # install only what is missing; --no-upgrade leaves the image alone
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  need_root "installing ${missing[*]}"
  if ((!APT_UPDATED)); then
    apt-get update -qq || die "apt-get update failed"
    APT_UPDATED=1
  fi
  log "apt-get install ${missing[*]}"
  apt-get install -y -qq --no-install-recommends --no-upgrade "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
}

running() {                   # running PIDFILE NAME: the pid in PIDFILE is a live (not zombie) NAME
  local pid
  pid=$(head -n1 "$1" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ && $(cat "/proc/$pid/comm" 2>/dev/null) == "$2" ]] || return 1
  [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]]   # PID 1 here reaps lazily
}

stop_pid() {                  # stop_pid PIDFILE NAME: SIGTERM, up to 20 s, then SIGKILL
  [[ -n $1 ]] || return 0
  running "$1" "$2" || { rm -f "$1"; return 0; }
  local pid
  pid=$(head -n1 "$1")
  log "stopping $2 (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 40); do running "$1" "$2" || break; sleep 0.5; done
  if running "$1" "$2"; then log "$2 (pid $pid) ignored SIGTERM: SIGKILL"; kill -KILL "$pid" || true; fi
  rm -f "$1"
}

# ---------------------------------------------------------------- PostgreSQL

cluster() {                   # "version name port status" of the newest cluster, preferring 'main'
  pg_lsclusters -h 2>/dev/null | sort -V | awk '{print $1, $2, $3, $4, ($2 == "main")}' \
    | sort -k5,5n -s | tail -n1 | cut -d' ' -f1-4
}

pg_url() { echo "postgresql://$PG_USER:$PG_PASSWORD@127.0.0.1:$1/$PG_DB"; }

start_postgres() {
  need_packages postgresql
  local ver name port status
  read -r ver name port status < <(cluster) || true
  if [[ -z ${ver:-} ]]; then
    ver=$(ls /usr/lib/postgresql | sort -V | tail -n1)
    log "creating PostgreSQL $ver cluster main"
    pg_createcluster "$ver" main >/dev/null
    read -r ver name port status < <(cluster)
  fi
  if [[ $status != online ]]; then
    log "starting PostgreSQL $ver/$name on port $port"
    pg_ctlcluster "$ver" "$name" start || die "pg_ctlcluster $ver $name start failed"
    echo "$ver $name" >"$DIR/postgres.started"
  fi
  for _ in $(seq 60); do pg_isready -q -h 127.0.0.1 -p "$port" && break; sleep 0.5; done
  pg_isready -q -h 127.0.0.1 -p "$port" || die "PostgreSQL is not ready on port $port"
  (cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$port" \
      -v u="$PG_USER" -v pw="$PG_PASSWORD" -v db="$PG_DB") <<'SQL' || die "creating role/database failed"
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'u', :'pw')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'u')\gexec
SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', :'u', :'pw')\gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'u')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')\gexec
SQL
  log "PostgreSQL ready: $(pg_url "$port" | sed 's/:[^:@]*@/:***@/')"
  pg_url "$port"
}

stop_postgres() {
  [[ -s $DIR/postgres.started ]] || { log "PostgreSQL was not started by this script"; return 0; }
  local ver name
  read -r ver name <"$DIR/postgres.started"
  pg_ctlcluster "$ver" "$name" stop && rm -f "$DIR/postgres.started"
}

restart_postgres() {
  local ver name port status
  read -r ver name port status < <(cluster) || true
  [[ ${status:-} == online ]] || die "no PostgreSQL cluster is running"
  need_root "restarting PostgreSQL"
  log "restarting PostgreSQL $ver/$name"
  pg_ctlcluster "$ver" "$name" restart -m immediate || die "pg_ctlcluster $ver $name restart failed"
  for _ in $(seq 60); do pg_isready -q -h 127.0.0.1 -p "$port" && return 0; sleep 0.5; done
  die "PostgreSQL is not ready on port $port after the restart"
}

status_postgres() {
  local ver name port status
  read -r ver name port status < <(cluster) || true
  if [[ ${status:-} == online ]]; then
    echo "postgres: up, $ver/$name on 127.0.0.1:$port$([[ -s $DIR/postgres.started ]] && echo ', started by this script')"
  else
    echo "postgres: down${ver:+ ($ver/$name $status)}"
    return 1
  fi
}

# ---------------------------------------------------------------- Slurm: one node, munge auth

SD=$DIR/slurm
CONF_MARK='# Written by HPC Taskfarm scripts/services.sh: it rewrites this file; do not edit.'
MUNGED_PID=$DIR/munged.pid   # only when this script started munged

slurm_conf() {
  cat <<EOF
$CONF_MARK
# A single-node test cluster: no cgroups, no accounting (no slurmdbd, no sacct).
ClusterName=farmtest
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
# start a submitted job at once, not after up to 3 s (the default batch_sched_delay)
SchedulerParameters=batch_sched_delay=0
# reject at submission what the node can never run (else it pends forever)
EnforcePartLimits=ALL
ReturnToService=2
MinJobAge=300
KillWait=$SLURM_KILLWAIT
StateSaveLocation=$SD/state
SlurmdSpoolDir=$SD/spool
SlurmctldPidFile=$SD/run/slurmctld.pid
SlurmdPidFile=$SD/run/slurmd.pid
SlurmctldLogFile=$SD/log/slurmctld.log
SlurmdLogFile=$SD/log/slurmd.log
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$(awk '/^MemTotal:/ {print int($2 / 1024 * 0.9)}' /proc/meminfo) State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
}

conf_value() { sed -n "s/^$1=//p" "$SLURM_CONF" | head -n1; }

configure_slurm() {           # write slurm.conf; if ours changed, stop the daemons that run the old one
  local new
  new=$(slurm_conf)
  if [[ -e $SLURM_CONF ]]; then
    [[ $(head -n1 "$SLURM_CONF") == "$CONF_MARK" ]] \
      || die "$SLURM_CONF was not written by this script: move it away to let it write its own"
    [[ $(<"$SLURM_CONF") != "$new" ]] || return 0
    need_root "rewriting $SLURM_CONF"
    log "$SLURM_CONF changed: restarting our Slurm daemons"
    stop_pid "$(conf_value SlurmdPidFile)" slurmd
    stop_pid "$(conf_value SlurmctldPidFile)" slurmctld
  fi
  need_root "writing $SLURM_CONF"
  install -d /etc/slurm
  printf '%s\n' "$new" >"$SLURM_CONF.new"
  chmod 0644 "$SLURM_CONF.new" && mv "$SLURM_CONF.new" "$SLURM_CONF"
  log "wrote $SLURM_CONF"
}

munge_ok() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

start_munge() {
  munge_ok && return 0
  need_root "starting munged"
  if [[ ! -s /etc/munge/munge.key ]]; then
    log "creating /etc/munge/munge.key"
    install -d -o munge -g munge -m 0700 /etc/munge
    mungekey --create --keyfile=/etc/munge/munge.key || die "mungekey --create failed"
  fi
  # munged refuses to start as user munge over files a root run left behind
  chown munge:munge /etc/munge/munge.key && chmod 0600 /etc/munge/munge.key
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0700 /var/log/munge
  install -d -o munge -g munge -m 0711 /var/lib/munge
  chown -R munge:munge /var/log/munge /var/lib/munge
  log "starting munged (as user munge)"
  runuser -u munge -- /usr/sbin/munged || die "munged did not start (see /var/log/munge/munged.log)"
  for _ in $(seq 20); do munge_ok && break; sleep 0.5; done
  munge_ok || die "munged started but 'munge -n | unmunge' fails (see /var/log/munge/munged.log)"
  cp /run/munge/munged.pid "$MUNGED_PID"
}

node_state() { sinfo -h -N -n localhost -o %T 2>/dev/null | head -n1; }

start_slurm() {
  need_packages slurmctld slurmd slurm-client munge
  configure_slurm             # first: it refuses a slurm.conf it did not write
  install -d "$SD"/{state,spool,log,run}
  start_munge

  if ! running "$SD/run/slurmctld.pid" slurmctld; then
    need_root "starting slurmctld"
    log "starting slurmctld"
    slurmctld >&2 || die "slurmctld did not start (see $SD/log/slurmctld.log)"
  fi
  for _ in $(seq 60); do scontrol ping 2>/dev/null | grep -q 'is UP' && break; sleep 0.5; done
  scontrol ping 2>/dev/null | grep -q 'is UP' \
    || die "slurmctld does not answer 'scontrol ping' (see $SD/log/slurmctld.log)"

  if ! running "$SD/run/slurmd.pid" slurmd; then
    need_root "starting slurmd"
    log "starting slurmd"
    slurmd -N localhost >&2 || die "slurmd did not start (see $SD/log/slurmd.log)"
  fi
  local state resumed=0 deadline=$((SECONDS + 30))
  while state=$(node_state); ! [[ $state =~ ^(idle|mixed|allocated|completing)$ ]]; do
    if [[ $state =~ ^(down|drain|drained|draining)$ ]] && ((!resumed)); then   # left so by an earlier run
      log "node localhost is $state ($(sinfo -h -N -n localhost -o %E)): resuming it"
      scontrol update NodeName=localhost State=RESUME >&2 || true
      resumed=1
    fi
    ((SECONDS < deadline)) \
      || die "node localhost is '${state:-unknown}', not idle, after 30 s (see $SD/log/slurmd.log)"
    sleep 0.5
  done
  log "Slurm ready: node localhost is $state (logs in $SD/log)"
}

stop_slurm() {
  stop_pid "$SD/run/slurmd.pid" slurmd
  stop_pid "$SD/run/slurmctld.pid" slurmctld
  stop_pid "$MUNGED_PID" munged
}

status_slurm() {
  command -v scontrol >/dev/null || { echo "slurm: not installed"; return 1; }
  local started="" f
  for f in "$SD/run/slurmctld.pid" "$SD/run/slurmd.pid" "$MUNGED_PID"; do   # "NAME PID" of ours
    running "$f" "$(basename "$f" .pid)" && started+="${started:+,} $(basename "$f" .pid) $(head -n1 "$f")"
  done
  started=${started:+ (started by this script:$started)}
  if ! munge_ok; then echo "slurm: down (munged does not answer)$started"; return 1; fi
  if ! scontrol ping 2>/dev/null | grep -q 'is UP'; then echo "slurm: down (slurmctld does not answer)$started"; return 1; fi
  local state
  state=$(node_state)
  if [[ $state =~ ^(idle|mixed|allocated|completing)$ ]]; then
    echo "slurm: up, node localhost $state$started"
  else
    echo "slurm: down (node localhost is '${state:-unknown}')$started"
    return 1
  fi
}

# ---------------------------------------------------------------- main

case $ACTION in
  tools)
    need_packages tmux        # the dashboard's smoke test runs farm-tui in a tmux pane
    ;;
  start)
    if want slurm; then start_slurm; fi
    if want postgres; then start_postgres; fi
    ;;
  stop)
    if want slurm; then stop_slurm; fi
    if want postgres; then stop_postgres; fi
    ;;
  restart)
    [[ $SERVICE == postgres ]] || die "only postgres can be restarted"
    restart_postgres
    ;;
  url)
    want postgres || die "slurm has no URL"
    read -r _ _ port _ < <(cluster) && pg_url "$port"
    ;;
  status)
    rc=0
    if want slurm; then status_slurm || rc=1; fi
    if want postgres; then status_postgres || rc=1; fi
    exit $rc
    ;;
  *) die "unknown action '$ACTION' (start|stop|restart|url|status|tools)" ;;
esac
