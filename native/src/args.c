/* The command line: what to run, where, and where to write about it. */
#include "shim.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const usage =
    "usage: aurae-shim --state-dir DIR --log FILE [--cgroup DIR]... [--oom-events FILE]"
    " [--cwd DIR] [--env K=V]... -- ARGV0 [ARGS...]";

/* Takes one option and its value (NULL when argv ran out). */
static int set_option(struct shim_opts *o, const char *name, const char *value,
                      struct shim_err *e) {
  const char **single = NULL;
  if (strcmp(name, "--state-dir") == 0) single = &o->state_dir;
  else if (strcmp(name, "--log") == 0) single = &o->log_path;
  else if (strcmp(name, "--oom-events") == 0) single = &o->oom_events;
  else if (strcmp(name, "--cwd") == 0) single = &o->cwd;
  else if (strcmp(name, "--cgroup") != 0 && strcmp(name, "--env") != 0)
    return fail(e, EINVAL, "unknown option %s; %s", name, usage);
  if (value == NULL) return fail(e, EINVAL, "option %s needs a value; %s", name, usage);
  if (single != NULL) *single = value;
  else if (strcmp(name, "--cgroup") == 0) o->cgroups[o->n_cgroups++] = value;
  else o->envp[o->n_env++] = (char *)value;
  return 0;
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
  if (o->log_path == NULL) return fail(e, EINVAL, "--log is required; %s", usage);
  if (need_absolute("--state-dir", o->state_dir, e) < 0 ||
      need_absolute("--log", o->log_path, e) < 0 ||
      need_absolute("--oom-events", o->oom_events, e) < 0 || need_absolute("--cwd", o->cwd, e) < 0)
    return -1;
  for (size_t i = 0; i < o->n_cgroups; i++)
    if (need_absolute("--cgroup", o->cgroups[i], e) < 0) return -1;
  return 0;
}

/* Validates the environment, finds its PATH and adds the default one when
 * the caller gave none. */
static int settle_env(struct shim_opts *o, struct shim_err *e) {
  for (size_t i = 0; i < o->n_env; i++) {
    const char *eq = strchr(o->envp[i], '=');
    if (eq == NULL || eq == o->envp[i])
      return fail(e, EINVAL, "--env %s: want NAME=VALUE", o->envp[i]);
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
  /* argc bounds both lists; +2 leaves room for the default PATH and NULL. */
  o->cgroups = calloc((size_t)argc, sizeof *o->cgroups);
  o->envp = calloc((size_t)argc + 2, sizeof *o->envp);
  if (o->cgroups == NULL || o->envp == NULL) return fail(e, ENOMEM, "parse arguments");
  o->cwd = "/";
  int i = 1;
  for (; i < argc && strcmp(argv[i], "--") != 0; i += 2)
    if (set_option(o, argv[i], argv[i + 1], e) < 0) return -1;
  if (i + 1 >= argc || argv[i + 1][0] == '\0')
    return fail(e, EINVAL, "no command after --; %s", usage);
  o->argv = argv + i + 1;
  if (check_paths(o, e) < 0) return -1;
  return settle_env(o, e);
}
