import type { ResolvedClient } from './emulation-state.ts';
import type { OAuthClient } from './options.ts';

export const DEFAULT_CLIENT: ResolvedClient = {
  clientId: 'tokenrelay-client',
  clientSecret: 'tokenrelay-secret',
  auth: 'client_secret_basic',
};

export function resolveClients(clients: readonly OAuthClient[] | undefined): readonly ResolvedClient[] {
  if (clients === undefined) return [DEFAULT_CLIENT];
  if (clients.length === 0) throw new TypeError('clients must list at least one client');
  const resolved = clients.map((client): ResolvedClient => {
    const auth = client.auth ?? 'client_secret_basic';
    if (auth !== 'none' && client.clientSecret === undefined) {
      throw new TypeError(`client ${JSON.stringify(client.clientId)} needs a clientSecret for ${auth}`);
    }
    return {
      clientId: client.clientId,
      clientSecret: auth === 'none' ? undefined : client.clientSecret,
      auth,
    };
  });
  if (new Set(resolved.map((client) => client.clientId)).size !== resolved.length) {
    throw new TypeError('every client needs its own clientId');
  }
  return resolved;
}
