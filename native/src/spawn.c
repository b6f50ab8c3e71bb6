/* Fork the workload, set it up in the child and exec it (or, for a cell,
 * become its reaper). Setup and exec failures come back over a close-on-exec
 * pipe: EOF means exec succeeded, or the reaper runs. Between fork and exec
 * nothing allocates: only syscalls, stack buffers and snprintf with plain
 * %s/%d/%u.
 *
 * The child's steps, in order: default signals; setsid; join the cgroups;
 * unshare (--unshare) and join the cell's ipc, uts, net, mnt (--join-ns);
 * for a cell, its mounts, hostname and lo; stdio; chdir; rlimits; umask;
 * setgroups, setgid, setuid; close stdin (--stdin closed); exec argv or
 * become the reaper. */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct spawn_fds {
  int devnull;
  int out[2];    /* workload stdout */
  int err[2];    /* workload stderr */
  int report[2]; /* child -> parent: one struct shim_err, or EOF on exec */
  int ns[NS_COUNT]; /* namespaces to join, -1 for those the shim shares */
  struct cgroup_join cgroup;
};

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

static void close_all(struct spawn_fds *f) {
  int *all[] = {&f->devnull, &f->out[0], &f->out[1], &f->err[0],
                &f->err[1],  &f->report[0], &f->report[1]};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) close_fd(all[i]);
  for (int k = 0; k < NS_COUNT; k++) close_fd(&f->ns[k]);
  close_fd(&f->cgroup.into_fd);
}

/* Our read ends are non-blocking so the monitor can drain them after the
 * workload exits; the workload's write ends stay blocking. */
static int open_fds(struct spawn_fds *f, struct shim_err *e) {
  *f = (struct spawn_fds){-1, {-1, -1}, {-1, -1}, {-1, -1}, {0}, {.into_fd = -1}};
  for (int k = 0; k < NS_COUNT; k++) f->ns[k] = -1;
  f->devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (f->devnull < 0) return fail(e, errno, "open /dev/null");
  if (pipe2(f->out, O_CLOEXEC) < 0 || pipe2(f->err, O_CLOEXEC) < 0 ||
      pipe2(f->report, O_CLOEXEC) < 0)
    return fail(e, errno, "pipe");
  if (fcntl(f->out[0], F_SETFL, O_NONBLOCK) < 0 || fcntl(f->err[0], F_SETFL, O_NONBLOCK) < 0)
    return fail(e, errno, "set pipe non-blocking");
  return 0;
}

/* The shim ignores SIGPIPE and blocks SIGCHLD; the workload gets neither. */
static int reset_signals(struct shim_err *e) {
  struct sigaction dfl = {.sa_handler = SIG_DFL};
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    /* glibc reserves a few real-time signals for itself and says EINVAL. */
    if (sigaction(sig, &dfl, NULL) < 0 && errno != EINVAL)
      return fail(e, errno, "reset signal %d", sig);
  }
  sigset_t none;
  sigemptyset(&none);
  if (sigprocmask(SIG_SETMASK, &none, NULL) < 0) return fail(e, errno, "clear signal mask");
  return 0;
}

/* The shim made sure fds 0-2 were taken before creating these, so every
 * source is >= 3 and dup2 clears close-on-exec on the copy. stdin is
 * /dev/null even when it is to be closed: until exec nothing may reuse fd 0. */
static int set_stdio(const struct spawn_fds *f, struct shim_err *e) {
  static const char *const names[] = {"stdin", "stdout", "stderr"};
  const int from[] = {f->devnull, f->out[1], f->err[1]};
  for (int fd = 0; fd < 3; fd++)
    if (dup2(from[fd], fd) < 0) return fail(e, errno, "dup2 %s", names[fd]);
  /* Whatever the daemon leaked to us must not reach the workload. */
  if (close_fds_from(3, ~0U, CLOSE_RANGE_CLOEXEC_FLAG) < 0) return fail(e, errno, "close fds from 3");
  return 0;
}

/* glibc execvp's rules, without its allocation: skip the entries that do not
 * hold the file, remember EACCES, stop on any other error. */
static bool try_next_entry(int errnum) {
  return errnum == ENOENT || errnum == ENOTDIR || errnum == ESTALE || errnum == ENODEV ||
         errnum == ETIMEDOUT || errnum == ENAMETOOLONG;
}

static int exec_in_path(const struct shim_opts *o, struct shim_err *e) {
  const char *name = o->argv[0];
  bool denied = false;
  char file[PATH_MAX];
  for (const char *dir = o->path;; dir++) {
    const char *end = strchrnul(dir, ':');
    int dlen = (int)(end - dir);
    /* An empty entry is the current directory. */
    int n = snprintf(file, sizeof file, "%.*s%s%s", dlen, dir, dlen ? "/" : "", name);
    if (n < (int)sizeof file) {
      execve(file, o->argv, o->envp);
      if (errno == EACCES) denied = true;
      else if (!try_next_entry(errno)) return fail(e, errno, "exec %s", file);
    }
    if (*end == '\0') break;
    dir = end;
  }
  if (denied)
    return fail(e, EACCES, "exec \"%s\": no executable file in PATH %s", name, o->path);
  return fail(e, ENOENT, "exec \"%s\": not found in PATH %s", name, o->path);
}

static int exec_workload(const struct shim_opts *o, struct shim_err *e) {
  if (strchr(o->argv[0], '/') == NULL) return exec_in_path(o, e);
  execve(o->argv[0], o->argv, o->envp);
  return fail(e, errno, "exec %s", o->argv[0]);
}

static int setup_child(const struct shim_opts *o, const struct spawn_fds *f,
                       struct shim_err *e) {
  if (reset_signals(e) < 0) return -1;
  if (setsid() < 0) return fail(e, errno, "setsid");
  /* Before exec, so not one instruction of the workload runs outside its cgroups. */
  if (join_cgroups(o, &f->cgroup, e) < 0 || enter_namespaces(o, f->ns, e) < 0) return -1;
  if (o->cell_init && setup_cell(o, e) < 0) return -1;
  if (set_stdio(f, e) < 0) return -1;
  if (apply_limits(o, e) < 0 || drop_credentials(&o->creds, e) < 0) return -1;
  /* As the workload's user: root's right to enter any directory is not lent. */
  if (chdir(o->cwd) < 0) return fail(e, errno, "chdir %s", o->cwd);
  if (o->cell_init) return become_reaper(o, f->report[1], e);
  if (o->stdin_closed) close(STDIN_FILENO);
  return exec_workload(o, e);
}

static _Noreturn void run_child(const struct shim_opts *o, const struct spawn_fds *f) {
  struct shim_err e = {0};
  setup_child(o, f, &e);
  /* One write under PIPE_BUF is atomic. If it fails the parent is gone and
   * there is nobody left to tell. */
  ssize_t n = write(f->report[1], &e, sizeof e);
  (void)n;
  _exit(127);
}

static void reap(pid_t pid) {
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
  }
}

/* Blocks until the child has exec'd (EOF) or reported why it could not. */
static int await_exec(pid_t pid, int fd, struct shim_err *e) {
  struct shim_err child;
  ssize_t n;
  do n = read(fd, &child, sizeof child);
  while (n < 0 && errno == EINTR);
  if (n == 0) return 0;
  if (n == (ssize_t)sizeof child) *e = child;
  else if (n < 0) fail(e, errno, "read exec report");
  else fail(e, EPROTO, "short exec report (%zd bytes)", n);
  /* Whatever went wrong, no workload may be left behind. */
  if (n != (ssize_t)sizeof child) kill(pid, SIGKILL);
  reap(pid);
  return -1;
}

/* A pid namespace whose init has exited takes no new processes (ENOMEM). */
static pid_t fork_workload(const struct shim_opts *o, struct spawn_fds *f, struct shim_err *e) {
  if (prepare_cgroup_join(o, &f->cgroup, e) < 0) return -1;
  pid_t pid = fork_into_cgroup(&f->cgroup);
  if (pid >= 0) return pid;
  if (f->cgroup.into_fd >= 0) fail(e, errno, "join cgroup: clone into %s", o->cgroups[f->cgroup.into]);
  else fail(e, errno, "fork");
  if (f->ns[NS_PID] >= 0) wrap(e, "join pid namespace of %d", (int)o->join_pid);
  return -1;
}

int spawn_workload(const struct shim_opts *o, struct workload *w, struct shim_err *e) {
  struct spawn_fds f;
  pid_t pid = -1;
  if (open_fds(&f, e) == 0 && open_join_namespaces(o, f.ns, e) == 0 &&
      enter_pid_namespace(o, f.ns, e) == 0)
    pid = fork_workload(o, &f, e);
  if (pid < 0) {
    close_all(&f);
    return -1;
  }
  if (pid == 0) run_child(o, &f);
  for (int k = 0; k < NS_COUNT; k++) close_fd(&f.ns[k]);
  close_fd(&f.cgroup.into_fd);
  close_fd(&f.devnull);
  close_fd(&f.out[1]);
  close_fd(&f.err[1]);
  close_fd(&f.report[1]);
  int rc = await_exec(pid, f.report[0], e);
  close_fd(&f.report[0]);
  if (rc < 0) {
    close_all(&f);
    return -1;
  }
  *w = (struct workload){.pid = pid, .out_fd = f.out[0], .err_fd = f.err[0]};
  return 0;
}
