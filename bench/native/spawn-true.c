/* spawn-true [--cgroup DIR]... PROGRAM [ARGS...]: runs PROGRAM once and
 * waits for it, then prints the nanoseconds from before the spawn to after
 * the wait: the raw baselines of bench/start-latency.ts, free of any runtime.
 * Without --cgroup it uses posix_spawn. With --cgroup the child joins each
 * DIR (writing "0", itself, to DIR/cgroup.procs) between fork and exec, as a
 * runtime must; a failed join exits 126. */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
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

/* In the child: nothing that allocates, only open/write/close/exec. */
static void join_and_exec(char **cgroups, int n, char **argv) {
  char path[4096];
  for (int i = 0; i < n; i++) {
    if (snprintf(path, sizeof path, "%s/cgroup.procs", cgroups[i]) >= (int)sizeof path) _exit(126);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "0", 1) != 1) _exit(126);
    close(fd);
  }
  execve(argv[0], argv, environ);
  _exit(127);
}

int main(int argc, char **argv) {
  char *cgroups[MAX_CGROUPS];
  int n = 0, arg = 1;
  for (; arg + 1 < argc && strcmp(argv[arg], "--cgroup") == 0 && n < MAX_CGROUPS; arg += 2) cgroups[n++] = argv[arg + 1];
  if (arg >= argc) {
    fprintf(stderr, "usage: spawn-true [--cgroup DIR]... PROGRAM [ARGS...]\n");
    return 2;
  }
  long long start = now_ns();
  pid_t pid;
  if (n == 0) {
    int rc = posix_spawn(&pid, argv[arg], NULL, NULL, argv + arg, environ);
    if (rc != 0) {
      fprintf(stderr, "posix_spawn %s: %s\n", argv[arg], strerror(rc));
      return 1;
    }
  } else if ((pid = fork()) == 0) {
    join_and_exec(cgroups, n, argv + arg);
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
