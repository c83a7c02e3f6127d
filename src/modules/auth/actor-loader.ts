import { eq, sql } from 'drizzle-orm';
import type { Actor } from '../../access/actor.js';
import type { Db } from '../../db/client.js';
import type { AccessClaims } from '../../http/auth.js';
import { users } from '../users/users.table.js';

/**
 * The caller's account and whether the token's session is still live, in one prepared statement
 * (parsed and planned once per connection, not on every request).
 */
function actorQuery(db: Db) {
  const sessionLive = sql<boolean>`exists (select 1 from refresh_tokens rt where rt.family_id = ${sql.placeholder('sid')} and rt.user_id = users.id and rt.revoked_at is null)`;
  return db
    .select({
      id: users.id,
      role: users.role,
      ministry: users.ministry,
      email: users.email,
      name: users.name,
      active: users.active,
      sessionLive,
    })
    .from(users)
    .where(eq(users.id, sql.placeholder('sub')))
    .prepare('auth_actor');
}

/**
 * The caller an access token names, read on every request (never from the token): the account must
 * be active and the token's session (refresh-token family) still live. The auth hook (src/http/auth.ts)
 * receives it from the composition root.
 */
export function actorLoader(db: Db): (claims: AccessClaims) => Promise<Actor | null> {
  const loadActor = actorQuery(db);
  return async (claims) => {
    const [user] = await loadActor.execute({ sub: claims.sub, sid: claims.sid });
    if (!user?.active || !user.sessionLive) return null;
    return { id: user.id, role: user.role, ministry: user.ministry, email: user.email, name: user.name, mfa: claims.mfa === true };
  };
}
