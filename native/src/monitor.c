/* Waits for the workload while its output is copied, records how it ended,
 * then copies on until every holder of its pipes has closed them. */
#include "shim.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Poll every so often when neither a pidfd nor a signalfd could be had. */
#define REAP_POLL_MS 100

struct watch {
  int fd; /* pidfd or signalfd; -1: poll waitpid every REAP_POLL_MS */
  bool is_signalfd;
};

/* SIGCHLD must not be ignored (the kernel would reap the workload and lose
 * its status) and is blocked before fork, so a signalfd opened after fork
 * still sees an exit that came first. */
int monitor_prepare(struct shim_err *e) {
  struct sigaction dfl = {.sa_handler = SIG_DFL};
  if (sigaction(SIGCHLD, &dfl, NULL) < 0) return fail(e, errno, "reset SIGCHLD");
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) return fail(e, errno, "block SIGCHLD");
  return 0;
}

static struct watch open_watch(pid_t pid) {
  int fd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (fd >= 0) return (struct watch){fd, false};
  /* Before Linux 5.3, or under a seccomp filter that refuses pidfd_open. */
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (fd >= 0) return (struct watch){fd, true};
  warn(errno, "signalfd: checking the workload every %d ms", REAP_POLL_MS);
  return (struct watch){-1, false};
}

/* A signalfd stays readable until its queued signals are read. */
static void clear_watch(const struct watch *w) {
  struct signalfd_siginfo si;
  if (!w->is_signalfd) return;
  while (read(w->fd, &si, sizeof si) > 0) {
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

int monitor(struct session *s) {
  struct watch w = open_watch(s->workload.pid);
  struct pollfd fds[1 + LOG_STREAMS];
  bool exited = false;
  while (!exited || logger_streams_open(s->log)) {
    fds[0] = (struct pollfd){.fd = exited ? -1 : w.fd, .events = POLLIN};
    logger_pollfds(s->log, fds + 1);
    int timeout = !exited && w.fd < 0 ? REAP_POLL_MS : -1;
    if (wait_ready(fds, 1 + LOG_STREAMS, timeout, s->log) < 0) continue;
    logger_on_ready(s->log, fds + 1);
    if (exited || (w.fd >= 0 && fds[0].revents == 0)) continue;
    clear_watch(&w);
    if (try_reap(s)) {
      exited = true;
      record_exit(s);
    }
  }
  logger_flush(s->log);
  s->rec.log_closed = true;
  save_status(s);
  if (w.fd >= 0) close(w.fd);
  close(STDOUT_FILENO); /* EOF on the report pipe: nothing more will come */
  return 0;
}
