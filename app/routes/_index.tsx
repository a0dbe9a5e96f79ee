import type { LoaderFunctionArgs } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { getUser } from '#app/auth/session.server';

export async function loader({ request }: LoaderFunctionArgs) {
  throw redirect((await getUser(request)) ? '/home' : '/login');
}
