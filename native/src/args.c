/* The command line: what to run, where, as whom, and where to write about it. */
#include "shim.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const usage =
    "usage: aurae-shim --state-dir DIR --log-dir DIR [--log-max-bytes N] [--log-max-files K]"
    " [--report-id ID] [--shim-cgroup DIR]... [--cgroup DIR]... [--oom-events FILE]"
    " [--cwd DIR] [--env-fd FD] [--user UID --group GID [--groups G1,G2,...]]"
    " [--umask OCTAL] [--rlimit NAME=SOFT:HARD]... [--stdin null|closed] [--join-ns PID[:KINDS]]"
    " [--unshare pid,net,mnt,uts,ipc,cgroup] (-- ARGV0 [ARGS...] | --cell-init [--hostname NAME])";

static int opt_cgroup(struct shim_opts *o, const char *value, struct shim_err *e) {
  (void)e;
  o->cgroups[o->n_cgroups++] = value;
  return 0;
}

static int opt_shim_cgroup(struct shim_opts *o, const char *value, struct shim_err *e) {
  (void)e;
  o->shim_cgroups[o->n_shim_cgroups++] = value;
  return 0;
}

static int opt_env_fd(struct shim_opts *o, const char *value, struct shim_err *e) {
  char *end = NULL;
  long fd = strtol(value, &end, 10);
  if (*value == '\0' || *end != '\0' || fd < 3 || fd > INT_MAX)
    return fail(e, EINVAL, "--env-fd %s: want a descriptor number of at least 3", value);
  o->env_fd = (int)fd;
  return 0;
}

static int opt_stdin(struct shim_opts *o, const char *value, struct shim_err *e) {
  if (strcmp(value, "null") != 0 && strcmp(value, "closed") != 0)
    return fail(e, EINVAL, "--stdin %s: want null or closed", value);
  o->stdin_closed = strcmp(value, "closed") == 0;
  return 0;
}

static int opt_cell_init(struct shim_opts *o, const char *value, struct shim_err *e) {
  (void)value, (void)e;
  o->cell_init = true;
  return 0;
}

struct option {
  const char *name;
  bool has_value;
  /* NULL: a plain string, stored at `field` */
  int (*parse)(struct shim_opts *o, const char *value, struct shim_err *e);
  size_t field;
};

#define STRING(name, member) {name, true, NULL, offsetof(struct shim_opts, member)}
#define PARSED(name, fn) {name, true, fn, 0}

static const struct option options[] = {
    STRING("--state-dir", state_dir),             STRING("--log-dir", log.dir),
    PARSED("--log-max-bytes", opt_log_max_bytes), PARSED("--log-max-files", opt_log_max_files),
    STRING("--oom-events", oom_events),           STRING("--cwd", cwd),
    STRING("--hostname", hostname),               PARSED("--cgroup", opt_cgroup),
    PARSED("--env-fd", opt_env_fd),               PARSED("--user", opt_user),
    PARSED("--group", opt_group),                 PARSED("--groups", opt_groups),
    PARSED("--umask", opt_umask),                 PARSED("--rlimit", opt_rlimit),
    PARSED("--stdin", opt_stdin),                 PARSED("--join-ns", opt_join_ns),
    PARSED("--unshare", opt_unshare),             {"--cell-init", false, opt_cell_init, 0},
    PARSED("--shim-cgroup", opt_shim_cgroup),    STRING("--report-id", report_id),
};

/* Takes the option at argv[*i] and its value; advances *i past both. */
static int take_option(struct shim_opts *o, char **argv, int *i, struct shim_err *e) {
  const char *name = argv[*i];
  const struct option *opt = NULL;
  for (size_t k = 0; k < sizeof options / sizeof options[0] && opt == NULL; k++)
    if (strcmp(name, options[k].name) == 0) opt = &options[k];
  if (opt == NULL) return fail(e, EINVAL, "unknown option %s; %s", name, usage);
  const char *value = opt->has_value ? argv[*i + 1] : NULL;
  if (opt->has_value && value == NULL)
    return fail(e, EINVAL, "option %s needs a value; %s", name, usage);
  *i += opt->has_value ? 2 : 1;
  if (opt->parse != NULL) return opt->parse(o, value, e);
  *(const char **)((char *)o + opt->field) = value;
  return 0;
}

/* Decimal (or another base) digits only: no sign, no blanks, no overflow past max. */
bool parse_uint(const char *s, size_t len, int base, unsigned long long max,
                unsigned long long *out) {
  unsigned long long v = 0;
  if (len == 0) return false;
  for (size_t i = 0; i < len; i++) {
    unsigned digit = (unsigned)(s[i] - '0');
    if (digit >= (unsigned)base || digit > max || v > (max - digit) / (unsigned)base)
      return false;
    v = v * (unsigned)base + digit;
  }
  *out = v;
  return true;
}

/* Steps through a comma-separated list, *rest NULL once it is done. */
bool next_item(const char **rest, const char **item, size_t *len) {
  if (*rest == NULL) return false;
  const char *end = strchrnul(*rest, ',');
  *item = *rest;
  *len = (size_t)(end - *rest);
  *rest = *end == '\0' ? NULL : end + 1;
  return true;
}

/* The shim runs in "/", so a relative path would silently mean something
 * else than the caller meant. */
static int need_absolute(const char *option, const char *path, struct shim_err *e) {
  if (path != NULL && path[0] != '/')
    return fail(e, EINVAL, "%s %s: must be an absolute path", option, path);
  return 0;
}

static int check_paths(const struct shim_opts *o, struct shim_err *e) {
  if (o->state_dir == NULL) return fail(e, EINVAL, "--state-dir is required; %s", usage);
  if (o->log.dir == NULL) return fail(e, EINVAL, "--log-dir is required; %s", usage);
  if (need_absolute("--state-dir", o->state_dir, e) < 0 ||
      need_absolute("--log-dir", o->log.dir, e) < 0 ||
      need_absolute("--oom-events", o->oom_events, e) < 0 || need_absolute("--cwd", o->cwd, e) < 0)
    return -1;
  for (size_t i = 0; i < o->n_cgroups; i++)
    if (need_absolute("--cgroup", o->cgroups[i], e) < 0) return -1;
  for (size_t i = 0; i < o->n_shim_cgroups; i++)
    if (need_absolute("--shim-cgroup", o->shim_cgroups[i], e) < 0) return -1;
  return 0;
}

/* An executable runs argv in namespaces it joins; only a cell's reaper makes
 * namespaces. Its --hostname is set only in a uts namespace of its own (never
 * on the host), so a caller may pass one whatever it isolates. */
static int check_mode(const struct shim_opts *o, struct shim_err *e) {
  if (!o->cell_init && (o->argv[0] == NULL || o->argv[0][0] == '\0'))
    return fail(e, EINVAL, "no command after --; %s", usage);
  if (o->cell_init && o->argv[0] != NULL)
    return fail(e, EINVAL, "--cell-init runs the built-in reaper: give no command after --");
  if (o->cell_init && o->join_pid != 0)
    return fail(e, EINVAL, "--cell-init makes namespaces: it cannot --join-ns %d", (int)o->join_pid);
  if (!o->cell_init && (o->unshare & ~CLONE_NEWCGROUP) != 0)
    return fail(e, EINVAL, "--unshare %s: an executable may unshare only cgroup; the rest need --cell-init",
                o->unshare_text);
  if (o->hostname != NULL && !o->cell_init)
    return fail(e, EINVAL, "--hostname %s: only a cell's reaper (--cell-init) has one", o->hostname);
  if (o->hostname != NULL && strlen(o->hostname) > HOST_NAME_MAX)
    return fail(e, EINVAL, "--hostname %s: longer than %d bytes", o->hostname, HOST_NAME_MAX);
  return check_creds(&o->creds, e);
}

/* Reads the whole of fd into a NUL-terminated buffer; *len excludes the terminator. */
static char *read_all(int fd, size_t *len, struct shim_err *e) {
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  if (buf == NULL) return fail(e, ENOMEM, "read the environment"), NULL;
  for (;;) {
    if (n + 1 == cap) {
      if (cap >= SHIM_MAX_ENV_BYTES) return free(buf), fail(e, E2BIG, "--env-fd %d: more than %d bytes", fd, SHIM_MAX_ENV_BYTES), NULL;
      char *more = realloc(buf, cap *= 2);
      if (more == NULL) return free(buf), fail(e, ENOMEM, "read the environment"), NULL;
      buf = more;
    }
    ssize_t got = read(fd, buf + n, cap - n - 1);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return free(buf), fail(e, errno, "--env-fd %d: read", fd), NULL;
    if (got == 0) break;
    n += (size_t)got;
  }
  close(fd);
  buf[n] = '\0';
  *len = n;
  return buf;
}

/* The environment: NAME=VALUE entries, each ended by a NUL, read from --env-fd to its end. */
static int read_env(struct shim_opts *o, struct shim_err *e) {
  size_t len = 0, count = 0;
  char *buf = o->env_fd < 0 ? calloc(1, 1) : read_all(o->env_fd, &len, e);
  if (buf == NULL) return o->env_fd < 0 ? fail(e, ENOMEM, "read the environment") : -1;
  if (len > 0 && buf[len - 1] != '\0') return fail(e, EINVAL, "--env-fd %d: the last entry has no NUL after it", o->env_fd);
  for (size_t i = 0; i < len; i++) count += buf[i] == '\0';
  /* +2 leaves room for the default PATH and NULL. */
  o->envp = calloc(count + 2, sizeof *o->envp);
  if (o->envp == NULL) return fail(e, ENOMEM, "read the environment");
  for (char *entry = buf; entry < buf + len; entry += strlen(entry) + 1) o->envp[o->n_env++] = entry;
  return 0;
}

/* Validates the environment, finds its PATH and adds the default one when
 * the caller gave none. */
static int settle_env(struct shim_opts *o, struct shim_err *e) {
  if (read_env(o, e) < 0) return -1;
  for (size_t i = 0; i < o->n_env; i++) {
    const char *eq = strchr(o->envp[i], '=');
    if (eq == NULL || eq == o->envp[i])
      return fail(e, EINVAL, "environment entry \"%s\": want NAME=VALUE", o->envp[i]);
    if (strncmp(o->envp[i], "PATH=", 5) == 0) o->path = o->envp[i] + 5;
  }
  if (o->path == NULL) {
    o->envp[o->n_env++] = "PATH=" SHIM_DEFAULT_PATH;
    o->path = SHIM_DEFAULT_PATH;
  }
  o->envp[o->n_env] = NULL;
  return 0;
}

int parse_args(int argc, char **argv, struct shim_opts *o, struct shim_err *e) {
  /* argc bounds every list. */
  o->cgroups = calloc((size_t)argc, sizeof *o->cgroups);
  o->shim_cgroups = calloc((size_t)argc, sizeof *o->shim_cgroups);
  o->rlimits = calloc((size_t)argc, sizeof *o->rlimits);
  if (o->cgroups == NULL || o->shim_cgroups == NULL || o->rlimits == NULL) return fail(e, ENOMEM, "parse arguments");
  o->env_fd = -1;
  o->cwd = "/";
  o->umask = -1;
  o->log.max_bytes = LOG_DEFAULT_MAX_BYTES;
  o->log.max_files = LOG_DEFAULT_MAX_FILES;
  int i = 1;
  while (i < argc && strcmp(argv[i], "--") != 0)
    if (take_option(o, argv, &i, e) < 0) return -1;
  o->argv = argv + (i < argc ? i + 1 : argc); /* argv[argc] is NULL */
  if (check_paths(o, e) < 0 || check_mode(o, e) < 0) return -1;
  return settle_env(o, e);
}
