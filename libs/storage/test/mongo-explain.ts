import { MongoClient, type CommandStartedEvent, type Db, type Document } from 'mongodb';

/** Commands that read or pick documents by a filter, and so need an index. */
const QUERY_COMMANDS = new Set(['find', 'update', 'delete', 'findAndModify', 'count', 'aggregate', 'distinct']);

export interface WatchedQuery {
  command: string;
  collection: string;
  /** The command as sent, minus session and transaction fields. */
  body: Document;
}

/**
 * `url` with command monitoring on, and every query command any MongoClient of this process
 * starts from now on, one per shape (field names and operators, not values). The adapters make
 * their own client inside openMongoStores, so the events are caught on MongoClient itself.
 */
export function watchQueries(url: string): { url: string; queries: Map<string, WatchedQuery>; stop(): void } {
  const watched = new URL(url);
  watched.searchParams.set('monitorCommands', 'true');
  const queries = new Map<string, WatchedQuery>();
  const prototype = MongoClient.prototype as unknown as { emit: (event: string | symbol, ...args: unknown[]) => boolean };
  const emit = prototype.emit;
  prototype.emit = function (this: unknown, event: string | symbol, ...args: unknown[]) {
    if (event === 'commandStarted') {
      const started = args[0] as CommandStartedEvent;
      if (QUERY_COMMANDS.has(started.commandName)) {
        const { lsid: _l, txnNumber: _t, $db: _d, $clusterTime: _c, startTransaction: _s, autocommit: _a, ...body } = started.command;
        const collection = String(body[started.commandName]);
        const key = `${started.commandName} ${collection} ${JSON.stringify(shape(querySpec(started.commandName, body)))}`;
        if (!queries.has(key)) queries.set(key, { command: started.commandName, collection, body });
      }
    }
    return emit.call(this, event, ...args);
  };
  return { url: watched.toString(), queries, stop: () => void (prototype.emit = emit) };
}

/** The parts of a command that decide its plan. */
function querySpec(command: string, body: Document): Document {
  switch (command) {
    case 'find':
      return { filter: body['filter'], sort: body['sort'] };
    case 'findAndModify':
      return { query: body['query'], sort: body['sort'] };
    case 'update':
      return { q: (body['updates'] as Document[])[0]?.['q'] };
    case 'delete':
      return { q: (body['deletes'] as Document[])[0]?.['q'] };
    case 'aggregate':
      // countDocuments is an aggregate led by $match: the match picks the documents.
      return { filter: (body['pipeline'] as Document[])[0]?.['$match'] ?? {} };
    default:
      return body;
  }
}

function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? [] : [shape(value[0])];
  if (value !== null && typeof value === 'object' && value.constructor === Object) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]));
  }
  return '?';
}

export interface ExplainedQuery {
  query: WatchedQuery;
  stages: string[];
  /** How the plan was obtained: the command itself, or (see {@link explainQuery}) its filter as a find. */
  via: 'command' | 'find with the same filter';
  parsedQuery: unknown;
}

/**
 * Explains one watched query (queryPlanner verbosity: nothing is executed or written). A server
 * that answers an update's or delete's explain with an empty parsedQuery has not looked at the
 * statement's filter at all (SecantusDB 0.7.0b3 does this, and always reports a COLLSCAN); then
 * the same filter is explained as a find, which is the plan MongoDB uses to pick the documents.
 */
export async function explainQuery(db: Db, query: WatchedQuery): Promise<ExplainedQuery> {
  const explain = (command: Document) => db.command({ explain: command, verbosity: 'queryPlanner' });
  const { body } = query;
  let result: Document;
  if (query.command === 'update' || query.command === 'delete') {
    const statements = (body[query.command === 'update' ? 'updates' : 'deletes'] as Document[]).slice(0, 1);
    result = await explain({ [query.command]: query.collection, [query.command === 'update' ? 'updates' : 'deletes']: statements });
    const filter = statements[0]?.['q'] as Document;
    if (isEmpty(result['queryPlanner']?.['parsedQuery']) && !isEmpty(filter)) {
      const fallback = await explain({ find: query.collection, filter });
      return { query, stages: stagesOf(fallback['queryPlanner']?.['winningPlan']), via: 'find with the same filter', parsedQuery: fallback['queryPlanner']?.['parsedQuery'] };
    }
  } else if (query.command === 'aggregate') {
    result = await explain({ aggregate: query.collection, pipeline: body['pipeline'], cursor: {} });
    // MongoDB puts the plan at the top, or under the first stage's $cursor; without either, the
    // $match is what picks the documents, and is explained as a find.
    const planner = (result['queryPlanner'] ?? (result['stages'] as Document[] | undefined)?.[0]?.['$cursor']?.['queryPlanner']) as Document | undefined;
    if (planner?.['winningPlan'] === undefined) {
      const filter = filterOf(query);
      const fallback = await explain({ find: query.collection, filter });
      return { query, stages: stagesOf(fallback['queryPlanner']?.['winningPlan']), via: 'find with the same filter', parsedQuery: fallback['queryPlanner']?.['parsedQuery'] };
    }
    return { query, stages: stagesOf(planner['winningPlan']), via: 'command', parsedQuery: planner['parsedQuery'] };
  } else {
    const { writeConcern: _w, ...command } = body;
    result = await explain(command);
  }
  return { query, stages: stagesOf(result['queryPlanner']?.['winningPlan']), via: 'command', parsedQuery: result['queryPlanner']?.['parsedQuery'] };
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'object' && Object.keys(value as object).length === 0);
}

/** Every `stage` in a plan tree (classic plans and the queryPlan of slot-based ones). */
export function stagesOf(plan: unknown): string[] {
  if (plan === null || typeof plan !== 'object') return [];
  const stages: string[] = [];
  for (const [key, value] of Object.entries(plan)) {
    if (key === 'stage' && typeof value === 'string') stages.push(value);
    else if (typeof value === 'object') stages.push(...(Array.isArray(value) ? value.flatMap(stagesOf) : stagesOf(value)));
  }
  return stages;
}

const INDEX_STAGES = new Set(['IXSCAN', 'EXPRESS_IXSCAN', 'IDHACK', 'EXPRESS_IDHACK', 'COUNT_SCAN', 'DISTINCT_SCAN']);

/** An index serves the plan: it scans an index and never the whole collection. */
export function servedByIndex(stages: string[]): boolean {
  return stages.some((stage) => INDEX_STAGES.has(stage)) && !stages.includes('COLLSCAN');
}

/**
 * Whether the server's planner uses an index for a filter that also has a field outside the
 * index (MongoDB does: IXSCAN on the prefix, then FETCH with the rest as a filter). SecantusDB
 * 0.7.0b3 does not: it picks an index only when the index holds every field of the filter, and
 * otherwise reports a COLLSCAN. Probed on a scratch collection of `db`, which is dropped after.
 */
export async function plansIndexPrefixWithResidualFilter(db: Db): Promise<{ yes: boolean; stages: string[] }> {
  const probe = db.collection(`explain_probe_${Date.now()}`);
  try {
    await probe.createIndex({ a: 1, b: 1 });
    await probe.insertOne({ a: 1, b: 1, c: 1 });
    const explained = await probe.find({ a: 1, c: 1 }).explain('queryPlanner');
    const stages = stagesOf(explained['queryPlanner']?.['winningPlan']);
    return { yes: servedByIndex(stages), stages };
  } finally {
    await probe.drop();
  }
}

/** The filter a watched query selects documents with. */
export function filterOf(query: WatchedQuery): Document {
  const spec = querySpec(query.command, query.body);
  return (spec['filter'] ?? spec['query'] ?? spec['q'] ?? {}) as Document;
}

/**
 * An index of `indexes` whose first field the filter matches by equality: what MongoDB's planner
 * needs to scan that index instead of the collection.
 */
export function indexWithEqualityOnLeadingField(filter: Document, indexes: Array<{ name?: string; key: Document }>): string | undefined {
  const equalities = new Set<string>();
  const collect = (clause: Document) => {
    for (const [field, value] of Object.entries(clause)) {
      if (field === '$and') for (const inner of value as Document[]) collect(inner);
      else if (!field.startsWith('$') && (value === null || typeof value !== 'object' || '$eq' in value || value.constructor !== Object)) equalities.add(field);
    }
  };
  collect(filter);
  return indexes.find((index) => equalities.has(Object.keys(index.key)[0]!))?.name;
}
