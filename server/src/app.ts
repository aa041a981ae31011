import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import rateLimit from '@fastify/rate-limit';
import type { HeraldContext } from './context.ts';
import { registerErrorHandler } from './http/error-handler.ts';
import { registerJsonBody } from './http/json-body.ts';
import { registerAuth } from './modules/auth/plugin.ts';
import { authRoutes } from './modules/auth/routes.ts';
import { healthRoutes } from './modules/health/routes.ts';
import { registerModules } from './modules/index.ts';
import { serveWeb } from './http/serve-web.ts';

export type AppDeps = {
  context: HeraldContext;
  /** when false, `/` does not serve the web UI (tests of the API alone) */
  isWebServed?: boolean;
};

declare module 'fastify' {
  // eslint-disable-next-line @typescript-eslint/consistent-type-definitions -- module augmentation needs an interface
  interface FastifyInstance {
    /** What every route and service can reach. */
    herald: HeraldContext;
  }
}

export type App = FastifyInstance;

/** Builds Herald's HTTP app without listening; tests drive it with `app.inject()`. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.context.logger as FastifyBaseLogger,
    bodyLimit: 50 * 1024 * 1024,
    trustProxy: true,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.decorate('herald', deps.context);
  app.addHook('onClose', async () => deps.context.inboxHub.close());

  registerErrorHandler(app);
  registerJsonBody(app);
  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Herald API',
        version: '0.1.0',
        description:
          'Schedule notifications to your app\'s users. Authenticate with `Authorization: Bearer <token>` (create tokens in Settings) or the session cookie of the web UI.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          session: { type: 'apiKey', in: 'cookie', name: 'herald_session' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  registerAuth(app);
  await app.register(healthRoutes);
  await app.register(authRoutes, { prefix: '/api/auth' });
  await registerModules(app);
  if (deps.isWebServed !== false) await serveWeb(app, deps.context.config);
  return app;
}
