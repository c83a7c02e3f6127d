import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { etagOf, parseIfMatch, requireIfMatch } from '../../src/http/preconditions.js';

const request = (ifMatch?: string) => ({ headers: ifMatch === undefined ? {} : { 'if-match': ifMatch } }) as unknown as FastifyRequest;

describe('If-Match and ETag', () => {
  it.each([
    ['"3"', 3],
    ['W/"3"', 3],
    [' "12" ', 12],
    ['3', 3],
  ])('reads %s as version %d', (header, version) => {
    expect(parseIfMatch(header)).toBe(version);
    expect(requireIfMatch(request(header))).toBe(version);
  });

  it('answers 428 without If-Match', () => {
    expect(() => requireIfMatch(request())).toThrow(expect.objectContaining({ status: 428, code: 'request.if_match_required' }));
  });

  it.each(['garbage', '"abc"', '*', '"1", "2"', 'W/3x'])('answers 412 to %s, which names no version', (header) => {
    expect(parseIfMatch(header)).toBeNull();
    expect(() => requireIfMatch(request(header))).toThrow(expect.objectContaining({ status: 412, code: 'request.stale_version' }));
  });

  it('writes the version as a strong ETag that reads back', () => {
    expect(etagOf(7)).toBe('"7"');
    expect(parseIfMatch(etagOf(7))).toBe(7);
  });
});
