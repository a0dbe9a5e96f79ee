// No route renders a value imported from a `*.server` module (empty in the browser bundle): see
// test/server-only-guard.ts and docs/forms-and-feedback.md.
import { describe, expect, it } from 'vitest';
import { routeModules } from './route-modules';
import { serverValuesInBrowserCode } from './server-only-guard';

describe('route modules use `.server` imports only on the server', () => {
  const modules = routeModules();

  it.each(modules.map((m) => [m.id, m] as const))('%s', (_id, m) => {
    const uses = serverValuesInBrowserCode(m.source, m.file).map((u) => `${u.binding} (from ${u.from}) used by ${u.usedBy}, line ${u.line}`);
    expect(uses).toEqual([]);
  });
});

describe('the guard itself', () => {
  // The shape of the playbook editor's bug (issue 13): limits imported from the service and read by
  // the component were `undefined` after hydration, so every stage slot disappeared.
  const editor = `
    import type { LoaderFunctionArgs } from '@remix-run/node';
    import { useLoaderData } from '@remix-run/react';
    import { getCurrentPlaybook, MAX_STAGES, type StageDef } from '#app/journeys/playbook.server';
    export async function loader({ request }: LoaderFunctionArgs) { return { playbook: await getCurrentPlaybook(), max: MAX_STAGES }; }
    export default function Editor() {
      const { playbook } = useLoaderData<typeof loader>();
      const stages: StageDef[] = playbook.stages;
      return <p>{Math.min(MAX_STAGES, stages.length + 1)}</p>;
    }`;

  it('flags a value from a .server module read by the page component, not the loader using it', () => {
    expect(serverValuesInBrowserCode(editor)).toEqual([
      { binding: 'MAX_STAGES', from: '#app/journeys/playbook.server', usedBy: 'the default export (the page component)', line: 9 },
    ]);
  });

  it('follows module-level helpers the component calls, and ignores type-only uses', () => {
    const helper = `
      import { slugify } from '#app/journeys/playbook.server';
      import type { PlaybookDef } from '#app/journeys/playbook.server';
      const label = (s: string) => slugify(s, 'x');
      export function meta() { return [{ title: 'x' }]; }
      export default function Page() { const p: PlaybookDef | null = null; return <p>{label('A b')}</p>; }`;
    expect(serverValuesInBrowserCode(helper).map((u) => [u.binding, u.usedBy])).toEqual([['slugify', 'the default export (the page component) via label']]);
  });

  it('lets loader, action and headers (removed from the browser bundle) use server values', () => {
    const serverOnly = `
      import { data } from '@remix-run/node';
      import { requireUser } from '#app/auth/session.server';
      import { publishPlaybook } from '#app/journeys/playbook.server';
      const publish = (u: unknown) => publishPlaybook(u as never);
      export async function loader({ request }: { request: Request }) { return requireUser(request); }
      export async function action({ request }: { request: Request }) { return data(await publish(await requireUser(request))); }
      export const headers = () => ({ 'Cache-Control': String(requireUser.length) });
      export default function Page() { return <p>fine</p>; }`;
    expect(serverValuesInBrowserCode(serverOnly)).toEqual([]);
  });

  it('does not take a JSX attribute named like a server-only export for a use of it', () => {
    const form = `
      import { readFormData } from '#app/utils/forms.server';
      export async function action({ request }: { request: Request }) { return readFormData(request); }
      export default function Page() { return <form method="post" action="/elsewhere"><button>Go</button></form>; }`;
    expect(serverValuesInBrowserCode(form)).toEqual([]);
  });
});
