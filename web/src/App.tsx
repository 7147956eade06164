// The shell: skip link, header and navigation, sign-in guard, and the route switch.

import { useEffect } from 'react';
import { AnnouncerProvider } from './components/ui';
import { Link, PUBLIC_ROUTES, RouterProvider, useRouter } from './router';
import { ServicesProvider, useAuthState, type Services } from './services';
import { useSignOut } from './useSignOut';
import { Activity } from './views/Activity';
import { Account } from './views/Account';
import { Confirm, ForgotPassword, ResetPassword, SignIn, SignUp } from './views/AuthViews';
import { ItemDetail } from './views/ItemDetail';
import { ItemsList } from './views/ItemsList';
import { NotFound } from './views/NotFound';

export function App({ services }: { services: Services }) {
  return (
    <ServicesProvider value={services}>
      <RouterProvider>
        <AnnouncerProvider>
          <Shell />
        </AnnouncerProvider>
      </RouterProvider>
    </ServicesProvider>
  );
}

function Shell() {
  const auth = useAuthState();
  const { route, location, navigate } = useRouter();
  const signedIn = auth.status === 'signedIn';
  const isPublic = PUBLIC_ROUTES.has(route.name);

  // Signed-out users go to sign-in (and come back afterwards); signed-in users skip the auth pages.
  useEffect(() => {
    if (!signedIn && !isPublic) {
      const next = location.pathname + location.search;
      navigate(next === '/' ? '/signin' : `/signin?next=${encodeURIComponent(next)}`, { replace: true });
    } else if (signedIn && (route.name === 'signin' || route.name === 'signup')) {
      navigate('/', { replace: true });
    }
  }, [signedIn, isPublic, route.name, location, navigate]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <Link to="/" className="brand">
          Stratus
        </Link>
        {signedIn ? <SignedInNav email={auth.email} /> : null}
      </header>
      <main id="main" tabIndex={-1}>
        {!signedIn && !isPublic ? null : <View />}
      </main>
    </>
  );
}

function SignedInNav({ email }: { email: string }) {
  const { route } = useRouter();
  const signOut = useSignOut();
  const current = (name: string) => (route.name === name ? 'page' : undefined);
  return (
    <nav aria-label="Main">
      <ul>
        <li>
          <Link to="/" aria-current={current('items')}>
            Items
          </Link>
        </li>
        <li>
          <Link to="/activity" aria-current={current('activity')}>
            Activity
          </Link>
        </li>
        <li>
          <Link to="/account" aria-current={current('account')}>
            Account
          </Link>
        </li>
      </ul>
      <span className="user" data-testid="user-email">
        {email}
      </span>
      <button type="button" onClick={signOut}>
        Sign out
      </button>
    </nav>
  );
}

function View() {
  const { route } = useRouter();
  switch (route.name) {
    case 'items':
      return <ItemsList />;
    case 'item':
      return <ItemDetail key={route.id} id={route.id} />;
    case 'activity':
      return <Activity />;
    case 'signin':
      return <SignIn />;
    case 'signup':
      return <SignUp />;
    case 'confirm':
      return <Confirm />;
    case 'account':
      return <Account />;
    case 'forgotPassword':
      return <ForgotPassword />;
    case 'resetPassword':
      return <ResetPassword />;
    case 'notFound':
      return <NotFound />;
  }
}
