/* Joining a cell's namespaces (--join-ns PID) and making new ones (--unshare).
 * The pid namespace is the parent's business: setns and unshare of it only
 * place the caller's future children, so the shim does it before fork and
 * stays outside itself. The child does the rest, after joining its cgroups
 * (their paths are host paths) and before chdir and exec (which must resolve
 * inside the cell's mount namespace). */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const struct ns_kind ns_kinds[NS_COUNT] = {
    [NS_IPC] = {"ipc", CLONE_NEWIPC}, [NS_UTS] = {"uts", CLONE_NEWUTS},
    [NS_NET] = {"net", CLONE_NEWNET}, [NS_MNT] = {"mnt", CLONE_NEWNS},
    [NS_PID] = {"pid", CLONE_NEWPID}, [NS_CGROUP] = {"cgroup", CLONE_NEWCGROUP},
};

static int ns_flag(const char *name, size_t len) {
  for (int k = 0; k < NS_COUNT; k++)
    if (strlen(ns_kinds[k].name) == len && strncmp(ns_kinds[k].name, name, len) == 0)
      return ns_kinds[k].flag;
  return 0;
}

/* A comma-separated subset of pid,net,mnt,uts,ipc,cgroup as CLONE_NEW* flags. */
static int parse_ns_list(const char *value, const char *flag, int *out, struct shim_err *e) {
  *out = 0;
  const char *item;
  size_t len;
  for (const char *rest = *value != '\0' ? value : NULL; next_item(&rest, &item, &len);) {
    int bit = ns_flag(item, len);
    if (bit == 0)
      return fail(e, EINVAL, "%s %s: want a comma-separated subset of pid,net,mnt,uts,ipc,cgroup", flag, value);
    *out |= bit;
  }
  return 0;
}

/* "" unshares nothing. */
int opt_unshare(struct shim_opts *o, const char *value, struct shim_err *e) {
  o->unshare_text = value;
  return parse_ns_list(value, "--unshare", &o->unshare, e);
}

/* PID, or PID:KINDS naming the namespaces the cell isolates: each of those
 * must differ from the shim's own, or PID is not the cell's reaper (it died
 * and a host process took its pid) and the workload would run un-isolated. */
int opt_join_ns(struct shim_opts *o, const char *value, struct shim_err *e) {
  const char *colon = strchr(value, ':');
  size_t pid_len = colon ? (size_t)(colon - value) : strlen(value);
  unsigned long long pid;
  if (!parse_uint(value, pid_len, 10, INT_MAX, &pid) || pid == 0)
    return fail(e, EINVAL, "--join-ns %s: want PID or PID:KINDS", value);
  o->join_pid = (pid_t)pid;
  return colon ? parse_ns_list(colon + 1, "--join-ns", &o->join_expect, e) : 0;
}

/* Namespace files are the same namespace when their nsfs inodes are. */
static int is_own_namespace(int nsfd, const char *dir, const char *name, bool *same,
                            struct shim_err *e) {
  char own[32];
  snprintf(own, sizeof own, "/proc/self/ns/%s", name);
  struct stat theirs, ours;
  if (fstat(nsfd, &theirs) < 0) return fail(e, errno, "stat %s/ns/%s", dir, name);
  if (stat(own, &ours) < 0) return fail(e, errno, "stat %s", own);
  *same = theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev;
  return 0;
}

/* Keeps the fd only for a namespace the shim is not already in: setns into
 * our own mount namespace would still reset root and cwd. One the cell
 * isolates must not be the shim's own. */
static int open_if_other(int proc, const char *dir, int k, int expect, int *fd, struct shim_err *e) {
  char rel[32];
  snprintf(rel, sizeof rel, "ns/%s", ns_kinds[k].name);
  int nsfd = openat(proc, rel, O_RDONLY | O_CLOEXEC);
  if (nsfd < 0) return fail(e, errno, "open %s/%s", dir, rel);
  bool same = false;
  int rc = is_own_namespace(nsfd, dir, ns_kinds[k].name, &same, e);
  if (rc == 0 && same && (expect & ns_kinds[k].flag) != 0)
    rc = fail(e, ESRCH, "its %s namespace is the host's: not the cell's reaper (gone, its pid reused?)", ns_kinds[k].name);
  if (rc < 0 || same) close(nsfd);
  else *fd = nsfd;
  return rc;
}

/* In the parent. Every namespace is opened through one /proc/PID fd, so all
 * of them belong to the same process even if PID exits and is reused. */
int open_join_namespaces(const struct shim_opts *o, int fds[NS_COUNT], struct shim_err *e) {
  for (int k = 0; k < NS_COUNT; k++) fds[k] = -1;
  if (o->join_pid == 0) return 0;
  char dir[32];
  snprintf(dir, sizeof dir, "/proc/%d", (int)o->join_pid);
  int proc = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (proc < 0) return fail(e, errno, "join namespaces of %d: open %s", (int)o->join_pid, dir);
  int rc = 0;
  for (int k = 0; k <= NS_PID && rc == 0; k++) rc = open_if_other(proc, dir, k, o->join_expect, &fds[k], e);
  close(proc);
  return rc < 0 ? wrap(e, "join namespaces of %d", (int)o->join_pid) : 0;
}

/* In the parent, just before fork. */
int enter_pid_namespace(const struct shim_opts *o, const int fds[NS_COUNT], struct shim_err *e) {
  if ((o->unshare & CLONE_NEWPID) != 0 && unshare(CLONE_NEWPID) < 0)
    return fail(e, errno, "unshare pid namespace");
  if (fds[NS_PID] >= 0 && setns(fds[NS_PID], CLONE_NEWPID) < 0)
    return fail(e, errno, "join pid namespace of %d", (int)o->join_pid);
  return 0;
}

/* In the child, once it is in its cgroups: a new cgroup namespace is rooted
 * at the cgroup the child is in when it unshares. Joins ipc, uts, net, mnt in
 * that order, mnt last so nothing before it depends on the cell's files. */
int enter_namespaces(const struct shim_opts *o, const int fds[NS_COUNT], struct shim_err *e) {
  int flags = o->unshare & ~CLONE_NEWPID;
  if (flags != 0 && unshare(flags) < 0) return fail(e, errno, "unshare %s", o->unshare_text);
  for (int k = 0; k < NS_PID; k++)
    if (fds[k] >= 0 && setns(fds[k], ns_kinds[k].flag) < 0)
      return fail(e, errno, "join %s namespace of %d", ns_kinds[k].name, (int)o->join_pid);
  return 0;
}
