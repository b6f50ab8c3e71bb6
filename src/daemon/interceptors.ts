// Runs before any handler, for every service (ours, health and reflection alike), in this order: is the caller
// within its rate, who is calling (the connection's SVID), is it denied outright, may it call this method on this
// cell, may it open another stream. Every mutating call and every refusal is audited, naming the caller and the cell;
// every call is logged. A mutation is on record as pending before its handler acts, and completed when it is
// answered. Open streams are decided again whenever what they were allowed on changes (policy, revocations, trust,
// expiry).
import { ServerInterceptingCall, status, type ServerInterceptor, type ServerInterceptingCallInterface, type StatusObject } from "@grpc/grpc-js";
import type { Logger } from "pino";
import { DENIED_CODES, type AuditEntry, type AuditIntent } from "../domain/audit/audit-entry.js";
import { AuraeError } from "../errors.js";
import { Authorizer, type Caller } from "./authz/authorizer.js";
import { changesState, isMutating, methodAccess, setFieldAt, type MethodAccess } from "./authz/methods.js";
import type { Connection, Connections } from "./identity.js";
import type { CallLimits } from "./limits.js";
import { malformation, onTransportRefusal, oversize, oversizeRefusal } from "./malformed.js";
import { boundDetails } from "./status.js";
import { RefusalAudit } from "./refusal-audit.js";

export interface CallGateDeps {
  readonly connections: Connections;
  readonly authorizer: Authorizer;
  readonly limits: CallLimits;
  readonly audit: {
    record(entry: AuditEntry): unknown;
    /** Records a mutation as pending before it is acted on; answers what `complete` takes. */
    begin(intent: AuditIntent): number;
    complete(pendingSequence: number, entry: AuditEntry): unknown;
  };
  /** Whether a Start request would run its process as root (uid, gid or a supplementary group 0). */
  readonly log: Logger;
}

type Status = Pick<StatusObject, "code" | "details">;
type AuthContext = ReturnType<ServerInterceptingCallInterface["getAuthContext"]>;

/** A stream being served, and how to decide it again. */
interface OpenStream {
  readonly auth: AuthContext;
  readonly method: string;
  readonly access: MethodAccess;
  readonly request: unknown;
  readonly end: (refusal: Status) => void;
}

/** Codes that mean the daemon refused the caller rather than the request. */
const REFUSALS = new Set<status>(DENIED_CODES.map((name) => status[name]));
/** Open streams are also decided again this often, so a certificate that expires ends its streams. */
const RECHECK_MS = 30_000;

export class CallGate {
  readonly #streams = new Set<OpenStream>();
  readonly #timer: NodeJS.Timeout;
  readonly #refusals: RefusalAudit;

  constructor(private readonly deps: CallGateDeps) {
    this.#timer = setInterval(() => this.recheck(), RECHECK_MS).unref();
    this.#refusals = new RefusalAudit((entry) => deps.audit.record(entry));
  }

  /** Ends, with the refusal a new call would get, every open stream its caller may no longer have. */
  recheck(): void {
    for (const stream of this.#streams) {
      const verdict = this.#admit(this.deps.connections.of(stream.auth));
      const refusal = "refusal" in verdict ? verdict.refusal : this.#decide(verdict.caller, stream.method, stream.access, stream.request).refusal;
      if (refusal) stream.end(refusal);
    }
  }

  /** Stops the rechecks and writes the summaries of refusals not yet recorded. */
  close(): void {
    clearInterval(this.#timer);
    this.#refusals.close();
  }

  readonly interceptor: ServerInterceptor = (definition, call) => {
    const { limits, audit, log } = this.deps;
    // Mutations are always recorded; refusals through RefusalAudit.
    const method = definition.path;
    const access = methodAccess(method);
    const startedAt = performance.now();
    const auth = call.getAuthContext();
    let caller: Caller | undefined;
    /** The connection's SPIFFE ID, once read: a caller refused before it was admitted is still named. */
    let knownId: string | undefined;
    let peer = "unknown";
    let cell: string | undefined;
    /** A refusal decided before the request was read, answered once it has been, to name its cell. */
    let held: Status | undefined;
    /** The audit entry recording this mutation as pending, once its request went on to the handler. */
    let pendingSequence: number | undefined;
    let handed = false; // the request went on to the handler
    let answerAfterCancel = false;
    let stream: OpenStream | undefined;
    let closeStream: (() => void) | undefined;
    let finished = false;

    const finish = (st: Status): void => {
      if (finished) return;
      finished = true;
      closeStream?.();
      if (stream) this.#streams.delete(stream);
      const refused = REFUSALS.has(st.code);
      const fields = { method, identity: caller?.id.id ?? knownId, cell, peer, code: status[st.code], ms: Math.round((performance.now() - startedAt) * 1000) / 1000 };
      if (refused) log.warn({ ...fields, reason: st.details }, "call refused");
      else if (isMutating(access)) log.info(fields, "call");
      else log.debug(fields, "call");
      const entry = { identity: caller?.id.id ?? knownId ?? "", method, ...(cell !== undefined && { cell }), code: status[st.code], details: st.details ?? "", peer };
      if (pendingSequence !== undefined) audit.complete(pendingSequence, entry);
      else if (refused) this.#refusals.refused(entry);
      else if (isMutating(access)) audit.record(entry);
    };
    const refuse = ({ code, details }: Status): void => {
      finish({ code, details });
      call.sendStatus({ code, details: boundDetails(details) });
    };
    onTransportRefusal(call, finish);
    /** A refusal before the request is read: when the request names the cell, it is read first (never handled). */
    const refuseBeforeRequest = (refusal: Status): void => {
      if (!Authorizer.needsRequest(access)) return refuse(refusal);
      held = refusal;
      call.startRead();
    };
    /** Hands the request to the handler, a mutation once it is on record as pending. */
    const hand = (message: unknown, next: (message: unknown) => void): void => {
      if (changesState(access)) pendingSequence = audit.begin({ identity: caller!.id.id, method, ...(cell !== undefined && { cell }), peer });
      next(message);
    };
    /** Decides the call with its request; answers false after refusing it. */
    const authorize = (request: unknown): boolean => {
      const decision = this.#decide(caller!, method, access, request);
      cell = decision.cell;
      if (decision.refusal) {
        refuse(decision.refusal);
        return false;
      }
      if (decision.fillFilter !== undefined && access.filter) setFieldAt(request, access.filter, decision.fillFilter);
      if (definition.responseStream)
        this.#streams.add((stream = { auth, method, access, request, end: (refusal) => refuse(refusal) }));
      return true;
    };

    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, nextMetadata) => {
            const connection = this.deps.connections.of(auth);
            peer = connection ? `${connection.door.name}:${connection.peer}` : "unknown";
            knownId = connection?.identity;
            // The budget comes first, so a refused caller cannot flood the audit log and the daemon log.
            const overRate = limits.takeCall(connection?.verdict.ok ? connection.verdict.id.id : `unauthenticated:${connection?.serial ?? peer}`);
            if (overRate) return refuseBeforeRequest({ code: status.RESOURCE_EXHAUSTED, details: overRate });
            const admitted = this.#admit(connection);
            if ("refusal" in admitted) return refuseBeforeRequest(admitted.refusal);
            caller = admitted.caller;
            if (!Authorizer.needsRequest(access) && !authorize(undefined)) return;
            if (definition.responseStream) {
              const opened = limits.openStream(caller.id.id);
              if (typeof opened === "string") return refuseBeforeRequest({ code: status.RESOURCE_EXHAUSTED, details: opened });
              closeStream = opened;
            }
            nextMetadata(metadata);
          },
          onReceiveMessage: (message, nextMessage) => {
            if (held) {
              cell = Authorizer.cellOf(access, message);
              return refuse(held);
            }
            const size = oversize(message);
            if (size !== undefined) return refuse({ code: status.RESOURCE_EXHAUSTED, details: oversizeRefusal(size) });
            const problem = malformation(message);
            if (problem !== undefined) return refuse({ code: status.INVALID_ARGUMENT, details: `the request is not a valid message of ${method}: ${problem}` });
            if (Authorizer.needsRequest(access) && !handed && !authorize(message)) return;
            handed = true;
            hand(message, nextMessage);
          },
          onReceiveHalfClose: (next) => {
            if (!held) return next();
            // A client that ends its side without a request is refused all the same, naming no cell.
            if (!finished) refuse(held);
          },
          onCancel: () => {
            closeStream?.();
            // A refused caller that gives up before its request arrived is on record with its refusal.
            if (held) return finish(held);
            // A change the handler already works on still happens: record its real outcome when it comes.
            if (isMutating(access) && handed && !finished) answerAfterCancel = true;
            else finish({ code: status.CANCELLED, details: handed ? "cancelled by the client" : "ended before its request was read: cancelled by the client" });
          },
        }),
      sendMessage: (message, next) => {
        if (answerAfterCancel) finish({ code: status.OK, details: "done after the client cancelled or its deadline passed" });
        next(message);
      },
      sendStatus: (st, next) => {
        finish(answerAfterCancel && st.code !== status.OK ? { ...st, details: `${st.details} (after the client cancelled or its deadline passed)` } : st);
        // A status quoting a huge request value (a health check's service name) would stall the connection.
        next({ ...st, details: boundDetails(st.details) });
      },
    });
  };

  /** Who the caller on this connection is, or why it is refused whatever it calls. */
  #admit(connection: Connection | undefined): { caller: Caller } | { refusal: Status } {
    if (!connection) return { refusal: { code: status.UNAUTHENTICATED, details: "unauthenticated: no client certificate" } };
    if (!connection.verdict.ok) return { refusal: { code: status.UNAUTHENTICATED, details: `unauthenticated: ${connection.verdict.reason}` } };
    const caller = { id: connection.verdict.id, serial: connection.serial, doorScope: connection.door.scope };
    const denial = this.deps.authorizer.denial(caller);
    if (denial) return { refusal: { code: denial.code === "revoked" ? status.UNAUTHENTICATED : status.PERMISSION_DENIED, details: denial.reason } };
    return { caller };
  }

  #decide(caller: Caller, method: string, access: MethodAccess, request: unknown): { refusal?: Status; cell?: string; fillFilter?: string } {
    try {
      const decision = this.deps.authorizer.decide(caller, method, access, request);
      if (!decision.allowed) return { cell: decision.cell, refusal: { code: status.PERMISSION_DENIED, details: `permission denied: ${decision.reason}` } };
      return { cell: decision.cell, fillFilter: decision.fillFilter };
    } catch (err) {
      if (!(err instanceof AuraeError)) throw err;
      return { refusal: { code: status.INVALID_ARGUMENT, details: err.message } };
    }
  }
}
