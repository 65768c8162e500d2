// Starts GraphiQL on the project's first query, with the token in its headers.
//
// The token comes from the URL fragment (`/graphql#token=…`, the link `make serve`
// prints: browsers never send a fragment to the server), or from this tab's session
// storage after that. It is taken out of the address bar at once, so a copied URL does
// not carry it. Without a token the notice above the editor says how to get one.
// A file, not an inline script, so the page's Content-Security-Policy can say
// `script-src 'self'`.
(function () {
  'use strict';
  var STORAGE_KEY = 'decisionlog.token';
  var root = document.getElementById('graphiql');
  var notice = document.getElementById('token-notice');

  function takeToken() {
    var fragment = new URLSearchParams(window.location.hash.slice(1));
    var token = fragment.get('token');
    if (token) {
      window.sessionStorage.setItem(STORAGE_KEY, token.trim());
      window.history.replaceState(null, '', window.location.pathname + window.location.search);
    }
    return window.sessionStorage.getItem(STORAGE_KEY);
  }

  function showNotice(reason) {
    notice.dataset.reason = reason;
    notice.querySelectorAll('[data-when]').forEach(function (part) {
      part.hidden = part.dataset.when !== reason;
    });
    notice.hidden = false;
  }

  var token = takeToken();
  var anonymousRead = root.dataset.anonymousRead === 'true';
  var headers = token ? JSON.stringify({ Authorization: 'Bearer ' + token }, null, 2) : undefined;
  var authorization = token ? 'Bearer ' + token : null; // as the headers editor last had it
  if (!token && !anonymousRead) {
    showNotice('missing');
  }

  function observedFetch(input, init) {
    return window.fetch(input, init).then(function (response) {
      if (response.status === 401) {
        showNotice(authorization ? 'refused' : 'missing');
      } else if (response.ok && notice.dataset.reason === 'refused') {
        notice.hidden = true;
      }
      return response;
    });
  }

  var scheme = window.location.protocol === 'https:' ? 'wss://' : 'ws://';
  var subscriptions = graphqlWs.createClient({
    url: scheme + window.location.host + '/graphql',
    lazy: true,
    connectionParams: function () {
      return authorization ? { Authorization: authorization } : {};
    },
  });
  // The token also goes with every request as a default header: GraphiQL fetches the
  // schema before its headers editor holds anything. What the editor says wins.
  var send = GraphiQL.createFetcher({
    url: '/graphql',
    wsClient: subscriptions,
    fetch: observedFetch,
    headers: token ? { Authorization: 'Bearer ' + token } : {},
  });

  function fetcher(params, options) {
    var given = (options && options.headers) || {};
    authorization = given.Authorization || given.authorization ||
      (token ? 'Bearer ' + token : null);
    return send(params, options);
  }

  document.getElementById('token-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var pasted = document.getElementById('token-input').value.trim().replace(/^Bearer\s+/i, '');
    if (pasted) {
      window.sessionStorage.setItem(STORAGE_KEY, pasted);
      window.location.reload();
    }
  });

  var props = {
    fetcher: fetcher,
    defaultQuery: root.dataset.firstQuery,
    defaultEditorToolsVisibility: token ? false : 'headers',
    shouldPersistHeaders: false,
  };
  if (headers) {
    props.headers = headers;
    props.defaultHeaders = headers;
  }
  ReactDOM.createRoot(root).render(React.createElement(GraphiQL, props));
})();
