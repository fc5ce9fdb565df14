/**
 * TEST INFRASTRUCTURE. Plays the user's browser through a tool server's connect flow, with the gateway's
 * proxy in between simulated: the browser sees `${GATEWAY_PUBLIC_URL}/connect/<server>/…`, the gateway
 * forwards it verbatim to the tool server's `/connect/…` (apps/gateway connect-proxy), cookies included.
 */
import type { FakeGoogle } from './start-fake-google.ts';

export interface BrowserConnectResult {
  status: number;
  page: string;
}

/** Rewrites a public `/connect/<server>/…` URL to the tool server, as the gateway proxy does. */
export function viaGateway(publicUrl: string, server: string, toolServerUrl: string): string {
  const url = new URL(publicUrl);
  const prefix = `/connect/${server}`;
  if (!url.pathname.startsWith(`${prefix}/`)) throw new Error(`not a ${server} connect URL: ${publicUrl}`);
  return new URL(`/connect${url.pathname.slice(prefix.length)}${url.search}`, toolServerUrl).href;
}

export async function connectInBrowser(options: {
  connectUrl: string;
  server: string;
  toolServerUrl: string;
  google: FakeGoogle;
  /** Account to pick on the consent screen; undefined = press Cancel. */
  email: string | undefined;
  /** Drop the cookie between start and callback (another browser). */
  dropCookie?: boolean;
  /** Runs between consent and the callback (e.g. the key is deleted meanwhile). */
  beforeCallback?: () => Promise<void>;
}): Promise<BrowserConnectResult> {
  const start = await fetch(viaGateway(options.connectUrl, options.server, options.toolServerUrl), {
    redirect: 'manual',
  });
  const authorize = start.headers.get('location');
  if (start.status !== 302 || authorize === null) return { status: start.status, page: await start.text() };
  const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const callback =
    options.email === undefined
      ? await options.google.deny(authorize)
      : await options.google.approveAs(authorize, options.email);
  await options.beforeCallback?.();
  const done = await fetch(viaGateway(callback, options.server, options.toolServerUrl), {
    redirect: 'manual',
    headers: options.dropCookie ? {} : { cookie },
  });
  return { status: done.status, page: await done.text() };
}
