/* Waits for the workload while its output is copied, kills what it left
 * behind, records how it ended, then copies on until every holder of its
 * pipes has closed them and reaps every descendant that was orphaned to the
 * shim. */
#include "shim.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

/* Poll every so often when no signalfd could be had. */
#define REAP_POLL_MS 100

/* SIGCHLD must not be ignored (the kernel would reap the workload and lose
 * its status) and is blocked before fork, so a signalfd opened after fork
 * still sees an exit that came first. The shim is a child subreaper: what the
 * workload orphans becomes the shim's to reap, not the host init's. */
int monitor_prepare(struct shim_err *e) {
  struct sigaction dfl = {.sa_handler = SIG_DFL};
  if (sigaction(SIGCHLD, &dfl, NULL) < 0) return fail(e, errno, "reset SIGCHLD");
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) return fail(e, errno, "block SIGCHLD");
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) return fail(e, errno, "become a child subreaper");
  return 0;
}

/* One signalfd for every SIGCHLD: the workload's and its orphans'. */
static int open_sigchld_fd(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (fd < 0) warn(errno, "signalfd: checking children every %d ms", REAP_POLL_MS);
  return fd;
}

/* A signalfd stays readable until its queued signals are read. */
static void clear_sigchld_fd(int fd) {
  struct signalfd_siginfo si;
  if (fd < 0) return;
  while (read(fd, &si, sizeof si) > 0) {
  }
}

static uint64_t micros(struct timeval tv) {
  return (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
}

/* wait4's rusage counts the workload and every descendant it reaped. */
static bool try_reap(struct session *s) {
  pid_t pid = s->workload.pid;
  for (;;) {
    struct rusage ru;
    pid_t r = wait4(pid, &s->rec.wait_status, WNOHANG, &ru);
    if (r == pid) {
      s->rec.cpu_user_us = micros(ru.ru_utime);
      s->rec.cpu_system_us = micros(ru.ru_stime);
      return true;
    }
    if (r == 0) return false;
    if (errno == EINTR) continue;
    /* ECHILD cannot happen (we are the parent and SIGCHLD is not ignored);
     * should it anyway, record exit code 255 rather than wait forever. */
    warn(errno, "waitpid %d", (int)pid);
    s->rec.wait_status = 255 << 8;
    return true;
  }
}

static void save_status(struct session *s) {
  struct shim_err e;
  if (write_status(s->state_fd, &s->rec, &e) < 0) {
    wrap(&e, "record exit of %d in %s", (int)s->rec.pid, s->opts->state_dir);
    warn_err(&e);
  }
}

static bool oom_killed(const struct session *s) {
  int st = s->rec.wait_status;
  if (s->opts->oom_events == NULL || !WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL) return false;
  return read_oom_kills(s->opts->oom_events) > s->oom_before;
}

/* The status is written only after every byte the workload wrote before it
 * exited is in the log file. */
static void record_exit(struct session *s) {
  s->rec.exited_ns = now_ns();
  logger_drain(s->log);
  logger_flush(s->log);
  s->rec.oom_killed = oom_killed(s);
  save_status(s);
  say("exited\n");
}

/* Flushes the log only when about to block, so a follower sees each line at
 * once while a busy workload still gets large writes. */
static int wait_ready(struct pollfd *fds, nfds_t n, int timeout, struct logger *lg) {
  int ready = poll(fds, n, 0);
  if (ready == 0) {
    logger_flush(lg);
    ready = poll(fds, n, timeout);
  }
  if (ready < 0 && errno != EINTR) warn(errno, "poll");
  return ready;
}

/* Kills what the workload left in its cgroups, so every descendant ends and
 * is reaped here: cgroup.kill of one hierarchy does it all at once, and is
 * tried in each before any cgroup.procs is read (v1 hierarchies come first
 * in the list, and this is on the path of the exit the daemon waits for). */
static void kill_leftovers(const struct session *s) {
  for (size_t i = 0; i < s->opts->n_cgroups; i++)
    if (kill_cgroup_at_once(s->opts->cgroups[i]) == 0) return;
  for (size_t i = 0; i < s->opts->n_cgroups; i++) kill_cgroup_procs(s->opts->cgroups[i]);
}

enum children { CHILDREN_NONE, CHILDREN_RUNNING };

/* Reaps every child that has exited; the workload's leftovers are killed and
 * its exit recorded the moment it is found. In that order: once the status is
 * written the daemon removes the cgroups and may make them again for the next
 * run under the same paths, whose processes a late kill would hit. */
static enum children reap(struct session *s, bool *exited) {
  for (;;) {
    siginfo_t info = {0};
    /* WNOWAIT: look before reaping, so the workload is reaped by wait4 for
     * its rusage. */
    if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) < 0) {
      if (errno == EINTR) continue;
      if (errno != ECHILD) warn(errno, "waitid");
      return CHILDREN_NONE;
    }
    if (info.si_pid == 0) return CHILDREN_RUNNING;
    if (info.si_pid == s->workload.pid && !*exited) {
      if (!try_reap(s)) return CHILDREN_RUNNING;
      *exited = true;
      kill_leftovers(s);
      record_exit(s);
      continue;
    }
    while (waitpid(info.si_pid, NULL, WNOHANG) < 0 && errno == EINTR) {
    }
  }
}

int monitor(struct session *s) {
  int sigchld = open_sigchld_fd();
  struct pollfd fds[1 + LOG_STREAMS];
  bool exited = false;
  enum children children = CHILDREN_RUNNING;
  /* Until the workload is recorded, its pipes are closed and no descendant is
   * left to reap. */
  while (!exited || logger_streams_open(s->log) || children == CHILDREN_RUNNING) {
    fds[0] = (struct pollfd){.fd = sigchld, .events = POLLIN};
    logger_pollfds(s->log, fds + 1);
    if (wait_ready(fds, 1 + LOG_STREAMS, sigchld < 0 ? REAP_POLL_MS : -1, s->log) < 0) continue;
    logger_on_ready(s->log, fds + 1);
    clear_sigchld_fd(sigchld);
    children = reap(s, &exited);
  }
  logger_flush(s->log);
  s->rec.log_closed = true;
  save_status(s);
  if (sigchld >= 0) close(sigchld);
  close(STDOUT_FILENO); /* EOF on the report pipe: nothing more will come */
  return 0;
}
