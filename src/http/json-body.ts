import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { emptyBody, forbiddenProperty, malformedJson } from './http.errors.js';

/**
 * JSON bodies, parsed by secure-json-parse (fastify's own parser) with the instance's
 * onProtoPoisoning / onConstructorPoisoning settings. fastify reports every failure as malformed
 * JSON; this parser says which it is, so the caller gets a useful problem document.
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  const options: secureJson.ParseOptions = {
    protoAction: app.initialConfig.onProtoPoisoning ?? 'error',
    constructorAction: app.initialConfig.onConstructorPoisoning ?? 'error',
  };
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') {
      done(emptyBody(), undefined);
      return;
    }
    try {
      done(null, secureJson.parse(text, null, options));
    } catch {
      // Only on failure: valid JSON refused by secure-json-parse carries a forbidden key.
      const forbidden = (() => {
        try {
          JSON.parse(text);
          return true;
        } catch {
          return false;
        }
      })();
      done(forbidden ? forbiddenProperty() : malformedJson(), undefined);
    }
  });
}
