/** PostgreSQL's unique_violation, as thrown by either driver (drizzle may wrap it: the code is then on `cause`). */
export function isUniqueViolation(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const cause = (error as { cause?: unknown }).cause;
  return (error as { code?: unknown }).code === '23505' || (cause !== null && typeof cause === 'object' && (cause as { code?: unknown }).code === '23505');
}
