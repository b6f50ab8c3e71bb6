/* --cell-init: the workload is a built-in reaper, pid 1 of the cell's new
 * namespaces, that other workloads join with --join-ns. Runs in the forked
 * child: syscalls and stack buffers only. */
#include "shim.h"

#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Mount events must not leak back to the host; a pid namespace needs a /proc
 * that shows it, or ps inside the cell shows the host. */
static int setup_mounts(const struct shim_opts *o, struct shim_err *e) {
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) return fail(e, errno, "make / rprivate");
  if ((o->unshare & CLONE_NEWPID) != 0 &&
      mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
    return fail(e, errno, "mount proc on /proc");
  return 0;
}

/* A new network namespace has only lo, and it starts down. */
static int bring_lo_up(struct shim_err *e) {
  int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return fail(e, errno, "socket to bring lo up");
  struct ifreq ifr = {0};
  memcpy(ifr.ifr_name, "lo", sizeof "lo");
  int rc = 0;
  if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0) rc = fail(e, errno, "get flags of lo");
  ifr.ifr_flags |= IFF_UP;
  if (rc == 0 && ioctl(sock, SIOCSIFFLAGS, &ifr) < 0) rc = fail(e, errno, "bring lo up");
  close(sock);
  return rc;
}

/* After enter_namespaces made the namespaces. */
int setup_cell(const struct shim_opts *o, struct shim_err *e) {
  if ((o->unshare & CLONE_NEWNS) != 0 && setup_mounts(o, e) < 0) return -1;
  if ((o->unshare & CLONE_NEWUTS) != 0 && o->hostname != NULL &&
      sethostname(o->hostname, strlen(o->hostname)) < 0)
    return fail(e, errno, "sethostname %s", o->hostname);
  if ((o->unshare & CLONE_NEWNET) != 0 && bring_lo_up(e) < 0) return -1;
  return 0;
}

/* Orphans of the cell's workloads are reparented to us. */
static void reap_children(void) {
  for (;;) {
    pid_t pid = waitpid(-1, NULL, WNOHANG);
    if (pid > 0 || (pid < 0 && errno == EINTR)) continue;
    return; /* 0: the rest still run; ECHILD: none left */
  }
}

static _Noreturn void run_reaper(const sigset_t *set) {
  for (;;) {
    siginfo_t si;
    int sig = sigwaitinfo(set, &si);
    if (sig == SIGCHLD) reap_children();
    /* Our exit makes the kernel kill whatever is left in the pid namespace. */
    else if (sig == SIGTERM || sig == SIGINT) _exit(0);
  }
}

/* Keeps only fds 0-2 and the report pipe: nothing execs to close the shim's
 * close-on-exec fds for us. */
static int close_others(int keep, struct shim_err *e) {
  if ((keep > 3 && close_fds_from(3, (unsigned)keep - 1, 0) < 0) ||
      close_fds_from((unsigned)keep + 1, ~0U, 0) < 0)
    return fail(e, errno, "close fds other than %d", keep);
  return 0;
}

/* Signals are blocked before the report pipe closes, which the parent reads
 * as "running": as pid 1, an unblocked SIGTERM with no handler would be
 * dropped, and a SIGCHLD lost. Returns only on failure. */
int become_reaper(const struct shim_opts *o, int report_fd, struct shim_err *e) {
  sigset_t set;
  sigemptyset(&set);
  int sigs[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP};
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaddset(&set, sigs[i]);
  if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) return fail(e, errno, "block reaper signals");
  if (close_others(report_fd, e) < 0) return -1;
  if (o->stdin_closed) close(STDIN_FILENO);
  close(report_fd);
  run_reaper(&set);
}
