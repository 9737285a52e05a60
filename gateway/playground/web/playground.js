// Starts GraphiQL on custgraph's playground page. The endpoint and the example query come from
// data attributes of #graphiql, so the page needs no inline script (its CSP allows none).
(function () {
  'use strict';
  // GraphiQL's dialogs add a <style> element (react-remove-scroll), which the CSP allows only
  // with this response's nonce; that library takes the nonce from __webpack_nonce__.
  var nonce = document.querySelector('meta[property="csp-nonce"]');
  if (nonce && nonce.nonce) {
    window.__webpack_nonce__ = nonce.nonce;
  }
  var root = document.getElementById('graphiql');
  var fetcher = GraphiQL.createFetcher({
    url: new URL(root.dataset.endpoint, window.location.href).toString(),
  });
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      // Shown on a first visit; afterwards GraphiQL restores the user's own tabs.
      defaultQuery: root.dataset.query,
      isHeadersEditorEnabled: true,
      // Headers may carry credentials: keep them out of localStorage.
      shouldPersistHeaders: false,
    }),
  );
})();
