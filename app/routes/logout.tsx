import type { ActionFunctionArgs } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { logout } from '#app/auth/session.server';

// Logout is a POST (GET never writes); a GET just goes to the login page.
export async function loader() {
  throw redirect('/login');
}

export async function action({ request }: ActionFunctionArgs) {
  throw redirect('/login', { headers: { 'Set-Cookie': await logout(request) } });
}
