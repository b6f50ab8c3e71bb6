/* aurae-shim: starts one workload, copies its output to a CRI log file and
 * records how it ended. The daemon talks to it through argv, one report line
 * per event on stdout and files in the state directory. */
#ifndef AURAE_SHIM_H
#define AURAE_SHIM_H

/* Every .c file includes this header first, so this reaches all of them. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SHIM_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Fixed size and under PIPE_BUF, so the child can send it in one atomic
 * write without allocating. */
struct shim_err {
  int errnum;
  char msg[512];
};

struct shim_opts {
  const char *state_dir;
  const char *log_path;
  const char *oom_events; /* NULL: no OOM accounting */
  const char *cwd;
  const char **cgroups;
  size_t n_cgroups;
  char **envp; /* the workload's whole environment, NULL-terminated */
  size_t n_env;
  const char *path; /* searched for an argv[0] without a '/' */
  char **argv;
};

struct workload {
  pid_t pid;
  int out_fd; /* read ends of the workload's stdout and stderr */
  int err_fd;
};

struct exit_record {
  pid_t pid;
  int64_t started_ns;
  int64_t exited_ns;
  int wait_status;
  bool oom_killed;
  bool log_closed;
};

struct logger; /* logger.c */

/* Everything one run of the shim holds once the workload is running. */
struct session {
  const struct shim_opts *opts;
  int state_fd;
  struct logger *log;
  struct workload workload;
  uint64_t oom_before;
  struct exit_record rec;
};

/* report.c */
int fail(struct shim_err *e, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int wrap(struct shim_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warn_err(const struct shim_err *e);
void warn(int errnum, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int write_all(int fd, const void *buf, size_t len);
int64_t now_ns(void);

/* args.c */
int parse_args(int argc, char **argv, struct shim_opts *o, struct shim_err *e);

/* cgroup.c */
int join_cgroup(const char *dir, pid_t pid, struct shim_err *e);
uint64_t read_oom_kills(const char *path);

/* spawn.c */
int spawn_workload(const struct shim_opts *o, struct workload *w, struct shim_err *e);

/* status.c */
int write_pid_file(int dirfd, pid_t pid, struct shim_err *e);
int write_status(int dirfd, const struct exit_record *r, struct shim_err *e);

/* logger.c */
#define LOG_STREAMS 2 /* stdout and stderr */
struct pollfd;
struct logger *logger_open(const char *path, struct shim_err *e);
void logger_add(struct logger *lg, const char *name, int fd);
bool logger_streams_open(const struct logger *lg);
void logger_pollfds(const struct logger *lg, struct pollfd *fds);
void logger_on_ready(struct logger *lg, const struct pollfd *fds);
void logger_drain(struct logger *lg);
void logger_flush(struct logger *lg);

/* monitor.c */
int monitor_prepare(struct shim_err *e);
int monitor(struct session *s);

#endif
