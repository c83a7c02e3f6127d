import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { applicationNotFound, notVisible } from '../../src/access/access.errors.js';
import { errorCatalogue, errorModules } from '../../src/errors.catalogue.js';
import { AppError, defineError, isErrorFactory } from '../../src/http/errors.js';
import { bodyTooLarge, invalidCursor } from '../../src/http/http.errors.js';
import { problemFor } from '../../src/http/problem.js';
import { accountLocked } from '../../src/modules/auth/auth.errors.js';

const root = join(import.meta.dirname, '..', '..');

/**
 * Codes clients already rely on, with their status. New codes may be added; none of these may be
 * renamed, dropped or change status.
 */
const STABLE: Record<string, number> = {
  'request.invalid': 400,
  'request.validation_failed': 400,
  'request.malformed_json': 400,
  'request.empty_body': 400,
  'request.forbidden_property': 400,
  'request.body_too_large': 413,
  'request.unsupported_media_type': 415,
  'request.route_not_found': 404,
  'request.method_not_allowed': 405,
  'request.timeout': 408,
  'request.throttled': 429,
  'request.stale_version': 412,
  'request.if_match_required': 428,
  'request.idempotency_key_reused': 422,
  'request.invalid_cursor': 400,
  'server.internal': 500,
  'server.unavailable': 503,
  'auth.unauthenticated': 401,
  'auth.invalid_token': 401,
  'auth.forbidden': 403,
  'auth.mfa_required': 403,
  'auth.invalid_credentials': 401,
  'auth.mfa_code_required': 401,
  'auth.invalid_mfa_code': 401,
  'auth.locked': 429,
  'auth.invalid_refresh_token': 401,
  'mfa.already_enabled': 409,
  'mfa.not_started': 409,
  'mfa.invalid_code': 400,
  // audit.invalid_cursor folded into request.invalid_cursor: one cursor codec, one error code (issue 9).
  'audit.ministry_scoped': 403,
  'audit.checkpoint_incomplete': 400,
  'user.not_found': 404,
  'user.email_taken': 409,
  'user.last_admin': 409,
  'user.self_change_forbidden': 403,
  'user.ministry_required': 400,
  'user.ministry_not_allowed': 400,
  'user.unknown_ministry': 400,
  'user.password_too_short': 400,
  'user.password_too_long': 400,
  'user.password_too_common': 400,
  'application.not_found': 404,
  'committee.not_found': 404,
  'committee.name_taken': 409,
  'committee.member_not_eligible': 409,
  'committee.unknown_ministry': 400,
  'committee.not_member': 403,
  'committee.not_chair': 403,
  'committee_member.not_found': 404,
};

/**
 * Latin-script words an Arabic message may keep: names the client must type or send exactly as
 * they are, so translating them would make the message wrong. Everything else is translated.
 */
const LATIN_ALLOWED_IN_ARABIC = new Set([
  'If-Match', // HTTP header name
  'Idempotency-Key', // HTTP header name
  'JSON', // the body format, named as in the Content-Type
  'POST', // HTTP method, with the path below
  '/auth/mfa/enroll', // the endpoint to call first
  '__proto__', // the refused property names themselves
  'constructor',
  'checkpointSeq', // query parameter names
  'checkpointHash',
]);

const placeholders = (message: string) => [...message.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const latinWords = (message: string) => message.match(/[A-Za-z_/][\w/-]*/g) ?? [];
const arabicScript = /[\u0600-\u06FF]/;

describe('the error catalogue', () => {
  it('keeps every code clients rely on, with its status', () => {
    const statusByCode = Object.fromEntries(errorCatalogue.map((d) => [d.code, d.status]));
    expect(statusByCode).toMatchObject(STABLE);
  });

  it('has unique, lower-case dotted snake_case codes and error statuses', () => {
    const codes = errorCatalogue.map((d) => d.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const { code, status } of errorCatalogue) {
      expect(code).toMatch(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/);
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(600);
    }
  });

  it.each(errorCatalogue.map((d) => [d.code, d] as const))('%s has both messages with the same placeholders', (_code, definition) => {
    expect(definition.en.trim()).not.toBe('');
    expect(definition.ar.trim()).not.toBe('');
    expect(placeholders(definition.ar)).toEqual(placeholders(definition.en));
  });

  it.each(errorCatalogue.map((d) => [d.code, d] as const))('%s: English is English, Arabic is Arabic throughout', (_code, definition) => {
    expect(definition.en).not.toMatch(arabicScript);
    expect(definition.ar).toMatch(arabicScript);
    const withoutPlaceholders = definition.ar.replace(/\{\w+\}/g, '');
    expect(latinWords(withoutPlaceholders).filter((word) => !LATIN_ALLOWED_IN_ARABIC.has(word))).toEqual([]);
  });

  it('needs each allowed Latin word somewhere (the allow-list stays short)', () => {
    const arabic = errorCatalogue.map((d) => d.ar).join('\n');
    for (const word of LATIN_ALLOWED_IN_ARABIC) expect(arabic, word).toContain(word);
  });
});

describe('errors built from their definitions', () => {
  const request = { id: 'req-1', url: '/things/1', routeOptions: { url: '/things/:id' } } as unknown as FastifyRequest;

  it('names the entity in Arabic, not in English', () => {
    const error = applicationNotFound();
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ status: 404, code: 'application.not_found' });
    expect(error.messageIn('ar')).toBe('لم يُعثر على الطلب.');
    expect(error.messageIn('en')).toBe('The application was not found.');
    expect(notVisible('application').definition).toBe(applicationNotFound.definition);
    expect(() => notVisible('no_such_entity')).toThrow(/no not-found error/);
  });

  it('fills placeholders in both languages and keeps defaults unless the call overrides them', () => {
    const error = bodyTooLarge({ params: { limit: 2048 } });
    expect(error.messageIn('en')).toContain('2048');
    expect(error.messageIn('ar')).toContain('2048');
    expect(accountLocked(0.2).headers).toEqual({ 'retry-after': '1' });
    expect(bodyTooLarge({ params: { limit: 1 }, status: 400 }).status).toBe(400);
  });

  it('renders a field error without its own message in the language of the response', () => {
    const ar = problemFor(invalidCursor(), request, 'ar');
    expect(ar).toMatchObject({ code: 'request.invalid_cursor', instance: '/things/:id', requestId: 'req-1' });
    expect(ar.errors).toEqual([{ path: '/querystring/cursor', code: 'invalid_cursor', message: 'مؤشر الصفحة غير صالح؛ أعد البدء من دونه.' }]);
    expect(problemFor(invalidCursor(), request, 'en').errors).toEqual([
      { path: '/querystring/cursor', code: 'invalid_cursor', message: 'The cursor is not valid; start again without it.' },
    ]);
  });

  it('carries its definition, so the catalogue needs no registry', () => {
    const factory = defineError({ code: 'test.example', status: 409, en: 'Example {n}.', ar: 'مثال {n}.' });
    expect(isErrorFactory(factory)).toBe(true);
    expect(factory.definition).toEqual({ code: 'test.example', status: 409, en: 'Example {n}.', ar: 'مثال {n}.' });
    expect(Object.isFrozen(factory.definition)).toBe(true);
    expect(factory({ params: { n: 3 } }).messageIn('ar')).toBe('مثال 3.');
  });

  it('types the params a message needs', () => {
    // Type-level only: tsc (npm run typecheck) fails if these stop being errors.
    const unused = () => {
      // @ts-expect-error the message has a {limit} placeholder, so params are required
      bodyTooLarge();
      // @ts-expect-error and must name it
      bodyTooLarge({ params: { size: 1 } });
    };
    expect(typeof unused).toBe('function');
  });
});

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => relative(root, join(root, dir, file)).split('\\').join('/'));
}

describe('errors in the source', () => {
  const files = sourceFiles('src').map((path) => ({ path, text: readFileSync(join(root, path), 'utf8') }));

  it('has no message registry filled by import side effects', () => {
    expect(files.filter((f) => /registerMessages/.test(f.text)).map((f) => f.path)).toEqual([]);
  });

  it('creates AppErrors only through defined errors', () => {
    expect(files.filter((f) => /new AppError\b/.test(f.text)).map((f) => f.path)).toEqual(['src/http/errors.ts']);
  });

  it('defines errors only in *.errors.ts files, each exported, and lists every such file in the catalogue', () => {
    const errorFiles = files.filter((f) => f.path.endsWith('.errors.ts')).map((f) => f.path).sort();
    expect(Object.keys(errorModules).sort()).toEqual(errorFiles);
    for (const { path, text } of files) {
      if (path === 'src/http/errors.ts') continue;
      const calls = text.match(/defineError\(/g)?.length ?? 0;
      if (!path.endsWith('.errors.ts')) {
        expect(calls, path).toBe(0);
        continue;
      }
      const exported = text.match(/^export const \w+ = defineError\(/gm)?.length ?? 0;
      expect(exported, `${path}: every defineError is an exported const`).toBe(calls);
    }
    const definedInSource = files.reduce((n, f) => n + (f.path === 'src/http/errors.ts' ? 0 : (f.text.match(/defineError\(/g)?.length ?? 0)), 0);
    expect(errorCatalogue).toHaveLength(definedInSource);
  });

  it('keeps the catalogue to the definitions the modules export', () => {
    for (const exports of Object.values(errorModules)) {
      for (const value of Object.values(exports)) if (isErrorFactory(value)) expect(errorCatalogue).toContain(value.definition);
    }
  });
});
