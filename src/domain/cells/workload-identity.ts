// A cell's workloads can be given an identity of their own: an X.509-SVID, and a socket into auraed that reaches
// only their cell. The daemon provides both (it holds the CA and the listeners); the domain decides when.

export interface WorkloadIdentity {
  readonly spiffeId: string;
  readonly socketPath: string;
  /** What the cell's executables get in their environment to find the socket and the SVID. */
  readonly env: Readonly<Record<string, string>>;
}

export interface WorkloadIdentities {
  /** Where a cell's identity lives; known before (and without) providing it. */
  describe(cell: string): WorkloadIdentity;
  /** Issues or renews the cell's SVID and opens its socket. Doing it again is harmless. */
  provide(cell: string): Promise<void>;
  /** Closes the cell's socket and removes its SVID. */
  withdraw(cell: string): Promise<void>;
}
