/* Joining cgroups (as the workload is forked) and reading the OOM-kill
 * counter. */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Decimal without stdio: this runs between fork and exec. */
static size_t format_pid(char buf[static 12], pid_t pid) {
  char rev[12];
  size_t n = 0;
  unsigned v = (unsigned)pid;
  do rev[n++] = (char)('0' + v % 10);
  while ((v /= 10) != 0);
  for (size_t i = 0; i < n; i++) buf[i] = rev[n - 1 - i];
  return n;
}

/* Writing a pid to cgroup.procs takes the kernel's global
 * cgroup_threadgroup_rwsem for writing, which on a quiet node first waits for
 * an RCU grace period (6-20 ms measured, docs/performance.md). The kernel has
 * two ways around it, both used here: clone3(CLONE_INTO_CGROUP) starts the
 * child in a cgroup2 directory under the read side only (Linux 5.7), and a
 * thread moving itself through a v1 `tasks` file ("0") skips the lock (Linux
 * 6.1; before, it costs what cgroup.procs does). The child is single-threaded
 * until exec, so moving its one thread moves the process. */
#define CGROUP2_MAGIC 0x63677270 /* statfs f_type of a cgroup2 mount */
#ifndef SYS_clone3
#define SYS_clone3 435 /* the same on every architecture */
#endif
#define CLONE_INTO_CGROUP_FLAG 0x200000000ULL

/* struct clone_args of <linux/sched.h> up to `cgroup` (CLONE_ARGS_SIZE_VER2),
 * a fixed kernel ABI that musl's headers do not carry. */
struct clone3_args {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
      set_tid_size, cgroup;
};

int prepare_cgroup_join(const struct shim_opts *o, struct cgroup_join *j, struct shim_err *e) {
  *j = (struct cgroup_join){.into_fd = -1, .into = o->n_cgroups};
  for (size_t i = 0; i < o->n_cgroups; i++) {
    struct statfs fs;
    if (statfs(o->cgroups[i], &fs) < 0) return fail(e, errno, "join cgroup: statfs %s", o->cgroups[i]);
    if (fs.f_type != CGROUP2_MAGIC || j->into_fd >= 0) continue;
    j->into_fd = open(o->cgroups[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (j->into_fd < 0) return fail(e, errno, "join cgroup: open %s", o->cgroups[i]);
    j->into = i;
  }
  return 0;
}

/* fork(), into the cgroup2 directory where there is one. A kernel without
 * clone3 or CLONE_INTO_CGROUP (or a seccomp filter refusing it) gets fork(),
 * and the child joins that directory through cgroup.procs. */
pid_t fork_into_cgroup(struct cgroup_join *j) {
  if (j->into_fd >= 0) {
    struct clone3_args args = {.flags = CLONE_INTO_CGROUP_FLAG, .exit_signal = SIGCHLD,
                               .cgroup = (uint64_t)j->into_fd};
    long pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid >= 0 || (errno != ENOSYS && errno != E2BIG && errno != EINVAL && errno != EPERM))
      return (pid_t)pid;
    close(j->into_fd);
    j->into_fd = -1;
  }
  return fork();
}

static int write_cgroup_file(const char *dir, const char *file, const char *text, size_t len,
                             struct shim_err *e) {
  char path[PATH_MAX];
  if (snprintf(path, sizeof path, "%s/%s", dir, file) >= (int)sizeof path)
    return fail(e, ENAMETOOLONG, "cgroup path too long: %s", dir);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return fail(e, errno, "open %s", path);
  int rc = write(fd, text, len) < 0 ? fail(e, errno, "write %s", path) : 0;
  close(fd);
  return rc;
}

/* In the child, before exec. v1 hierarchies have a `tasks` file, a cgroup2
 * directory does not: it gets our pid as this pid namespace numbers it, which
 * is how cgroup.procs reads what is written. */
int join_cgroups(const struct shim_opts *o, const struct cgroup_join *j, struct shim_err *e) {
  for (size_t i = 0; i < o->n_cgroups; i++) {
    if (i == j->into && j->into_fd >= 0) continue; /* cloned into it */
    const char *dir = o->cgroups[i];
    if (write_cgroup_file(dir, "tasks", "0", 1, e) == 0) continue;
    if (e->errnum != ENOENT) return wrap(e, "join cgroup");
    char num[12];
    size_t len = format_pid(num, getpid());
    if (write_cgroup_file(dir, "cgroup.procs", num, len, e) < 0) return wrap(e, "join cgroup");
  }
  return 0;
}

/* A shim (or the launcher that forks shims) leaves the daemon's cgroup first
 * thing, for a cgroup of its own kind (--shim-cgroup, one per hierarchy): a
 * service manager that stops the daemon's cgroup (systemd's default
 * KillMode=control-group) would kill every shim with it, and the workloads
 * would lose their monitors. "0" in cgroup.procs is the writing process, in
 * v1 and v2 alike. Each such write may wait for an RCU grace period (above):
 * the launcher pays it once, and the shims it forks are born there. */
int move_self(const char **dirs, size_t n, struct shim_err *e) {
  for (size_t i = 0; i < n; i++)
    if (write_cgroup_file(dirs[i], "cgroup.procs", "0", 1, e) < 0)
      return wrap(e, "move to the shims' cgroup");
  return 0;
}

/* The `oom_kill N` line of v1 memory.oom_control or v2 memory.events. A file
 * we cannot read counts as 0: OOM detection is a hint, not a reason to fail. */
uint64_t read_oom_kills(const char *path) {
  char buf[4096];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) warn(errno, "open %s", path);
    return 0;
  }
  ssize_t n;
  do n = read(fd, buf, sizeof buf - 1);
  while (n < 0 && errno == EINTR);
  if (n < 0) warn(errno, "read %s", path);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  for (const char *line = buf; line != NULL; line = strchr(line, '\n')) {
    if (*line == '\n') line++;
    if (strncmp(line, "oom_kill ", 9) == 0) return strtoull(line + 9, NULL, 10);
  }
  return 0;
}

/* SIGKILLs every process in cgroup `dir` and below through cgroup.kill
 * (Linux 5.14+, cgroup v2). Returns 0 when it did, -1 where there is no
 * such file (a v1 hierarchy) or the write failed. */
int kill_cgroup_at_once(const char *dir) {
  char path[PATH_MAX];
  if (snprintf(path, sizeof path, "%s/cgroup.kill", dir) >= (int)sizeof path) return -1;
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  int rc = write(fd, "1", 1) == 1 ? 0 : -1;
  if (rc < 0) warn(errno, "write %s", path);
  close(fd);
  return rc;
}

/* One pass over cgroup.procs of `dir`, SIGKILLing each: what a kernel
 * without cgroup.kill allows. */
void kill_cgroup_procs(const char *dir) {
  char path[PATH_MAX];
  if (snprintf(path, sizeof path, "%s/cgroup.procs", dir) >= (int)sizeof path) return;
  FILE *procs = fopen(path, "re");
  if (procs == NULL) return;
  int pid;
  while (fscanf(procs, "%d", &pid) == 1) kill(pid, SIGKILL);
  fclose(procs);
}
