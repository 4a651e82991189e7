import { createContext, useContext, type ReactNode } from 'react';
import type { EngineClient } from '../../shared/client.js';

const ClientContext = createContext<EngineClient | null>(null);

export function ClientProvider({ client, children }: { client: EngineClient; children: ReactNode }) {
  return <ClientContext.Provider value={client}>{children}</ClientContext.Provider>;
}

/** The engine client; every feature talks to the engine through this and nothing else. */
export function useClient(): EngineClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error('useClient() outside <ClientProvider>');
  return client;
}
