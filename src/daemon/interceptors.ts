// Runs before any handler, for every service (ours, health and reflection alike): the caller must carry a SPIFFE
// identity, and every call is logged with it, its method, status and duration.
import { ServerInterceptingCall, status, type ServerInterceptor } from "@grpc/grpc-js";
import type { Logger } from "pino";
import type { IdentityResolver } from "./identity.js";

export function identityInterceptor(identities: IdentityResolver, log: Logger): ServerInterceptor {
  return (method, call) => {
    const startedAt = performance.now();
    let identity: string | undefined;
    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, nextMetadata) => {
            const result = identities.resolve(call.getAuthContext());
            if (!result.ok) {
              log.warn({ method: method.path, peer: call.getPeer(), reason: result.reason }, "unauthenticated call refused");
              call.sendStatus({ code: status.UNAUTHENTICATED, details: `unauthenticated: ${result.reason}` });
              return;
            }
            identity = result.id.id;
            nextMetadata(metadata);
          },
        }),
      sendStatus: (st, next) => {
        const ms = Math.round((performance.now() - startedAt) * 1000) / 1000;
        log.info({ method: method.path, identity, code: status[st.code], ms }, "call");
        next(st);
      },
    });
  };
}
