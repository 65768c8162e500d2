// Apollo Client's persisted-queries link against a decisionlog server: the same query
// three times, as a client app would send it. Prints one JSON line: every HTTP request
// the link made (method, whether it sent the document and the hash, the status and error
// codes of the answer) and the data each query got.
//
//   node apollo-apq-client.mjs URL TOKEN TRAJECTORY_ID [get]
//
// `get`: the link's useGETForHashedQueries (hashes by GET, the document by POST).
import { createHash } from "node:crypto";

import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client/core/index.js";
import { createPersistedQueryLink } from "@apollo/client/link/persisted-queries/index.js";

const [url, token, trajectoryId, mode] = process.argv.slice(2);
const requests = [];

async function recordingFetch(uri, options) {
  const response = await fetch(uri, options);
  const text = await response.clone().text();
  const sent = options.body ? JSON.parse(options.body) : {};
  const params = new URL(uri).searchParams;
  let codes = [];
  try {
    codes = (JSON.parse(text).errors || []).map((e) => e.extensions?.code ?? e.message);
  } catch {
    codes = ["not JSON"];
  }
  requests.push({
    method: options.method || "GET",
    document: Boolean(sent.query || params.get("query")),
    hash: Boolean(sent.extensions?.persistedQuery || params.get("extensions")),
    status: response.status,
    codes,
  });
  return response;
}

const sha256 = (text) => createHash("sha256").update(text).digest("hex");
const link = createPersistedQueryLink({ sha256, useGETForHashedQueries: mode === "get" })
  .concat(new HttpLink({ uri: url, fetch: recordingFetch,
                         headers: { authorization: `Bearer ${token}` } }));
const client = new ApolloClient({ link, cache: new InMemoryCache() });
const BOARD = gql`
  query Board($id: ID!) {
    trajectory(id: $id) { id name version }
  }
`;
const data = [];
for (let i = 0; i < 3; i++) {
  const result = await client.query({ query: BOARD, variables: { id: trajectoryId },
                                      fetchPolicy: "network-only" });
  data.push(result.data.trajectory);
}
console.log(JSON.stringify({ requests, data }));
