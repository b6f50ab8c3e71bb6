/* aurae-shim --state-dir DIR --log-dir DIR [--log-max-bytes N] [--log-max-files K]
 *            [--shim-cgroup DIR]... [--cgroup DIR]... [--oom-events FILE]
 *            [--cwd DIR] [--env-fd FD] [--user UID --group GID [--groups G,...]]
 *            [--umask OCTAL] [--rlimit NAME=SOFT:HARD]... [--stdin null|closed]
 *            [--join-ns PID[:KINDS]] [--unshare cgroup] -- ARGV0 [ARGS...]
 * aurae-shim ... [--unshare pid,net,mnt,uts,ipc,cgroup] --cell-init [--hostname NAME]
 * aurae-shim --launcher [--shim-cgroup DIR]...   (launcher.c: forks shims on request)
 *
 * Reports on stdout, one line each: `err <errno> <message>` (nothing runs,
 * exit 1) or `ok <pid> <startedAtUnixNano>` (the pid as the host sees it,
 * also for a workload in a cell's pid namespace), later `exited` once
 * DIR/status.json holds the exit status; EOF once the log is complete.
 * DIR is made if missing; the shim's warnings go to DIR/shim.log. Forked by
 * the launcher (--report-id ID first), stdout is the launcher's report pipe,
 * shared by every shim: the first report is prefixed with ID and is the only
 * one, so the pipe is let go of as soon as it is written. */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* fds 0-2 must be taken before any pipe is made: the child dup2s pipe ends
 * onto them, which goes wrong if a pipe end already is one of them. */
static int hold_std_fds(struct shim_err *e) {
  for (int fd = 0; fd < 3; fd++) {
    if (fcntl(fd, F_GETFD) >= 0) continue;
    int null = open("/dev/null", O_RDWR);
    if (null < 0) return fail(e, errno, "open /dev/null");
    if (null != fd) return fail(e, EBADF, "fd %d closed but /dev/null opened as %d", fd, null);
  }
  return 0;
}

/* Detached from the daemon: nothing here may depend on its directory or on
 * its reading the report pipe. */
static int settle_self(struct shim_err *e) {
  if (hold_std_fds(e) < 0) return -1;
  if (chdir("/") < 0) return fail(e, errno, "chdir /");
  if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) return fail(e, errno, "ignore SIGPIPE");
  return monitor_prepare(e);
}

/* Everything that can fail before anything runs. */
static int prepare(struct session *s, struct shim_err *e) {
  const struct shim_opts *o = s->opts;
  s->state_fd = open_state_dir(o->state_dir, e);
  if (s->state_fd < 0) return -1;
  s->log = logger_open(&o->log, e);
  if (s->log == NULL) return -1;
  if (o->oom_events != NULL) s->oom_before = read_oom_kills(o->oom_events);
  if (write_pid_file(s->state_fd, "shim.pid", getpid(), e) < 0) return wrap(e, "record shim pid in %s", o->state_dir);
  return 0;
}

/* The daemon's answer to its request: one line, one write (atomic on a pipe
 * shared with other shims). After it, a shim forked by the launcher lets go
 * of the shared pipe: later lines (exited) are for a pipe of its own only. */
static void report(const struct shim_opts *o, const char *line) {
  if (o->report_id == NULL) {
    say("%s", line);
    return;
  }
  say("%s %s", o->report_id, line);
  int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (null < 0 || dup2(null, STDOUT_FILENO) < 0) warn(errno, "let go of the launcher's report pipe");
  if (null >= 0) close(null);
}

static int start(struct session *s, struct shim_err *e) {
  struct workload *w = &s->workload;
  if (spawn_workload(s->opts, w, e) < 0) return -1;
  s->rec = (struct exit_record){.pid = w->pid, .started_ns = now_ns()};
  logger_add(s->log, "stdout", w->out_fd);
  logger_add(s->log, "stderr", w->err_fd);
  if (write_pid_file(s->state_fd, "pid", w->pid, e) < 0) {
    /* The daemon would not know what runs: take it back. */
    kill(w->pid, SIGKILL);
    while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR) {
    }
    return wrap(e, "record pid in %s", s->opts->state_dir);
  }
  char line[64];
  snprintf(line, sizeof line, "ok %d %lld\n", (int)w->pid, (long long)s->rec.started_ns);
  report(s->opts, line);
  return 0;
}

/* The report line is one line whatever the message holds. */
static int refuse(const struct shim_opts *o, struct shim_err *e) {
  for (char *c = e->msg; *c != '\0'; c++)
    if (*c == '\n' || *c == '\r') *c = ' ';
  warn_err(e);
  char line[sizeof e->msg + 32];
  snprintf(line, sizeof line, "err %d %s\n", e->errnum, e->msg);
  report(o, line);
  return 1;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--launcher") == 0) return run_launcher(argc, argv);
  struct shim_opts o = {0};
  struct session s = {.opts = &o, .state_fd = -1};
  struct shim_err e = {0};
  if (settle_self(&e) < 0 || parse_args(argc, argv, &o, &e) < 0 ||
      move_self(o.shim_cgroups, o.n_shim_cgroups, &e) < 0 || prepare(&s, &e) < 0 || start(&s, &e) < 0)
    return refuse(&o, &e);
  return monitor(&s);
}
