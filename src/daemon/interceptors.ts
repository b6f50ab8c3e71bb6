// Runs before any handler, for every service (ours, health and reflection alike), in this order: who is calling
// (the connection's SVID), is the caller denied outright, is it within its rate, may it call this method on this
// cell, may it open another stream. Every mutating call and every refusal is audited; every call is logged.
import { ServerInterceptingCall, status, type ServerInterceptor, type StatusObject } from "@grpc/grpc-js";
import type { Logger } from "pino";
import type { AuditEntry } from "../domain/audit/audit-entry.js";
import { AuraeError } from "../errors.js";
import { Authorizer, type Caller } from "./authz/authorizer.js";
import { isMutating, methodAccess, setFieldAt } from "./authz/methods.js";
import type { Connections } from "./identity.js";
import type { CallLimits } from "./limits.js";
import { malformation } from "./malformed.js";

export interface CallInterceptorDeps {
  readonly connections: Connections;
  readonly authorizer: Authorizer;
  readonly limits: CallLimits;
  readonly audit: { record(entry: AuditEntry): unknown };
  readonly log: Logger;
}

/** Codes that mean the daemon refused the caller rather than the request. */
const REFUSALS = new Set([status.UNAUTHENTICATED, status.PERMISSION_DENIED, status.RESOURCE_EXHAUSTED]);

export function callInterceptor(deps: CallInterceptorDeps): ServerInterceptor {
  const { connections, authorizer, limits, audit, log } = deps;
  return (definition, call) => {
    const method = definition.path;
    const access = methodAccess(method);
    const startedAt = performance.now();
    let caller: Caller | undefined;
    let peer = "unknown";
    let cell: string | undefined;
    let decided = !Authorizer.needsRequest(access);
    let closeStream: (() => void) | undefined;
    let finished = false;

    const finish = (st: Pick<StatusObject, "code" | "details">): void => {
      if (finished) return;
      finished = true;
      closeStream?.();
      const code = st.code ?? status.OK;
      const refused = REFUSALS.has(code);
      const fields = { method, identity: caller?.id.id, cell, peer, code: status[code], ms: Math.round((performance.now() - startedAt) * 1000) / 1000 };
      if (refused) log.warn({ ...fields, reason: st.details }, "call refused");
      else if (isMutating(access)) log.info(fields, "call");
      else log.debug(fields, "call");
      if (refused || isMutating(access))
        audit.record({ identity: caller?.id.id ?? "", method, ...(cell !== undefined && { cell }), code: status[code], details: st.details ?? "", peer });
    };
    const refuse = (code: status, details: string): void => {
      finish({ code, details });
      call.sendStatus({ code, details });
    };

    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, nextMetadata) => {
            const connection = connections.of(call.getAuthContext());
            if (!connection) return refuse(status.UNAUTHENTICATED, "unauthenticated: no client certificate");
            peer = `${connection.door.name}:${connection.peer}`;
            if (!connection.verdict.ok) return refuse(status.UNAUTHENTICATED, `unauthenticated: ${connection.verdict.reason}`);
            caller = { id: connection.verdict.id, serial: connection.serial, doorScope: connection.door.scope };
            const denial = authorizer.denial(caller);
            if (denial) return refuse(denial.code === "revoked" ? status.UNAUTHENTICATED : status.PERMISSION_DENIED, denial.reason);
            const overRate = limits.takeCall(caller.id.id);
            if (overRate) return refuse(status.RESOURCE_EXHAUSTED, overRate);
            if (decided && !authorize(undefined)) return;
            if (definition.responseStream) {
              const opened = limits.openStream(caller.id.id);
              if (typeof opened === "string") return refuse(status.RESOURCE_EXHAUSTED, opened);
              closeStream = opened;
            }
            nextMetadata(metadata);
          },
          onReceiveMessage: (message, nextMessage) => {
            const problem = malformation(message);
            if (problem !== undefined) return refuse(status.INVALID_ARGUMENT, `the request is not a valid message of ${method}: ${problem}`);
            if (!decided && !authorize(message)) return;
            decided = true;
            nextMessage(message);
          },
          onCancel: () => finish({ code: status.CANCELLED, details: "cancelled by the client" }),
        }),
      sendStatus: (st, next) => {
        finish(st);
        next(st);
      },
    });

    /** Decides the call; answers false after refusing it. */
    function authorize(request: unknown): boolean {
      try {
        const decision = authorizer.decide(caller!, method, access, request);
        cell = decision.cell;
        if (!decision.allowed) {
          refuse(status.PERMISSION_DENIED, `permission denied: ${decision.reason}`);
          return false;
        }
        if (decision.fillFilter !== undefined && access.filter) setFieldAt(request, access.filter, decision.fillFilter);
        return true;
      } catch (err) {
        if (!(err instanceof AuraeError)) throw err;
        refuse(status.INVALID_ARGUMENT, err.message);
        return false;
      }
    }
  };
}
