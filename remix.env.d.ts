/// <reference types="@remix-run/dev" />
import '@remix-run/node';
import '@remix-run/server-runtime';

declare module '@remix-run/node' {
  interface Future {
    v3_singleFetch: true;
  }
}

declare module '@remix-run/server-runtime' {
  interface Future {
    v3_singleFetch: true;
  }
  interface AppLoadContext {
    /** Per-request CSP nonce, set by the express server. */
    nonce: string;
    /** Client IP as the server trusts it (X-Forwarded-For only with TRUST_PROXY). */
    clientIp: string;
    /** Set by handleError (entry.server.tsx): the id of this request's logged error, shown on the error page. */
    errorId?: string;
  }
}
