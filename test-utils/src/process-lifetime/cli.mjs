// A short-lived script (a CLI, a cron job) as a user writes it: an expired token, one request through the adapter
// named in argv, the response printed, then the process ends by itself. argv: <adapter> <origin>.
import { createTokenManager, oauth2Refresh } from '@tokenrelay/core';

const [adapter, origin] = process.argv.slice(2);
const manager = createTokenManager({
  tokens: { accessToken: 'expired-token', refreshToken: 'refresh-1', expiresAt: Date.now() - 60_000 },
  refresh: oauth2Refresh({ tokenEndpoint: `${origin}/token`, clientId: 'cli' }),
});

let status;
let body;
switch (adapter) {
  case 'axios': {
    const { default: axios } = await import('axios');
    const { attachTokenRefresh } = await import('@tokenrelay/axios');
    const client = axios.create({ baseURL: origin });
    attachTokenRefresh(client, manager);
    const response = await client.get('/api/me');
    ({ status } = response);
    body = response.data;
    break;
  }
  case 'got': {
    const { default: got } = await import('got');
    const { tokenRefresh } = await import('@tokenrelay/got');
    const client = got.extend({ prefixUrl: origin }, tokenRefresh(manager));
    const response = await client.get('api/me', { responseType: 'json' });
    status = response.statusCode;
    body = response.body;
    break;
  }
  case 'ky': {
    const { default: ky } = await import('ky');
    const { tokenRefresh } = await import('@tokenrelay/ky');
    const client = ky.create({ baseUrl: origin }).extend(tokenRefresh(manager));
    const response = await client.get('api/me');
    status = response.status;
    body = await response.json();
    break;
  }
  case 'fetch': {
    const { withTokenRefresh } = await import('@tokenrelay/fetch');
    const api = withTokenRefresh(fetch, manager, { origins: origin });
    const response = await api(`${origin}/api/me`);
    status = response.status;
    body = await response.json();
    break;
  }
  default:
    throw new Error(`unknown adapter ${adapter}`);
}
console.log(JSON.stringify({ status, body }));
