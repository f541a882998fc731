import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { loadCredentials, request, saveCredentials, type ApiResponse, type Credentials } from './api.ts';

interface Session {
  credentials: Credentials | null;
  signIn(credentials: Credentials): void;
  signOut(): void;
  /** A request with the signed-in caller's credentials. */
  call<T>(method: string, path: string, options?: { body?: unknown; headers?: Record<string, string> }): Promise<ApiResponse<T>>;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [credentials, setCredentials] = useState<Credentials | null>(loadCredentials);
  const signIn = useCallback((next: Credentials) => {
    saveCredentials(next);
    setCredentials(next);
  }, []);
  const signOut = useCallback(() => {
    saveCredentials(null);
    setCredentials(null);
  }, []);
  const call = useCallback(
    <T,>(method: string, path: string, options?: { body?: unknown; headers?: Record<string, string> }) => {
      if (!credentials) return Promise.reject(new Error('not signed in'));
      return request<T>(credentials, method, path, options);
    },
    [credentials],
  );
  const value = useMemo(() => ({ credentials, signIn, signOut, call }), [credentials, signIn, signOut, call]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}

/** `GET path` returning the body, for react-query. */
export function useGet() {
  const { call } = useSession();
  return useCallback(<T,>(path: string) => call<T>('GET', path).then((r) => r.body), [call]);
}
