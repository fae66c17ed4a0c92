import Fastify from 'fastify';

/** The yardstick of the redirect benchmark: bare Fastify answering a static 302. */
const app = Fastify({ logger: false });
app.get('/r/:code', (_req, reply) => {
  reply.code(302).header('location', 'https://shop.example.com/welcome').send();
});
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
process.send?.({ type: 'listening', port: typeof address === 'object' && address ? address.port : 0 });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
