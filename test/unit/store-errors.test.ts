import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../shared/store/errors.js';

/** The one line an operator reads when DynamoDB cannot be reached or refuses a call. */
describe('StoreUnavailableError', () => {
  const message = (cause: unknown) => new StoreUnavailableError('Query', { cause }).message;

  it('names the error, and says what happened in its own words', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    expect(message(refused)).toBe('DynamoDB Query failed: Error: connect ECONNREFUSED 127.0.0.1:9');
    const credentials = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    expect(message(credentials)).toBe('DynamoDB Query failed: CredentialsProviderError: Could not load credentials from any providers');
    const missing = Object.assign(new Error('Requested resource not found\nat line 2'), { name: 'ResourceNotFoundException' });
    expect(message(missing)).toBe('DynamoDB Query failed: ResourceNotFoundException: Requested resource not found');
  });

  it('gives the code of an error whose message does not (a bare AggregateError of a refused connection)', () => {
    const aggregate = Object.assign(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })], ''), { code: 'ECONNREFUSED' });
    expect(message(aggregate)).toBe('DynamoDB Query failed: AggregateError (ECONNREFUSED)');
    expect(message(undefined)).toBe('DynamoDB Query failed: unknown error');
  });
});
