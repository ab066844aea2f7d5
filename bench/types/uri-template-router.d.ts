// The package ships no types; these cover the part the selector bench uses (its "before" peer).
declare module 'uri-template-router' {
  interface MatchResult {
    readonly params: Record<string, unknown>;
  }
  class Router {
    addTemplate(template: string, variables: Record<string, unknown>, value: unknown): unknown;
    resolveURI(uri: string): MatchResult | undefined;
  }
  const uriTemplateRouter: { Router: typeof Router };
  export default uriTemplateRouter;
}
