import type { FastifyRequest } from 'fastify';
import { clientRequestId } from '../../http/request-id.js';
import type { AuditContext } from './audit.writer.js';

/** Who is acting and from where, for the audit entries a request writes. */
export function auditContext(request: FastifyRequest, actor: { id: string; role: string } | null = request.actor): AuditContext {
  return {
    actor: actor ? { id: actor.id, role: actor.role } : null,
    requestId: request.id,
    clientAddress: request.ip ?? null,
    clientRequestId: clientRequestId(request.raw),
  };
}

/** Context of work done by the system itself (start-up, CLI tools): no actor, no request. */
export const SYSTEM_CONTEXT: AuditContext = { actor: null, requestId: null, clientAddress: null };
