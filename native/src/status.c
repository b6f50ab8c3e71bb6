/* The state directory and its files, replaced atomically: a reader sees the
 * old content or the new, never half of it; the exit status even across a
 * power cut. */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* mkdir -p, each new level 0700 as the daemon makes its own. */
static int make_dirs(const char *path, struct shim_err *e) {
  if (mkdir(path, 0700) == 0 || errno == EEXIST) return 0;
  if (errno != ENOENT) return fail(e, errno, "mkdir %s", path);
  char parent[PATH_MAX];
  const char *slash = strrchr(path, '/');
  if (slash == NULL || slash == path || (size_t)(slash - path) >= sizeof parent)
    return fail(e, ENOENT, "mkdir %s", path);
  memcpy(parent, path, (size_t)(slash - path));
  parent[slash - path] = '\0';
  if (make_dirs(parent, e) < 0) return -1;
  if (mkdir(path, 0700) < 0 && errno != EEXIST) return fail(e, errno, "mkdir %s", path);
  return 0;
}

/* Made here rather than by the daemon, whose every file operation is a round
 * trip through its thread pool. shim.log becomes our stderr. */
int open_state_dir(const char *path, struct shim_err *e) {
  if (make_dirs(path, e) < 0) return -1;
  int dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) return fail(e, errno, "open state directory %s", path);
  int log = openat(dirfd, "shim.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log < 0 || dup2(log, STDERR_FILENO) < 0) {
    fail(e, errno, "open %s/shim.log", path);
    close(dirfd);
    if (log >= 0) close(log);
    return -1;
  }
  close(log);
  return dirfd;
}

/* How a replaced file reaches the disk. SHOW_THEN_SYNC is for a name that
 * does not exist yet: the new content is visible before it is synced, so
 * the daemon, which records an exit in its database (synced) on seeing it,
 * does not wait for two fsyncs on the path of Wait; a power cut between the
 * rename and the syncs can leave an empty or missing file, read as a lost
 * exit, as the same cut a moment earlier (before the rename) did when the
 * syncs came first. A file that replaces a synced one is synced before the
 * rename (SYNC_THEN_SHOW): the old content must stay until the new is on
 * disk. */
enum sync_mode { NOT_SYNCED, SYNC_THEN_SHOW, SHOW_THEN_SYNC };

/* Written under a temporary name and renamed over `name`, so a reader sees
 * the old content or the new; synced (the file, then the directory holding
 * the rename) as `mode` says. */
static int replace_file(int dirfd, const char *name, const char *data, size_t len, enum sync_mode mode,
                        struct shim_err *e) {
  char tmp[64];
  snprintf(tmp, sizeof tmp, "%s.tmp", name);
  int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail(e, errno, "open %s", tmp);
  int rc = write_all(fd, data, len) < 0 ? fail(e, errno, "write %s", tmp) : 0;
  if (rc == 0 && mode == SYNC_THEN_SHOW && fsync(fd) < 0) rc = fail(e, errno, "fsync %s", tmp);
  if (rc == 0 && renameat(dirfd, tmp, dirfd, name) < 0) rc = fail(e, errno, "rename %s", tmp);
  /* Best effort: a stale tmp file is harmless, the next write truncates it. */
  if (rc < 0) unlinkat(dirfd, tmp, 0);
  if (rc == 0 && mode == SHOW_THEN_SYNC && fsync(fd) < 0) rc = fail(e, errno, "fsync %s", name);
  if (close(fd) < 0 && rc == 0) rc = fail(e, errno, "close %s", name);
  if (rc == 0 && mode != NOT_SYNCED && fsync(dirfd) < 0) rc = fail(e, errno, "fsync state directory");
  return rc;
}

/* "pid" (the workload's) and "shim.pid" (this shim's, by which the daemon
 * notices a shim that died without writing a status). Not synced: they
 * matter only while this shim runs (a daemon that crashed in the middle of a
 * start adopts the workload by "pid"), and a power
 * cut ends the shim and its workload too; the next auraed then records the
 * run as lost whatever the file says (src/domain/executables/executables.ts). */
int write_pid_file(int dirfd, const char *name, pid_t pid, struct shim_err *e) {
  char text[16];
  int n = snprintf(text, sizeof text, "%d\n", (int)pid);
  return replace_file(dirfd, name, text, (size_t)n, NOT_SYNCED, e);
}

int write_status(int dirfd, const struct exit_record *r, struct shim_err *e) {
  char code[12] = "null", sig[12] = "null";
  if (WIFEXITED(r->wait_status)) snprintf(code, sizeof code, "%d", WEXITSTATUS(r->wait_status));
  else snprintf(sig, sizeof sig, "%d", WTERMSIG(r->wait_status));
  char json[384];
  int n = snprintf(json, sizeof json,
                   "{\"pid\":%d,\"startedAtUnixNano\":\"%" PRId64 "\",\"exitedAtUnixNano\":\"%" PRId64
                   "\",\"exitCode\":%s,\"signal\":%s,\"oomKilled\":%s,\"cpuUserUs\":%" PRIu64
                   ",\"cpuSystemUs\":%" PRIu64 ",\"logClosed\":%s}\n",
                   (int)r->pid, r->started_ns, r->exited_ns, code, sig,
                   r->oom_killed ? "true" : "false", r->cpu_user_us, r->cpu_system_us,
                   r->log_closed ? "true" : "false");
  /* The exit is a new file; the closed log replaces it. */
  return replace_file(dirfd, "status.json", json, (size_t)n, r->log_closed ? SYNC_THEN_SHOW : SHOW_THEN_SYNC, e);
}
