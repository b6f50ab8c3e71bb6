/* aurae-shim --launcher [--shim-cgroup DIR]...: started once by auraed, it
 * moves itself into the shims' cgroup and then forks and execs a shim per
 * request. A fork from this small process costs ~0.1 ms, where Node forking
 * its ~90 MB self costs 2-3 ms, and the shims it forks are born in the shims'
 * cgroup: no write to cgroup.procs (which may wait for an RCU grace period,
 * cgroup.c) on the path of a start.
 *
 * Requests, on fd 0: a header of four little-endian u32 (request id, argc,
 * argv bytes, env bytes), then argc NUL-terminated arguments of the shim
 * (without argv[0]), then the environment as --env-fd reads it (NAME=VALUE
 * entries each ended by a NUL). The environment reaches the shim through a
 * memfd as its fd 3, never a command line. EOF on fd 0 (auraed is gone) ends
 * the launcher; the shims it forked run on, reparented.
 *
 * Reports, on fd 1 (shared with the shims, each line one write under
 * PIPE_BUF, so atomic): `ready` once in the shims' cgroup, or `fail ERRNO MSG`
 * and exit; per request `ID forked PID` and, from the launcher or the shim,
 * `ID err ERRNO MSG` or the shim's `ID ok PID NS`; `reaped PID STATUS` when a
 * shim exited (a wait status). A shim that exits without a report is known by
 * its `reaped` line. */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_ARGV_BYTES (4 * 1024 * 1024)
#define MAX_ARGC 65536
#define REAP_POLL_MS 100 /* without a signalfd */
#define ENV_FD 3         /* what auraed passes as --env-fd */

struct request {
  uint32_t id, argc, argv_bytes, env_bytes;
  char *argv_buf; /* argv_bytes, then env_bytes */
};

struct launcher {
  const char *self; /* the binary to exec: our own absolute path */
  int devnull;
  int sigchld; /* signalfd, or -1 */
};

/* Reads exactly len bytes: 1 when done, 0 on EOF (also in the middle: the
 * writer is gone), -1 on error. */
static int read_full(int fd, void *buf, size_t len) {
  char *p = buf;
  while (len > 0) {
    ssize_t n = read(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return (int)n;
    p += n;
    len -= (size_t)n;
  }
  return 1;
}

static uint32_t le32(const unsigned char *b) {
  return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* 1 with a request read, 0 at EOF, -1 (e filled) on a frame that cannot be
 * trusted: the stream is then out of step and the launcher must end. */
static int read_request(struct request *r, struct shim_err *e) {
  unsigned char head[16];
  int rc = read_full(STDIN_FILENO, head, sizeof head);
  if (rc <= 0) return rc < 0 ? fail(e, errno, "read request") : 0;
  *r = (struct request){le32(head), le32(head + 4), le32(head + 8), le32(head + 12), NULL};
  if (r->argc == 0 || r->argc > MAX_ARGC || r->argv_bytes > MAX_ARGV_BYTES || r->env_bytes > SHIM_MAX_ENV_BYTES)
    return fail(e, EPROTO, "request %u: argc %u, %u argv bytes, %u env bytes out of bounds", r->id, r->argc,
                r->argv_bytes, r->env_bytes);
  r->argv_buf = malloc((size_t)r->argv_bytes + r->env_bytes + 1);
  if (r->argv_buf == NULL) return fail(e, ENOMEM, "request %u", r->id);
  rc = read_full(STDIN_FILENO, r->argv_buf, (size_t)r->argv_bytes + r->env_bytes);
  if (rc <= 0) return rc < 0 ? fail(e, errno, "read request %u", r->id) : 0;
  uint32_t nuls = 0;
  for (uint32_t i = 0; i < r->argv_bytes; i++) nuls += r->argv_buf[i] == '\0';
  if (nuls != r->argc || r->argv_buf[r->argv_bytes - 1] != '\0')
    return fail(e, EPROTO, "request %u: %u arguments announced, %u NUL-terminated found", r->id, r->argc, nuls);
  return 1;
}

/* [self, --report-id, ID, the request's arguments..., NULL] */
static char **shim_argv(const struct launcher *l, const struct request *r, char *id_text) {
  char **argv = calloc((size_t)r->argc + 4, sizeof *argv);
  if (argv == NULL) return NULL;
  argv[0] = (char *)l->self;
  argv[1] = "--report-id";
  argv[2] = id_text;
  char *arg = r->argv_buf;
  for (uint32_t i = 0; i < r->argc; i++, arg += strlen(arg) + 1) argv[3 + i] = arg;
  return argv;
}

/* The environment in a memfd rather than a pipe: the launcher never blocks on
 * a shim that has not started reading yet. */
static int env_memfd(const struct request *r, struct shim_err *e) {
  if (r->env_bytes == 0) return -1;
  int fd = (int)syscall(SYS_memfd_create, "aurae-env", 1U /* MFD_CLOEXEC */);
  if (fd < 0) return fail(e, errno, "memfd_create");
  if (write_all(fd, r->argv_buf + r->argv_bytes, r->env_bytes) < 0 || lseek(fd, 0, SEEK_SET) < 0) {
    fail(e, errno, "write the environment to a memfd");
    close(fd);
    return -1;
  }
  return fd;
}

/* In the forked child: a session of its own (the shim outlives everyone), no
 * blocked signal, stdin /dev/null, the report pipe as stdout, the environment
 * as fd 3, nothing else of ours. Only syscalls and stack buffers. */
static _Noreturn void exec_shim(const struct launcher *l, char **argv, int env_fd, const char *id_text) {
  struct shim_err e = {0};
  sigset_t none;
  sigemptyset(&none);
  if (sigprocmask(SIG_SETMASK, &none, NULL) < 0 || signal(SIGPIPE, SIG_DFL) == SIG_ERR) fail(&e, errno, "reset signals");
  else if (setsid() < 0) fail(&e, errno, "setsid");
  else if (dup2(l->devnull, STDIN_FILENO) < 0) fail(&e, errno, "dup2 stdin");
  else if (env_fd >= 0 && env_fd != ENV_FD && dup2(env_fd, ENV_FD) < 0) fail(&e, errno, "dup2 the environment");
  else if (env_fd == ENV_FD && fcntl(ENV_FD, F_SETFD, 0) < 0) fail(&e, errno, "keep the environment open");
  else if (close_fds_from(env_fd >= 0 ? ENV_FD + 1 : ENV_FD, ~0U, 0) < 0) fail(&e, errno, "close fds");
  else {
    execv(l->self, argv);
    fail(&e, errno, "exec %s", l->self);
  }
  say("%s err %d %s\n", id_text, e.errnum, e.msg);
  _exit(127);
}

static void launch(const struct launcher *l, const struct request *r) {
  struct shim_err e = {0};
  char id_text[12];
  snprintf(id_text, sizeof id_text, "%u", r->id);
  char **argv = shim_argv(l, r, id_text);
  int env_fd = -1;
  if (argv == NULL) fail(&e, ENOMEM, "shim arguments");
  else if (r->env_bytes > 0 && (env_fd = env_memfd(r, &e)) < 0) wrap(&e, "pass the environment");
  if (e.errnum != 0) {
    free(argv);
    say("%s err %d %s\n", id_text, e.errnum, e.msg);
    return;
  }
  pid_t pid = fork();
  if (pid == 0) exec_shim(l, argv, env_fd, id_text);
  if (pid < 0) say("%s err %d fork a shim: %s\n", id_text, errno, strerror(errno));
  else say("%s forked %d\n", id_text, (int)pid);
  if (env_fd >= 0) close(env_fd);
  free(argv);
}

static void reap_shims(const struct launcher *l) {
  struct signalfd_siginfo si;
  if (l->sigchld >= 0)
    while (read(l->sigchld, &si, sizeof si) > 0) {
    }
  for (;;) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid > 0) say("reaped %d %d\n", (int)pid, status);
    else if (pid < 0 && errno == EINTR) continue;
    else return;
  }
}

static int parse_launcher_args(int argc, char **argv, const char ***dirs, size_t *n, struct shim_err *e) {
  if (argv[0][0] != '/') return fail(e, EINVAL, "--launcher: started as %s; want an absolute path", argv[0]);
  *dirs = calloc((size_t)argc, sizeof **dirs);
  if (*dirs == NULL) return fail(e, ENOMEM, "parse arguments");
  for (int i = 2; i < argc; i += 2) {
    if (strcmp(argv[i], "--shim-cgroup") != 0 || i + 1 == argc || argv[i + 1][0] != '/')
      return fail(e, EINVAL, "usage: aurae-shim --launcher [--shim-cgroup ABSOLUTE-DIR]...");
    (*dirs)[(*n)++] = argv[i + 1];
  }
  return 0;
}

/* SIGCHLD blocked and read from a signalfd; SIGPIPE ignored: auraed may be
 * gone while a report is written. */
static int settle_launcher(struct launcher *l, struct shim_err *e) {
  if (chdir("/") < 0) return fail(e, errno, "chdir /");
  if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) return fail(e, errno, "ignore SIGPIPE");
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) return fail(e, errno, "block SIGCHLD");
  l->devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (l->devnull < 0) return fail(e, errno, "open /dev/null");
  l->sigchld = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  return 0;
}

int run_launcher(int argc, char **argv) {
  struct launcher l = {.self = argv[0], .devnull = -1, .sigchld = -1};
  struct shim_err e = {0};
  const char **dirs = NULL;
  size_t n_dirs = 0;
  if (parse_launcher_args(argc, argv, &dirs, &n_dirs, &e) < 0 || settle_launcher(&l, &e) < 0 ||
      move_self(dirs, n_dirs, &e) < 0) {
    say("fail %d %s\n", e.errnum, e.msg);
    return 1;
  }
  say("ready\n");
  for (;;) {
    struct pollfd fds[2] = {{.fd = STDIN_FILENO, .events = POLLIN}, {.fd = l.sigchld, .events = POLLIN}};
    int ready = poll(fds, 2, l.sigchld < 0 ? REAP_POLL_MS : -1);
    if (ready < 0 && errno != EINTR) {
      say("fail %d poll: %s\n", errno, strerror(errno));
      return 1;
    }
    reap_shims(&l);
    if (ready <= 0 || (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
    struct request r = {0};
    int rc = read_request(&r, &e);
    if (rc == 0) return 0; /* auraed is gone: the shims run on without us */
    if (rc < 0) {
      say("fail %d %s\n", e.errnum, e.msg);
      return 1;
    }
    launch(&l, &r);
    free(r.argv_buf);
  }
}
