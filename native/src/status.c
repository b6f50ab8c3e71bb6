/* Files in the state directory, replaced atomically: a reader sees the old
 * content or the new, never half of it, even across a power cut. */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static int write_and_sync(int fd, const char *data, size_t len, const char *name,
                          struct shim_err *e) {
  if (write_all(fd, data, len) < 0) return fail(e, errno, "write %s", name);
  if (fsync(fd) < 0) return fail(e, errno, "fsync %s", name);
  return 0;
}

static int replace_file(int dirfd, const char *name, const char *data, size_t len,
                        struct shim_err *e) {
  char tmp[64];
  snprintf(tmp, sizeof tmp, "%s.tmp", name);
  int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail(e, errno, "open %s", tmp);
  int rc = write_and_sync(fd, data, len, tmp, e);
  if (close(fd) < 0 && rc == 0) rc = fail(e, errno, "close %s", tmp);
  if (rc == 0 && renameat(dirfd, tmp, dirfd, name) < 0) rc = fail(e, errno, "rename %s", tmp);
  /* The rename is durable only once the directory is. */
  if (rc == 0 && fsync(dirfd) < 0) rc = fail(e, errno, "fsync state directory");
  /* Best effort: a stale tmp file is harmless, the next write truncates it. */
  if (rc < 0) unlinkat(dirfd, tmp, 0);
  return rc;
}

int write_pid_file(int dirfd, pid_t pid, struct shim_err *e) {
  char text[16];
  int n = snprintf(text, sizeof text, "%d\n", (int)pid);
  return replace_file(dirfd, "pid", text, (size_t)n, e);
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
  return replace_file(dirfd, "status.json", json, (size_t)n, e);
}
