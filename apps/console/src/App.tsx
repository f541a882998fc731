import { useQueryClient } from '@tanstack/react-query';
import { Link, Redirect, Route, Router, Switch, useLocation } from 'wouter';
import { Audit } from './pages/Audit.tsx';
import { EventLog } from './pages/EventLog.tsx';
import { History } from './pages/History.tsx';
import { RuleEditor } from './pages/RuleEditor.tsx';
import { Rules } from './pages/Rules.tsx';
import { Settings } from './pages/Settings.tsx';
import { SignIn } from './pages/SignIn.tsx';
import { Templates } from './pages/Templates.tsx';
import { SessionProvider, useSession } from './session.tsx';

function NavLink({ href, children }: { href: string; children: string }) {
  const [location] = useLocation();
  const current = location === href || (href !== '/' && location.startsWith(href));
  return (
    <Link href={href} aria-current={current ? 'page' : undefined}>
      {children}
    </Link>
  );
}

function Shell() {
  const { credentials, signOut } = useSession();
  const queryClient = useQueryClient();
  if (!credentials) return <SignIn />;
  const who = credentials.mode === 'tenant' ? `tenant ${credentials.tenant}` : 'bearer token';
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Flowline</span>
        <nav aria-label="Main">
          <NavLink href="/rules">Rules</NavLink>
          <NavLink href="/templates">Templates</NavLink>
          <NavLink href="/events">Event log</NavLink>
          <NavLink href="/audit">Audit</NavLink>
          <NavLink href="/settings">Settings</NavLink>
        </nav>
        <span className="who" title="Signed in as">
          {who}
        </span>
        <button
          type="button"
          className="link"
          onClick={() => {
            queryClient.clear();
            signOut();
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main">
        <Switch>
          <Route path="/rules" component={Rules} />
          <Route path="/rules/new" component={RuleEditor} />
          <Route path="/rules/:id/history" component={History} />
          <Route path="/rules/:id" component={RuleEditor} />
          <Route path="/templates" component={Templates} />
          <Route path="/events" component={EventLog} />
          <Route path="/audit" component={Audit} />
          <Route path="/settings" component={Settings} />
          <Route path="/">
            <Redirect to="/rules" />
          </Route>
          <Route>
            <h1>Not found</h1>
            <p>
              <Link href="/rules">Back to the rules</Link>
            </p>
          </Route>
        </Switch>
      </main>
    </>
  );
}

export function App() {
  return (
    <SessionProvider>
      <Router base="/console">
        <Shell />
      </Router>
    </SessionProvider>
  );
}
