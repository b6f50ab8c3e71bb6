import type { Logger } from "pino";
import type { NodeCertificates } from "../../domain/pki/node-certificates.js";
import type { PkiServiceServer } from "../../gen/aurae/pki/v1/pki.js";
import { int64ToNumber } from "../convert/int64.js";
import { certificateToProto } from "../convert/pki.js";
import type { Connections } from "../identity.js";
import { unary, type CallInfo } from "../rpc.js";

export const pkiService = ({ certificates, connections, log }: { certificates: NodeCertificates; connections: Connections; log: Logger }): PkiServiceServer => {
  // The interceptor admitted the call, so its connection carries a verified identity.
  const callerOf = (call: CallInfo): string => {
    const verdict = connections.of(call.getAuthContext())?.verdict;
    return verdict?.ok ? verdict.id.id : "";
  };
  return {
    issueCertificate: unary(log, async (req, _signal, call) => {
      const issued = await certificates.issueClient(
        { spiffeId: req.spiffeId, publicKeyPem: req.publicKeyPem, ttlSeconds: int64ToNumber(req.ttlSeconds, "ttl_seconds") ?? 0 },
        callerOf(call),
      );
      return { certificate: certificateToProto(issued.record), certificatePem: issued.certPem, caPem: issued.caPem };
    }),
    listCertificates: unary(log, async (req) => {
      const page = certificates.list({ spiffeId: req.spiffeId }, req);
      return { certificates: page.certificates.map(certificateToProto), nextPageToken: page.nextPageToken };
    }),
    revokeCertificate: unary(log, async (req, _signal, call) => ({
      certificate: certificateToProto(certificates.revoke(req.serial, req.reason, callerOf(call))),
    })),
    rotateServerCertificate: unary(log, async (req, _signal, call) => ({
      certificate: certificateToProto(
        await certificates.rotateServer(
          { ttlSeconds: int64ToNumber(req.ttlSeconds, "ttl_seconds") ?? 0, dnsNames: req.dnsNames, ipAddresses: req.ipAddresses },
          callerOf(call),
        ),
      ),
    })),
  };
};
