import type { FastifyRequest } from 'fastify';
import type { AuditContext } from '../audit/audit.writer.js';

/** Who is acting and from where, for audit entries written on behalf of a request. */
export function auditContextOf(request: FastifyRequest, actor: { id: string; role: string } | null = request.actor): AuditContext {
  return { actor: actor ? { id: actor.id, role: actor.role } : null, requestId: request.id, clientAddress: request.ip };
}
