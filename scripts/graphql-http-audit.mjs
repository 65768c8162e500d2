// The GraphQL-over-HTTP spec's audit suite (graphql-http's auditServer, by the spec's
// authors) against a running server. usage: node graphql-http-audit.mjs URL [TOKEN]
// Prints each warning and error, then one line of counts; exits 1 on any error.
import { auditServer } from 'graphql-http';

const [url, token] = process.argv.slice(2);
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers || {});
  if (token) headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};
const results = await auditServer({ url, fetchFn });
const counts = { ok: 0, warn: 0, error: 0 };
for (const result of results) {
  counts[result.status]++;
  if (result.status !== 'ok') {
    console.log(`${result.status.toUpperCase()} ${result.id} ${result.name}: ${result.reason}`);
  }
}
console.log(`graphql-http audit: ${counts.ok} ok, ${counts.warn} warnings, ` +
            `${counts.error} errors of ${results.length}`);
process.exitCode = counts.error ? 1 : 0;
