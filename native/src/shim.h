/* aurae-shim: starts one workload, copies its output to a CRI log (a directory
 * of size-rotated segments) and records how it ended. The daemon talks to it
 * through argv, one report line per event on stdout and files in the state
 * directory. */
#ifndef AURAE_SHIM_H
#define AURAE_SHIM_H

/* Every .c file includes this header first, so this reaches all of them. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

/* More than auraed lets a workload's environment be (the kernel refuses far less at exec anyway). */
#define SHIM_MAX_ENV_BYTES (8 * 1024 * 1024)
#define SHIM_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Fixed size and under PIPE_BUF, so the child can send it in one atomic
 * write without allocating. */
struct shim_err {
  int errnum;
  char msg[512];
};

/* One --rlimit NAME=SOFT:HARD. */
struct rlimit_opt {
  int resource;
  const char *name; /* the kernel's name without RLIMIT_: nofile */
  const char *text; /* SOFT:HARD as given, for errors */
  struct rlimit lim;
};

/* --user and --group come together; --groups is optional (absent: none). */
struct creds_opt {
  bool has_uid, has_gid, has_groups;
  uid_t uid;
  gid_t gid;
  const char *groups_text; /* as given, for errors */
  gid_t *groups;
  size_t n_groups;
};

/* The namespaces the shim joins or makes, in the order the child joins them. */
enum ns_index { NS_IPC, NS_UTS, NS_NET, NS_MNT, NS_PID, NS_CGROUP, NS_COUNT };

struct ns_kind {
  const char *name; /* as in /proc/PID/ns/ and --unshare */
  int flag;         /* CLONE_NEW* */
};

extern const struct ns_kind ns_kinds[NS_COUNT];

/* --log-dir, --log-max-bytes, --log-max-files. */
struct log_opts {
  const char *dir;
  uint64_t max_bytes;      /* a segment's size past which the next record starts a new one */
  unsigned long max_files; /* segments kept, the current one included */
};

struct shim_opts {
  const char *state_dir;
  struct log_opts log;
  const char *oom_events; /* NULL: no OOM accounting */
  const char *cwd;
  const char **cgroups;
  size_t n_cgroups;
  const char **shim_cgroups; /* where the shim itself goes first, apart from the daemon's cgroup */
  size_t n_shim_cgroups;
  const char *report_id; /* NULL, or the launcher's request id that prefixes the first report */
  int env_fd;  /* -1, or where the environment comes from (never argv: any user may read /proc/PID/cmdline) */
  char **envp; /* the workload's whole environment, NULL-terminated */
  size_t n_env;
  const char *path; /* searched for an argv[0] without a '/' */
  char **argv;      /* NULL-terminated; empty with cell_init */
  bool cell_init;   /* run the built-in reaper instead of argv */
  const char *hostname;
  int unshare; /* CLONE_NEW* flags */
  const char *unshare_text;
  pid_t join_pid; /* 0: join no namespaces */
  int join_expect;  /* CLONE_NEW* flags of the namespaces join_pid must not share with the shim */
  bool stdin_closed;
  int umask; /* -1: inherit the shim's */
  struct rlimit_opt *rlimits;
  size_t n_rlimits;
  struct creds_opt creds;
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
  uint64_t cpu_user_us; /* the workload's and its reaped descendants' */
  uint64_t cpu_system_us;
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

/* fds.c: close_range(2), or a walk of /proc/self/fd where the kernel lacks it
 * (before 5.9) or its CLOSE_RANGE_CLOEXEC flag (before 5.11). */
#define CLOSE_RANGE_CLOEXEC_FLAG 4 /* CLOSE_RANGE_CLOEXEC of <linux/close_range.h> */
int close_fds_from(unsigned first, unsigned last, unsigned flags);
int close_fds_by_walking(unsigned first, unsigned last, unsigned flags);

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
bool parse_uint(const char *s, size_t len, int base, unsigned long long max,
                unsigned long long *out);
bool next_item(const char **rest, const char **item, size_t *len);

/* creds.c: option parsers, and the steps the child takes before exec */
int opt_user(struct shim_opts *o, const char *value, struct shim_err *e);
int opt_group(struct shim_opts *o, const char *value, struct shim_err *e);
int opt_groups(struct shim_opts *o, const char *value, struct shim_err *e);
int opt_umask(struct shim_opts *o, const char *value, struct shim_err *e);
int opt_rlimit(struct shim_opts *o, const char *value, struct shim_err *e);
int check_creds(const struct creds_opt *c, struct shim_err *e);
int apply_limits(const struct shim_opts *o, struct shim_err *e);
int drop_credentials(const struct creds_opt *c, struct shim_err *e);

/* namespace.c: option parsers; the parent's steps before fork, the child's after */
int opt_unshare(struct shim_opts *o, const char *value, struct shim_err *e);
int opt_join_ns(struct shim_opts *o, const char *value, struct shim_err *e);
int open_join_namespaces(const struct shim_opts *o, int fds[NS_COUNT], struct shim_err *e);
int enter_pid_namespace(const struct shim_opts *o, const int fds[NS_COUNT], struct shim_err *e);
int enter_namespaces(const struct shim_opts *o, const int fds[NS_COUNT], struct shim_err *e);

/* cell.c: the reaper a cell runs as pid 1 of its namespaces */
int setup_cell(const struct shim_opts *o, struct shim_err *e);
int become_reaper(const struct shim_opts *o, int report_fd, struct shim_err *e);

/* cgroup.c: the parent's steps before fork, the fork, the child's after */
struct cgroup_join {
  int into_fd; /* the cgroup2 directory the child is cloned into, or -1 */
  size_t into; /* its index in opts->cgroups */
};
int prepare_cgroup_join(const struct shim_opts *o, struct cgroup_join *j, struct shim_err *e);
pid_t fork_into_cgroup(struct cgroup_join *j);
int join_cgroups(const struct shim_opts *o, const struct cgroup_join *j, struct shim_err *e);
int move_self(const char **dirs, size_t n, struct shim_err *e);
uint64_t read_oom_kills(const char *path);
int kill_cgroup_at_once(const char *dir);
void kill_cgroup_procs(const char *dir);

/* spawn.c */
int spawn_workload(const struct shim_opts *o, struct workload *w, struct shim_err *e);

/* status.c */
int open_state_dir(const char *path, struct shim_err *e);
int write_pid_file(int dirfd, const char *name, pid_t pid, struct shim_err *e);
int write_status(int dirfd, const struct exit_record *r, struct shim_err *e);

/* segments.c: the log directory, one file per segment named by the global
 * byte offset it starts at (src/runtime/logs/segments.ts reads it) */
#define LOG_DEFAULT_MAX_BYTES (10 * 1024 * 1024)
#define LOG_DEFAULT_MAX_FILES 5
#define SEGMENT_NAME_LEN 24 /* 20 digits and ".log" */

struct log_dir {
  const char *path;
  DIR *dir;
  uint64_t max_bytes;
  unsigned long max_files;
  int fd;             /* the segment appended to */
  uint64_t start;     /* its global start offset */
  uint64_t size;      /* its size after the last write, every writer's bytes counted */
  uint64_t rotate_at; /* the size past which the next record goes to a new segment */
  char name[SEGMENT_NAME_LEN + 1];
};

int opt_log_max_bytes(struct shim_opts *o, const char *value, struct shim_err *e);
int opt_log_max_files(struct shim_opts *o, const char *value, struct shim_err *e);
int log_dir_open(struct log_dir *d, const struct log_opts *o, struct shim_err *e);
int log_dir_write(struct log_dir *d, const void *buf, size_t len);
void log_dir_rotate(struct log_dir *d, size_t need);

/* logger.c */
#define LOG_STREAMS 2 /* stdout and stderr */
struct pollfd;
struct logger *logger_open(const struct log_opts *o, struct shim_err *e);
void logger_add(struct logger *lg, const char *name, int fd);
bool logger_streams_open(const struct logger *lg);
void logger_pollfds(const struct logger *lg, struct pollfd *fds);
void logger_on_ready(struct logger *lg, const struct pollfd *fds);
void logger_drain(struct logger *lg);
void logger_flush(struct logger *lg);

/* launcher.c: aurae-shim --launcher */
int run_launcher(int argc, char **argv);

/* monitor.c */
int monitor_prepare(struct shim_err *e);
int monitor(struct session *s);

#endif
