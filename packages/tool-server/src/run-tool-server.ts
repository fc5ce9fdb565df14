import type { FastifyInstance } from 'fastify';

/** Listens, and closes gracefully on SIGINT/SIGTERM: in-flight calls finish, new ones are refused. */
export async function runToolServer(app: FastifyInstance, port: number, host = '127.0.0.1'): Promise<string> {
  const address = await app.listen({ port, host });
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'closing');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  return address;
}
