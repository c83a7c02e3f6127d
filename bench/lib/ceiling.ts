/**
 * The ceiling: a bare fastify route on this machine, run as its own process the same way as the
 * service (tsx), so the service's figures can be read as a fraction of what the stack allows here.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/', async () => ({ status: 'ok', items: [1, 2, 3] }));

await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void app.close().then(() => process.exit(0));
  });
}
