// Schema migrations, applied in order; entry i takes the schema from version i to i + 1. Never edit a released
// entry: append a new one.
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE cells (
    name          TEXT PRIMARY KEY,
    spec          TEXT NOT NULL,    -- JSON of the cell's spec
    created_at_ms INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE executables (
    cell          TEXT NOT NULL REFERENCES cells(name),
    name          TEXT NOT NULL,
    spec          TEXT NOT NULL,    -- JSON of the executable's spec
    state         TEXT NOT NULL,    -- running | stopping | exited
    pid           INTEGER NOT NULL,
    started_at_ms INTEGER NOT NULL,
    exited_at_ms  INTEGER,
    exit_status   TEXT,             -- JSON, once exited
    PRIMARY KEY (cell, name)
  ) STRICT;
  `,
  `
  ALTER TABLE cells ADD COLUMN init_pid INTEGER;  -- the reaper of an isolated cell
  ALTER TABLE executables ADD COLUMN restart_count INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE executables ADD COLUMN backoff_step INTEGER NOT NULL DEFAULT 0;  -- quick exits in a row
  ALTER TABLE executables ADD COLUMN next_restart_at_ms INTEGER;             -- set in state backoff
  `,
  `
  CREATE TABLE events (
    sequence   INTEGER PRIMARY KEY AUTOINCREMENT,  -- AUTOINCREMENT: a pruned sequence is never handed out again
    time_ms    INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    cell       TEXT,
    executable TEXT,
    attributes TEXT NOT NULL                       -- JSON object of strings
  ) STRICT;
  CREATE INDEX events_time ON events (time_ms);    -- pruning by age
  `,
  `
  ALTER TABLE cells ADD COLUMN frozen INTEGER NOT NULL DEFAULT 0;  -- desired: 1 while the cell is to stay frozen
  `,
  `
  ALTER TABLE executables ADD COLUMN stop_signal INTEGER;       -- set in state stopping: the first signal sent
  ALTER TABLE executables ADD COLUMN stop_deadline_ms INTEGER;  -- and when SIGKILL follows
  `,
  `
  CREATE TABLE audit (
    sequence INTEGER PRIMARY KEY AUTOINCREMENT,  -- AUTOINCREMENT: a pruned sequence is never handed out again
    time_ms  INTEGER NOT NULL,
    identity TEXT NOT NULL,                      -- the caller's SPIFFE ID; "" when it was not authenticated
    method   TEXT NOT NULL,                      -- full gRPC path: /aurae.cells.v1.CellService/Free
    cell     TEXT,                               -- the cell acted on, if any
    code     TEXT NOT NULL,                      -- gRPC status name: OK, PERMISSION_DENIED, ...
    details  TEXT NOT NULL,                      -- the status message, never a request body
    peer     TEXT NOT NULL                       -- remote address, or "unix"
  ) STRICT;
  -- Each index holds the rowid (sequence), so a read filtered by one identity, method or code walks its index in
  -- sequence order. Prefixes and cell subtrees are ranges, which SQLite reads in sequence order anyway.
  CREATE INDEX audit_time ON audit (time_ms);      -- pruning by age
  CREATE INDEX audit_identity ON audit (identity);
  CREATE INDEX audit_method ON audit (method);
  CREATE INDEX audit_code ON audit (code);         -- denials
  `,
  `
  CREATE TABLE certificates (
    serial        TEXT PRIMARY KEY,                -- lowercase hex, no leading zeros
    kind          TEXT NOT NULL,                   -- client | server
    spiffe_id     TEXT NOT NULL,                   -- "" for a server certificate
    server_names  TEXT NOT NULL,                   -- JSON array of DNS names and IPs; [] for a client certificate
    not_before_ms INTEGER NOT NULL,
    not_after_ms  INTEGER NOT NULL,
    issued_at_ms  INTEGER NOT NULL,
    issued_by     TEXT NOT NULL,                   -- the SPIFFE ID of the caller, or "aer pki init"
    revoked_at_ms INTEGER,
    revoked_by    TEXT,
    revoke_reason TEXT
  ) STRICT;
  CREATE INDEX certificates_issued ON certificates (issued_at_ms);
  `,
  `
  -- What removed cgroups below a cell counted that the kernel no longer includes in the cell's (cgroup v1)
  ALTER TABLE cells ADD COLUMN retired_oom_kills INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE cells ADD COLUMN retired_io_read_bytes INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE cells ADD COLUMN retired_io_write_bytes INTEGER NOT NULL DEFAULT 0;
  `,
  `
  -- JSON object of strings: the labels of the event's cell or executable when it was recorded, for label selectors
  ALTER TABLE events ADD COLUMN labels TEXT NOT NULL DEFAULT '{}';
  `,
  `
  -- A mutation is recorded as pending before auraed acts on it; its outcome replaces that row (a new sequence, so
  -- that watchers see it). A pending row left by a daemon that died is completed by the next one at its start.
  ALTER TABLE audit ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;  -- 1: received, acted on, not yet answered
  ALTER TABLE audit ADD COLUMN replaces INTEGER;                    -- the sequence of the pending row this completes
  CREATE INDEX audit_pending ON audit (sequence) WHERE pending = 1;
  `,
  `
  -- One row: the database's epoch, a random id made once. The sequences of the events and the audit log mean
  -- something only within it: a watch resuming with another epoch is refused, as the log was replaced (a new
  -- database) and the same sequences now name other records.
  CREATE TABLE meta (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    epoch TEXT NOT NULL
  ) STRICT;
  INSERT INTO meta (id, epoch) VALUES (1, lower(hex(randomblob(16))));
  `,
  `
  -- Schema 6 shipped with this index; its entry was later edited to drop it, so databases created before that edit
  -- still had it (found by the golden databases of test/fixtures/databases). Cell subtrees are ranges: unused.
  DROP INDEX IF EXISTS audit_cell;
  `,
  `
  -- Pulled images, by canonical reference (docker.io/library/busybox:latest, host:5000/app@sha256:...). Two names
  -- (a tag) may hold the same digest.
  CREATE TABLE images (
    name            TEXT PRIMARY KEY,
    digest          TEXT NOT NULL,     -- what the reference resolved to: the index's digest, or the manifest's
    media_type      TEXT NOT NULL,     -- of that target
    manifest_digest TEXT NOT NULL,     -- the platform's image manifest
    config_digest   TEXT NOT NULL,
    platform        TEXT NOT NULL,     -- os/architecture[/variant]
    size            INTEGER NOT NULL,  -- manifest + config + layers, compressed, as stored
    layers          TEXT NOT NULL,     -- JSON array of { digest, size, mediaType, diffId }, bottom first
    config          TEXT NOT NULL,     -- JSON of the parsed image config (entrypoint, cmd, env, ...)
    created_at_ms   INTEGER NOT NULL,
    updated_at_ms   INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX images_digest ON images (digest);

  -- What holds what, for garbage collection: Prune removes only blobs and layer snapshots nobody holds. A holder is
  -- "image:<name>" or "container:<id>"; a resource "blob:<digest>" or "snapshot:<diff ID>".
  CREATE TABLE leases (
    holder   TEXT NOT NULL,
    resource TEXT NOT NULL,
    PRIMARY KEY (holder, resource)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX leases_resource ON leases (resource);
  `,
];
