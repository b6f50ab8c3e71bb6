/* spawn-true [--fast-join] [--cgroup DIR]... PROGRAM [ARGS...]: runs PROGRAM
 * once and waits for it, then prints the nanoseconds from before the spawn to
 * after the wait: the raw baselines of bench/start-latency.ts, free of any
 * runtime. Without --cgroup it uses posix_spawn. With --cgroup the child joins
 * each DIR (writing "0", itself, to DIR/cgroup.procs) between fork and exec,
 * as a runtime must; a failed join exits 126. With --fast-join it joins as
 * aurae-shim does (native/src/cgroup.c): clone3(CLONE_INTO_CGROUP) into the
 * one cgroup2 DIR, "0" to the `tasks` file of every v1 DIR. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CGROUPS 16

extern char **environ;

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The cgroup2 directory among them, opened, or -1. */
static int open_cgroup2(char **cgroups, int n, int *which) {
  for (int i = 0; i < n; i++) {
    struct statfs fs;
    if (statfs(cgroups[i], &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC) {
      *which = i;
      return open(cgroups[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
  }
  return -1;
}

static pid_t clone_into(int cgroup_fd) {
  struct clone_args args = {.flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)cgroup_fd};
  return (pid_t)syscall(SYS_clone3, &args, sizeof args);
}

/* In the child: nothing that allocates, only open/write/close/exec. */
static void join_and_exec(char **cgroups, int n, int skip, int fast, char **argv) {
  char path[4096];
  for (int i = 0; i < n; i++) {
    if (i == skip) continue;
    const char *file = fast ? "tasks" : "cgroup.procs";
    if (snprintf(path, sizeof path, "%s/%s", cgroups[i], file) >= (int)sizeof path) _exit(126);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "0", 1) != 1) _exit(126);
    close(fd);
  }
  execve(argv[0], argv, environ);
  _exit(127);
}

int main(int argc, char **argv) {
  char *cgroups[MAX_CGROUPS];
  int n = 0, arg = 1, fast = 0, skip = -1;
  if (arg < argc && strcmp(argv[arg], "--fast-join") == 0) fast = 1, arg++;
  for (; arg + 1 < argc && strcmp(argv[arg], "--cgroup") == 0 && n < MAX_CGROUPS; arg += 2) cgroups[n++] = argv[arg + 1];
  if (arg >= argc) {
    fprintf(stderr, "usage: spawn-true [--fast-join] [--cgroup DIR]... PROGRAM [ARGS...]\n");
    return 2;
  }
  int cgroup2 = fast ? open_cgroup2(cgroups, n, &skip) : -1;
  long long start = now_ns();
  pid_t pid;
  if (cgroup2 >= 0) {
    if ((pid = clone_into(cgroup2)) == 0) join_and_exec(cgroups, n, skip, fast, argv + arg);
    if (pid < 0) {
      perror("clone3");
      return 1;
    }
  } else if (n == 0) {
    int rc = posix_spawn(&pid, argv[arg], NULL, NULL, argv + arg, environ);
    if (rc != 0) {
      fprintf(stderr, "posix_spawn %s: %s\n", argv[arg], strerror(rc));
      return 1;
    }
  } else if ((pid = fork()) == 0) {
    join_and_exec(cgroups, n, -1, fast, argv + arg);
  } else if (pid < 0) {
    perror("fork");
    return 1;
  }
  int status;
  if (waitpid(pid, &status, 0) < 0) {
    perror("waitpid");
    return 1;
  }
  long long elapsed = now_ns() - start;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "%s did not exit 0 (status %d)\n", argv[arg], status);
    return 1;
  }
  printf("%lld\n", elapsed);
  return 0;
}
