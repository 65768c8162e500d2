// graphql-ws (the reference graphql-transport-ws client) against decisionlog:
// subscribe to trajectoryEvents from the start, drop the connection part-way, resume
// from the last version received on a new connection, then stay live.
//
//   node client.mjs WS_URL TOKEN TRAJECTORY_ID FIRST
//
// Talks with the test over lines: stdout gets `{"phase": ..., "events": [...]}` JSON
// lines and the words DROPPED and CAUGHT-UP; stdin gives `more N` (then N more events
// are expected) and `end`.
import readline from "node:readline";
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const [url, token, trajectoryId, firstText] = process.argv.slice(2);
const EVENTS = `subscription($tid: ID!, $after: Int) {
  trajectoryEvents(trajectoryId: $tid, afterVersion: $after) { version type digest previousDigest } }`;

const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const say = (value) => process.stdout.write((typeof value === "string" ? value : JSON.stringify(value)) + "\n");

function connect() {
  return createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${token}` },
    lazy: true,
    retryAttempts: 0,
  });
}

async function take(iterator, count) {
  const events = [];
  while (events.length < count) {
    const { value, done } = await iterator.next();
    if (done) throw new Error(`the subscription ended after ${events.length} of ${count}`);
    if (value.errors) throw new Error(JSON.stringify(value.errors));
    events.push(value.data.trajectoryEvents);
  }
  return events;
}

// 1. From the start; drop the connection after FIRST events.
let client = connect();
let iterator = client.iterate({ query: EVENTS, variables: { tid: trajectoryId, after: 0 } });
const first = await take(iterator, Number(firstText));
say({ phase: "first", events: first });
await iterator.return();
await client.dispose();
say("DROPPED");

// 2. Resume after the last version received, on a new connection: the rest of the
// stored events, then each new one as it is committed.
let last = first.at(-1).version;
client = connect();
iterator = client.iterate({ query: EVENTS, variables: { tid: trajectoryId, after: last } });
for (;;) {
  const { value: line } = await lines.next();
  const [word, count] = line.trim().split(" ");
  if (word === "end") break;
  const events = await take(iterator, Number(count));
  last = events.at(-1).version;
  say({ phase: "resumed", events });
  say("CAUGHT-UP");
}
await iterator.return();
await client.dispose();
process.exit(0);
