// Boots GraphiQL on /graphql (development only); every script it needs is vendored under /static/.
(function () {
  // The graph reads only Bearer credentials (an API key, or a token from POST /auth/token), never
  // cookies, so the way in is the Headers tab.
  var DEFAULT_QUERY = [
    "# Signed out, viewer is null. To call as someone, add to Headers below:",
    '#   {"Authorization": "Bearer <API key, or access_token from POST /auth/token>"}',
    "{ viewer { __typename } }",
    "",
  ].join("\n");

  var fetcher = GraphiQL.createFetcher({ url: window.location.origin + "/graphql" });
  var explorer = GraphiQLPluginExplorer.explorerPlugin();

  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: DEFAULT_QUERY,
      defaultEditorToolsVisibility: true,
      plugins: [explorer],
      inputValueDeprecation: true,
      isHeadersEditorEnabled: true,
      // Headers hold bearer secrets: keep them out of localStorage.
      shouldPersistHeaders: false,
    })
  );
})();
