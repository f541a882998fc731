import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';

/*
 * Finds the real infrastructure the tests run against, once per run:
 *  - RabbitMQ from AMQP_URL (default amqp://guest:guest@127.0.0.1:5672), else a testcontainer
 *    when a Docker engine answers; with neither the run fails, since nothing here is mocked.
 *  - MongoDB from MONGODB_URL, else the server `scripts/test-services.sh` started (its URL in
 *    .test-services/mongodb.url), else a testcontainer when a Docker engine answers, else the
 *    MongoDB suites skip and print why.
 */

declare module 'vitest' {
  export interface ProvidedContext {
    amqpUrl: string;
    mongodbUrl: string | null;
    mongodbSkipReason: string;
  }
}

const DEFAULT_AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';

function reachable(url: string, timeoutMs = 1500): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 5672) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function dockerAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await Promise.race([
      getContainerRuntimeClient(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 5000)),
    ]);
    return true;
  } catch {
    return false;
  }
}

/** The MongoDB-wire server `scripts/test-services.sh` started, if it still answers. */
async function scriptMongodbUrl(): Promise<string | null> {
  let url: string;
  try {
    url = readFileSync(resolve(import.meta.dirname, '../../.test-services/mongodb.url'), 'utf8').trim();
  } catch {
    return null;
  }
  return (await reachable(url)) ? url : null;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stops: Array<() => Promise<unknown>> = [];
  let docker: boolean | undefined;
  const hasDocker = async () => (docker ??= await dockerAnswers());

  let amqpUrl = process.env.AMQP_URL ?? DEFAULT_AMQP_URL;
  if (!(await reachable(amqpUrl))) {
    if (!(await hasDocker())) {
      throw new Error(`RabbitMQ is not reachable at ${amqpUrl} and no Docker engine answers: start it (rabbitmq-server -detached) or set AMQP_URL`);
    }
    const { RabbitMQContainer } = await import('@testcontainers/rabbitmq');
    const container = await new RabbitMQContainer('rabbitmq:3.13-management').start();
    stops.push(() => container.stop());
    amqpUrl = container.getAmqpUrl();
  }
  project.provide('amqpUrl', amqpUrl);

  let mongodbUrl: string | null = process.env.MONGODB_URL || (await scriptMongodbUrl());
  let mongodbSkipReason = '';
  if (!mongodbUrl) {
    if (await hasDocker()) {
      const { MongoDBContainer } = await import('@testcontainers/mongodb');
      const container = await new MongoDBContainer('mongo:8').start();
      stops.push(() => container.stop());
      mongodbUrl = `${container.getConnectionString()}?directConnection=true`;
    } else {
      mongodbSkipReason = 'MongoDB suites skipped: MONGODB_URL is not set, no server from scripts/test-services.sh answers, and no Docker engine answers for testcontainers';
      console.warn(mongodbSkipReason);
    }
  }
  project.provide('mongodbUrl', mongodbUrl);
  project.provide('mongodbSkipReason', mongodbSkipReason);

  return async () => {
    await Promise.all(stops.map((stop) => stop()));
  };
}
