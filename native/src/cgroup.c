/* Joining cgroups (in the forked child) and reading the OOM-kill counter. */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* Works the same for v1 hierarchies and the v2 unified one. */
int join_cgroup(const char *dir, pid_t pid, struct shim_err *e) {
  char path[PATH_MAX];
  if (snprintf(path, sizeof path, "%s/cgroup.procs", dir) >= (int)sizeof path)
    return fail(e, ENAMETOOLONG, "cgroup path too long: %s", dir);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return fail(e, errno, "open %s", path);
  char num[12];
  size_t len = format_pid(num, pid);
  int rc = write(fd, num, len) < 0 ? fail(e, errno, "write %s", path) : 0;
  close(fd);
  return rc;
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

/* SIGKILLs every process in cgroup `dir` and below: through cgroup.kill
 * (Linux 5.14+, cgroup v2), else one pass over cgroup.procs. Returns 0 when
 * cgroup.kill did it, -1 when the caller should try another hierarchy. */
int kill_cgroup(const char *dir) {
  char path[PATH_MAX];
  if (snprintf(path, sizeof path, "%s/cgroup.kill", dir) >= (int)sizeof path) return -1;
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd >= 0) {
    int rc = write(fd, "1", 1) == 1 ? 0 : -1;
    if (rc < 0) warn(errno, "write %s", path);
    close(fd);
    return rc;
  }
  if (snprintf(path, sizeof path, "%s/cgroup.procs", dir) >= (int)sizeof path) return -1;
  FILE *procs = fopen(path, "re");
  if (procs == NULL) return -1;
  int pid;
  while (fscanf(procs, "%d", &pid) == 1) kill(pid, SIGKILL);
  fclose(procs);
  return -1;
}
