// What each RPC needs: its kind of access, and where its request names the cell it acts on. A method missing from
// this table is treated as admin-only and node-wide, so a new RPC is locked down until it is classified here.

/**
 * public: any authenticated caller (health checks). read/write: a cell's state, within the caller's cells.
 * node-read: reads about the node as a whole (the daemon's log, reflection): callers allowed every cell.
 * admin: the node's security (audit log, certificates).
 */
export type Access = "public" | "read" | "write" | "node-read" | "admin";

export const ROLES = ["reader", "operator", "admin"] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_ACCESS: Readonly<Record<Role, ReadonlySet<Access>>> = {
  reader: new Set<Access>(["read", "node-read"]),
  operator: new Set<Access>(["read", "write", "node-read"]),
  admin: new Set<Access>(["read", "write", "node-read", "admin"]),
};

export interface MethodAccess {
  readonly access: Access;
  /** Dotted path of the request field naming the cell acted on ("spec.name"). */
  readonly cell?: string;
  /** Dotted path of a list's or stream's optional cell filter: filled in for a caller confined to one cell tree. */
  readonly filter?: string;
  /**
   * It starts a process, whose credentials and rlimits the caller's rules must allow: those the request's spec asks
   * for, or those of the spec stored for the executable it names (cell, name).
   */
  readonly startsProcess?: "spec" | "stored";
  /** An admin method that changes nothing: audited once answered, never pending. */
  readonly readsOnly?: boolean;
}

const CELLS = "/aurae.cells.v1.CellService/";
const EXECUTABLES = "/aurae.executables.v1.ExecutableService/";
const OBSERVE = "/aurae.observe.v1.ObserveService/";
const EVENTS = "/aurae.events.v1.EventService/";
const AUDIT = "/aurae.audit.v1.AuditService/";
const PKI = "/aurae.pki.v1.PkiService/";
const IMAGES = "/aurae.images.v1.ImageService/";

const METHODS: ReadonlyMap<string, MethodAccess> = new Map<string, MethodAccess>([
  [`${CELLS}Allocate`, { access: "write", cell: "spec.name" }],
  [`${CELLS}Update`, { access: "write", cell: "spec.name" }],
  [`${CELLS}Free`, { access: "write", cell: "name" }],
  [`${CELLS}Freeze`, { access: "write", cell: "name" }],
  [`${CELLS}Thaw`, { access: "write", cell: "name" }],
  [`${CELLS}Stats`, { access: "read", cell: "name" }],
  [`${CELLS}Get`, { access: "read", cell: "name" }],
  [`${CELLS}List`, { access: "read", filter: "cellName" }],
  [`${EXECUTABLES}Start`, { access: "write", cell: "spec.cellName", startsProcess: "spec" }],
  [`${EXECUTABLES}Stop`, { access: "write", cell: "cellName" }],
  [`${EXECUTABLES}Signal`, { access: "write", cell: "cellName" }],
  [`${EXECUTABLES}Wait`, { access: "read", cell: "cellName" }],
  [`${EXECUTABLES}Get`, { access: "read", cell: "cellName" }],
  [`${EXECUTABLES}List`, { access: "read", filter: "cellName" }],
  // Runs again a spec someone else (an admin) may have started: the caller must be allowed to start it itself.
  [`${EXECUTABLES}Restart`, { access: "write", cell: "cellName", startsProcess: "stored" }],
  [`${EXECUTABLES}Stats`, { access: "read", cell: "cellName" }],
  [`${OBSERVE}GetLogs`, { access: "read", cell: "cellName" }],
  [`${OBSERVE}GetDaemonLogs`, { access: "node-read" }],
  [`${OBSERVE}ListProcesses`, { access: "read", cell: "cellName" }],
  [`${EVENTS}Watch`, { access: "read", filter: "cellName" }],
  [`${EVENTS}List`, { access: "read", filter: "cellName" }],
  [`${AUDIT}List`, { access: "admin", readsOnly: true }],
  [`${AUDIT}Watch`, { access: "admin", readsOnly: true }],
  [`${PKI}IssueCertificate`, { access: "admin" }],
  [`${PKI}ListCertificates`, { access: "admin", readsOnly: true }],
  [`${PKI}RevokeCertificate`, { access: "admin" }],
  [`${PKI}RotateServerCertificate`, { access: "admin" }],
  // Images are the node's, not a cell's: changing them is write access over the whole node, reading them node-read.
  [`${IMAGES}Pull`, { access: "write" }],
  [`${IMAGES}Tag`, { access: "write" }],
  [`${IMAGES}Remove`, { access: "write" }],
  [`${IMAGES}Prune`, { access: "write" }],
  [`${IMAGES}Import`, { access: "write" }],
  [`${IMAGES}Export`, { access: "write" }],
  [`${IMAGES}List`, { access: "node-read" }],
  [`${IMAGES}Get`, { access: "node-read" }],
  [`${IMAGES}DiskUsage`, { access: "node-read" }],
  // Version and kernel facts, as harmless as a health check and as useful to every caller.
  ["/aurae.node.v1.NodeService/Info", { access: "public" }],
  ["/grpc.health.v1.Health/Check", { access: "public" }],
  ["/grpc.health.v1.Health/Watch", { access: "public" }],
  ["/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", { access: "node-read" }],
  ["/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", { access: "node-read" }],
]);

const UNCLASSIFIED: MethodAccess = { access: "admin" };

export const methodAccess = (path: string): MethodAccess => METHODS.get(path) ?? UNCLASSIFIED;

/** Whether a method changes state or reads the node's security: those are audited even when allowed. */
export const isMutating = (access: MethodAccess): boolean => access.access === "write" || access.access === "admin";

/** Whether a method changes state: it is on record as pending before its handler acts. */
export const changesState = (access: MethodAccess): boolean => isMutating(access) && access.readsOnly !== true;

/** The string at a dotted path of a decoded request, or undefined. */
export function fieldAt(request: unknown, path: string): string | undefined {
  let value: unknown = request;
  for (const key of path.split(".")) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return typeof value === "string" ? value : undefined;
}

/** Sets the string at a dotted path of a decoded request whose parents exist. */
export function setFieldAt(request: unknown, path: string, text: string): void {
  const keys = path.split(".");
  let target = request as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
  target[keys.at(-1)!] = text;
}
