import { describe, expect, it } from 'vitest';
import { openStores } from '@flowline/storage';

// Runs without a MongoDB server: the name is refused before any connection is made.
describe('MongoDB database name', () => {
  it.each(['config', 'admin', 'local'])('when MONGODB_DATABASE is %s, then opening refuses at once and says why', async (name) => {
    await expect(openStores({ mongodbUrl: 'mongodb://127.0.0.1:1', mongodbDatabase: name, sqlitePath: ':memory:' })).rejects.toThrow(
      /reserved by MongoDB and allows no transactions; set MONGODB_DATABASE/,
    );
  });
});
